package io.promledger.exporter.collector.cloudwatch;

import io.promledger.exporter.collector.CollectorStatus;
import io.promledger.exporter.collector.Families;
import io.promledger.exporter.collector.Source;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CloudWatch metrics, fetched in the background once per rule period and served from memory, so
 * that what AWS bills does not grow with the number of Prometheus servers or their scrape rate.
 * A rule whose fetch failed has no samples until a later fetch succeeds (no stale value is passed
 * off as current); {@code promledger_cloudwatch_data_age_seconds} shows how old the data is.
 */
public final class CloudWatchSource implements Source {
  private static final Logger log = LoggerFactory.getLogger(CloudWatchSource.class);

  /** A sample ready to be written. */
  record Sample(String name, String help, double value, Long timestampMillis, String[] labels) {}

  private final CloudWatchConfig config;
  private final AwsClients clients;
  private final ApiMetrics metrics;
  private final Clock clock;
  private final DimensionDiscovery discovery;
  private final MetricDataFetcher fetcher;
  private final CollectorStatus status = new CollectorStatus("cloudwatch");
  private final Map<MetricRule, List<Sample>> samples = new ConcurrentHashMap<>();
  private final Map<MetricRule, Long> fetchedAt = new ConcurrentHashMap<>();
  private final Map<String, Long> namespaceFetchedAt = new ConcurrentHashMap<>();
  private ScheduledExecutorService scheduler;

  CloudWatchSource(CloudWatchConfig config, AwsClients clients, ApiMetrics metrics, Clock clock, String region) {
    this.config = config;
    this.clients = clients;
    this.metrics = metrics;
    this.clock = clock;
    this.discovery = new DimensionDiscovery(clients.cloudWatch(), new Ec2Instances(clients.ec2(), metrics, region), metrics, clock);
    this.fetcher = new MetricDataFetcher(clients.cloudWatch(), metrics);
  }

  /** Reads the cloudwatch_exporter-format file, builds the SDK clients and starts fetching. */
  public static CloudWatchSource start(Path configFile, String cloudWatchEndpoint, String ec2Endpoint) {
    CloudWatchConfig config = CloudWatchConfig.load(configFile);
    ApiMetrics metrics = new ApiMetrics();
    AwsClients clients = AwsClients.create(config, cloudWatchEndpoint, ec2Endpoint, metrics);
    String region = clients.cloudWatch().serviceClientConfiguration().region().id();
    CloudWatchSource source = new CloudWatchSource(config, clients, metrics, Clock.systemUTC(), region);
    source.startBackground();
    log.info("msg=\"CloudWatch collector started\" rules={} region={} file={}", config.rules().size(), region, configFile);
    return source;
  }

  void startBackground() {
    int every = config.rules().stream().mapToInt(MetricRule::periodSeconds).min().orElse(60);
    scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "cloudwatch-fetch");
      t.setDaemon(true);
      return t;
    });
    scheduler.scheduleWithFixedDelay(this::refreshSafely, 0, every, TimeUnit.SECONDS);
  }

  private void refreshSafely() {
    try {
      refresh();
    } catch (RuntimeException e) {
      log.error("msg=\"CloudWatch fetch failed\" err=\"{}\"", e.toString(), e);
    }
  }

  /**
   * Fetches every rule whose period has passed since its last fetch. Rules that share namespace,
   * period, range and delay are fetched together, so that many small rules fill the same batches,
   * and a query that two rules both ask for is sent once.
   */
  void refresh() {
    long started = System.nanoTime();
    long now = clock.millis();
    int errors = 0;
    Map<FetchGroup, List<Planned>> groups = new LinkedHashMap<>();
    for (MetricRule rule : config.rules()) {
      Long last = fetchedAt.get(rule);
      if (last != null && now - last < rule.periodSeconds() * 1000L) {
        continue;
      }
      try {
        DimensionDiscovery.Discovered d = discovery.discover(rule);
        groups.computeIfAbsent(FetchGroup.of(rule), k -> new ArrayList<>()).add(new Planned(rule, d, queries(rule, d)));
      } catch (RuntimeException e) {
        errors++;
        failed(rule, e);
      }
    }
    for (Map.Entry<FetchGroup, List<Planned>> g : groups.entrySet()) {
      try {
        errors += fetch(g.getKey(), g.getValue(), Instant.ofEpochMilli(now));
        g.getValue().forEach(p -> fetchedAt.put(p.rule(), now));
        namespaceFetchedAt.put(g.getKey().namespace(), now);
      } catch (RuntimeException e) {
        errors++;
        g.getValue().forEach(p -> failed(p.rule(), e));
      }
    }
    status.finished(errors == 0, errors, (System.nanoTime() - started) / 1e9);
  }

  /** Rules whose queries can share GetMetricData requests. */
  private record FetchGroup(String namespace, int periodSeconds, int rangeSeconds, int delaySeconds) {
    static FetchGroup of(MetricRule r) {
      return new FetchGroup(r.namespace(), r.periodSeconds(), r.rangeSeconds(), r.delaySeconds());
    }
  }

  /** A due rule with its discovered dimensions and its queries. */
  private record Planned(MetricRule rule, DimensionDiscovery.Discovered discovered, List<MetricDataFetcher.Query> queries) {}

  private static List<MetricDataFetcher.Query> queries(MetricRule rule, DimensionDiscovery.Discovered d) {
    List<MetricDataFetcher.Query> queries = new ArrayList<>();
    for (Map<String, String> dims : d.dimensionSets()) {
      for (String stat : rule.statistics()) {
        queries.add(new MetricDataFetcher.Query(rule.namespace(), rule.metricName(), dims, stat));
      }
    }
    return queries;
  }

  private void failed(MetricRule rule, RuntimeException e) {
    samples.remove(rule);
    log.warn("msg=\"CloudWatch rule failed\" namespace={} metric={} code={} err=\"{}\"",
        rule.namespace(), rule.metricName(), ApiMetrics.codeOf(e), String.valueOf(e.getMessage()).replace('"', '\''));
  }

  /** Fetches one group and stores each rule's samples; returns the number of incomplete queries. */
  private int fetch(FetchGroup group, List<Planned> rules, Instant now) {
    Map<MetricDataFetcher.Query, Integer> index = new LinkedHashMap<>();
    rules.forEach(p -> p.queries().forEach(q -> index.putIfAbsent(q, index.size())));
    Map<Integer, MetricDataFetcher.Datapoint> results = Map.of();
    if (!index.isEmpty()) {
      Instant[] window = MetricDataFetcher.window(now, group.periodSeconds(), group.rangeSeconds(), group.delaySeconds());
      results = fetcher.fetch(new ArrayList<>(index.keySet()), group.periodSeconds(), window[0], window[1]);
    }
    int incomplete = (int) results.values().stream().filter(p -> !p.complete()).count();
    for (Planned p : rules) {
      List<Sample> out = new ArrayList<>();
      for (MetricDataFetcher.Query q : p.queries()) {
        MetricDataFetcher.Datapoint d = results.get(index.get(q));
        if (d != null) {
          out.add(new Sample(MetricNames.of(q.namespace(), q.metricName(), q.statistic()), help(p.rule(), q.statistic()),
              d.value(), p.rule().setTimestamp() ? d.timestamp().toEpochMilli() : null, labels(q.dimensions())));
        }
      }
      p.discovered().instances().values().forEach(i -> out.add(resourceInfo(p.rule(), i)));
      samples.put(p.rule(), out);
    }
    return incomplete;
  }

  private static String help(MetricRule rule, String statistic) {
    if (rule.help() != null) {
      return rule.help();
    }
    return "CloudWatch metric " + rule.namespace() + " " + rule.metricName() + " Dimensions: " + rule.dimensions()
        + " Statistic: " + statistic;
  }

  private static String[] labels(Map<String, String> dimensions) {
    String[] l = new String[dimensions.size() * 2];
    int i = 0;
    for (Map.Entry<String, String> e : dimensions.entrySet()) {
      l[i++] = MetricNames.label(e.getKey());
      l[i++] = e.getValue();
    }
    return l;
  }

  private static Sample resourceInfo(MetricRule rule, Ec2Instances.Tagged instance) {
    Map<String, String> l = new LinkedHashMap<>();
    l.put("arn", instance.arn());
    l.put(MetricNames.label(rule.tagSelect().resourceIdDimension()), instance.instanceId());
    instance.tags().forEach((k, v) -> l.putIfAbsent("tag_" + MetricNames.safe(k), v));
    String[] pairs = new String[l.size() * 2];
    int i = 0;
    for (Map.Entry<String, String> e : l.entrySet()) {
      pairs[i++] = e.getKey();
      pairs[i++] = e.getValue();
    }
    return new Sample("aws_resource_info", "AWS resources matched by aws_tag_select, with their tags; value 1.", 1, null, pairs);
  }

  @Override
  public void collect(Families out) {
    for (MetricRule rule : config.rules()) {
      for (Sample s : samples.getOrDefault(rule, List.of())) {
        if (s.timestampMillis() == null) {
          out.gauge(s.name(), s.help(), s.value(), s.labels());
        } else {
          out.gaugeAt(s.name(), s.help(), s.value(), s.timestampMillis(), s.labels());
        }
      }
    }
    long now = clock.millis();
    namespaceFetchedAt.forEach((ns, at) -> out.gauge("promledger_cloudwatch_data_age_seconds",
        "Seconds since the CloudWatch data of this namespace was last fetched successfully.", (now - at) / 1000.0,
        "namespace", ns));
    metrics.writeTo(out);
    status.writeTo(out);
  }

  @Override
  public void close() {
    if (scheduler != null) {
      scheduler.shutdownNow();
    }
    clients.close();
  }
}
