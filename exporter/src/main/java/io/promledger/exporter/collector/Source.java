package io.promledger.exporter.collector;

/** One origin of metrics (PostgreSQL, CloudWatch) that writes its samples at scrape time. */
public interface Source extends AutoCloseable {
  /** Writes this source's samples, including its {@link CollectorStatus}; must not throw. */
  void collect(Families out);

  @Override
  default void close() {}
}
