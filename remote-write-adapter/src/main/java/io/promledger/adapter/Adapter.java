package io.promledger.adapter;

import io.javalin.Javalin;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.promledger.adapter.config.DatabaseOptions;
import io.promledger.adapter.config.IngestOptions;
import io.promledger.adapter.config.ListenAddress;
import io.promledger.adapter.config.RetentionOptions;
import io.promledger.adapter.ha.HaOptions;
import io.promledger.adapter.ha.HaTracker;
import io.promledger.adapter.http.WriteHandler;
import io.promledger.adapter.ingest.IngestLimits;
import io.promledger.adapter.ingest.IngestService;
import io.promledger.adapter.ingest.RequestDecoder;
import io.promledger.adapter.ingest.SentLabelsCache;
import io.promledger.adapter.jobs.BackgroundJobs;
import io.promledger.adapter.jobs.JobOptions;
import io.promledger.adapter.metrics.AdapterMetrics;
import io.promledger.adapter.report.ReportHttpHandler;
import io.promledger.adapter.storage.Database;
import io.promledger.adapter.storage.GroupCommitWriter;
import io.promledger.adapter.storage.MetadataStore;
import io.promledger.adapter.storage.SeriesCache;
import io.promledger.adapter.storage.SeriesRegistry;
import io.promledger.adapter.storage.StorageMaintenance;
import io.promledger.http.instrumentation.HttpInstrumentation;
import io.promledger.http.instrumentation.MetricsHandler;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The running adapter: database, write path, background jobs and HTTP server, wired together. */
public final class Adapter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Adapter.class);

  /** Everything {@code serve} is configured with. */
  public record Settings(
      ListenAddress listen,
      DatabaseOptions database,
      IngestOptions ingest,
      RetentionOptions retention,
      JobOptions jobs,
      HaOptions ha) {}

  private final Deque<AutoCloseable> resources = new ArrayDeque<>();
  private final PrometheusRegistry registry;
  private Database database;
  private GroupCommitWriter writer;
  private Javalin http;
  private StorageMaintenance maintenance;

  private Adapter(PrometheusRegistry registry) {
    this.registry = registry;
  }

  public static Adapter start(Settings settings) {
    Adapter a = new Adapter(new PrometheusRegistry());
    try {
      a.startParts(settings);
      return a;
    } catch (RuntimeException e) {
      a.close();
      throw e;
    }
  }

  private void startParts(Settings s) {
    long started = System.nanoTime();
    IngestLimits limits = s.ingest().limits(s.retention().raw);
    JvmMetrics.builder().register(registry);
    AdapterMetrics metrics = new AdapterMetrics(registry);

    database = Database.open(s.database());
    resources.push(database);
    maintenance = new StorageMaintenance(database, metrics, s.retention().raw, s.ingest().exemplarRetention);
    maintenance.start();
    resources.push(maintenance);

    writer =
        new GroupCommitWriter(
            database.dataSource(),
            metrics,
            maintenance::ensurePartitionsCovering,
            s.ingest().queueSamples,
            s.ingest().batchSamples,
            s.ingest().writers);
    resources.push(writer);
    // Both caches hold every active series; the one keyed by sent labels is the fast path.
    SentLabelsCache sentLabels = new SentLabelsCache(s.ingest().seriesCacheSize);
    IngestService ingest =
        new IngestService(
            new RequestDecoder(limits, Clock.systemUTC(), sentLabels),
            sentLabels,
            new SeriesRegistry(database.dataSource(), new SeriesCache(s.ingest().seriesCacheSize), metrics),
            new MetadataStore(database.dataSource()),
            writer,
            HaTracker.create(database.dataSource(), s.ha()),
            metrics,
            limits,
            s.ingest().commitTimeout);

    BackgroundJobs jobs = BackgroundJobs.start(database, registry, s.jobs(), s.retention());
    resources.push(jobs);

    // Decoded requests take several times their bytes as objects: never budget more than a
    // quarter of the heap, whatever the flag says.
    long budget = Math.min(s.ingest().memoryBudget, Runtime.getRuntime().maxMemory() / 4);
    if (budget < s.ingest().memoryBudget) {
      log.info("msg=\"ingest memory budget lowered to a quarter of the heap\" budget_bytes={} max_heap_bytes={}", budget, Runtime.getRuntime().maxMemory());
    }
    WriteHandler write =
        new WriteHandler(
            ingest, limits, metrics, budget, s.ingest().tenantHeader, s.ingest().defaultTenant, maintenance::migrated);
    http =
        Javalin.create(
            config -> {
              config.showJavalinBanner = false;
              config.http.prefer405over404 = true;
              config.useVirtualThreads = false;
              config.registerPlugin(new HttpInstrumentation(registry));
            });
    http.post("/api/v1/write", write);
    http.get("/metrics", new MetricsHandler(registry));
    http.get("/api/v1/reports/usage", new ReportHttpHandler(database, s.jobs()));
    http.get("/-/healthy", ctx -> ctx.result("promledger remote-write adapter is healthy.\n"));
    http.get(
        "/-/ready",
        ctx -> {
          if (maintenance.ready()) {
            ctx.result("promledger remote-write adapter is ready.\n");
          } else {
            ctx.status(503).result("not ready: the database is unreachable or not migrated yet.\n");
          }
        });
    http.start(s.listen().host(), s.listen().port());
    resources.push(() -> http.stop());
    log.info(
        "msg=\"remote-write adapter started\" listen={}:{} database={} embedded={} startup_ms={}",
        s.listen().host(),
        port(),
        database.displayUrl(),
        database.isEmbedded(),
        (System.nanoTime() - started) / 1_000_000);
  }

  public int port() {
    return http.port();
  }

  public Database database() {
    return database;
  }

  public PrometheusRegistry registry() {
    return registry;
  }

  public boolean ready() {
    return maintenance != null && maintenance.ready();
  }

  /** Stops taking requests, commits what is queued, stops the jobs and the database. */
  @Override
  public void close() {
    while (!resources.isEmpty()) {
      AutoCloseable r = resources.pop();
      try {
        r.close();
      } catch (Exception e) {
        log.warn("msg=\"error during shutdown\" error=\"{}\"", e.toString());
      }
    }
  }
}
