package io.promledger.adapter.cli;

import io.promledger.adapter.Adapter;
import io.promledger.adapter.config.DatabaseOptions;
import io.promledger.adapter.config.IngestOptions;
import io.promledger.adapter.config.ListenAddress;
import io.promledger.adapter.config.RetentionOptions;
import io.promledger.adapter.ha.HaOptions;
import io.promledger.adapter.jobs.JobOptions;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Runs the remote-write receiver (and the background jobs) until stopped. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    usageHelpWidth = 110,
    description = {
      "Receive Prometheus remote write on POST /api/v1/write and store it in PostgreSQL (the default command).",
      "Also serves /metrics, /-/healthy and /-/ready, and runs rollups and retention on a schedule."
    })
public final class ServeCommand implements Callable<Integer> {
  @Option(names = "--web.listen-address", paramLabel = "HOST:PORT", defaultValue = ":9201",
      converter = ListenAddress.Converter.class,
      description = "Address to listen on for remote write, metrics and reports (default: ${DEFAULT-VALUE}).")
  ListenAddress listen;

  @Option(names = "--config.file", paramLabel = "FILE",
      description = "YAML file with flag values, e.g. 'db.url: jdbc:postgresql://...' (flags and environment win).")
  String configFile;

  @Option(names = "--log.level", paramLabel = "LEVEL", defaultValue = "info",
      description = "debug, info, warn or error (default: ${DEFAULT-VALUE}).")
  String logLevel;

  @Mixin DatabaseOptions db;
  @Mixin IngestOptions ingest;
  @Mixin RetentionOptions retention;
  @Mixin JobOptions jobs;
  @Mixin HaOptions ha;

  public Adapter.Settings settings() {
    return new Adapter.Settings(listen, db, ingest, retention, jobs, ha);
  }

  @Override
  public Integer call() throws InterruptedException {
    Main.setLogLevel(logLevel);
    Adapter adapter;
    try {
      adapter = Adapter.start(settings());
    } catch (IllegalArgumentException e) {
      throw new Main.UserError(e.getMessage());
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LoggerFactory.getLogger(ServeCommand.class).info("msg=\"stopping: finishing queued writes\"");
      adapter.close();
      stopped.countDown();
    }, "promledger-shutdown"));
    stopped.await();
    return 0;
  }
}
