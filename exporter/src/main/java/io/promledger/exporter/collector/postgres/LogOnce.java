package io.promledger.exporter.collector.postgres;

import org.slf4j.Logger;

/** A condition logged once when it starts and once when it ends, not at every scrape. */
final class LogOnce {
  private String current;

  void warn(Logger log, String message) {
    if (!message.equals(current)) {
      current = message;
      log.warn("msg=\"{}\"", message.replace('"', '\''));
    }
  }

  void reset(Logger log, String message) {
    if (current != null) {
      current = null;
      log.info("msg=\"{}\"", message);
    }
  }
}
