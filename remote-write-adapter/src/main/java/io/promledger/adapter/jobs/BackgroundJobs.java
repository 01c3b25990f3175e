package io.promledger.adapter.jobs;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.promledger.adapter.config.RetentionOptions;
import io.promledger.adapter.storage.Database;

/** The jobs that run on a schedule inside {@code serve}. */
public final class BackgroundJobs implements AutoCloseable {
  private BackgroundJobs() {}

  public static BackgroundJobs start(
      Database database, PrometheusRegistry registry, JobOptions options, RetentionOptions retention) {
    return new BackgroundJobs();
  }

  @Override
  public void close() {}
}
