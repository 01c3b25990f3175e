package io.promledger.exporter.collector.cloudwatch;

import static io.promledger.exporter.collector.cloudwatch.FakeCloudWatch.error;
import static io.promledger.exporter.collector.cloudwatch.FakeCloudWatch.ok;
import static io.promledger.exporter.collector.cloudwatch.FakeCloudWatch.result;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.promledger.exporter.Promtool;
import io.promledger.exporter.Scrapes;
import io.promledger.http.instrumentation.Exposition;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.BackoffStrategy;

class CloudWatchSourceTest {
  /** 12:00:00 UTC; with period 60 and delay 600 the window is 11:40:00 to 11:50:00. */
  private static final Instant NOW = Instant.parse("2026-03-02T12:00:30Z");
  private static final Instant T1 = Instant.parse("2026-03-02T11:48:00Z");
  private static final Instant T2 = Instant.parse("2026-03-02T11:49:00Z");

  private final MutableClock clock = new MutableClock(NOW);
  private FakeCloudWatch aws;

  @BeforeEach
  void start() throws Exception {
    aws = new FakeCloudWatch();
  }

  @AfterEach
  void stop() {
    aws.close();
  }

  @Test
  void followsEveryPageMergesByQueryIdAndWritesNoSampleWithoutData() throws Exception {
    aws.on("ListMetrics",
        r -> ok(Map.of("Metrics", List.of(ec2Metric("i-1"), ec2Metric("i-2")), "NextToken", "lm2")),
        r -> ok(Map.of("Metrics", List.of(ec2Metric("i-3"),
            // Same metric with another dimension set: not the rule's, so not queried.
            Map.of("Namespace", "AWS/EC2", "MetricName", "CPUUtilization",
                "Dimensions", List.of(dim("InstanceId", "i-9"), dim("ImageId", "ami-1")))))));
    // Queries: q0 i-1 Average, q1 i-1 Maximum, q2 i-2 Average, q3 i-2 Maximum, q4 i-3 Average, q5 i-3 Maximum.
    aws.on("GetMetricData",
        r -> ok(Map.of("NextToken", "gmd2", "MetricDataResults", List.of(
            result("q0", "PartialData", List.of(T2), List.of(12.5)),
            result("q2", "Complete", List.of(), List.of()),
            result("q4", "PartialData", List.of(T1), List.of(40.0))))),
        r -> ok(Map.of("MetricDataResults", List.of(
            result("q0", "Complete", List.of(T1), List.of(11.0)),
            result("q1", "Complete", List.of(T2), List.of(30.0)),
            result("q4", "Complete", List.of(T2), List.of(41.0))))));
    CloudWatchSource source = source(ec2Cpu("", "[Average, Maximum]", ""));
    source.refresh();
    Exposition m = Scrapes.scrape(source);

    // The newest datapoint of each query, whichever page it came on.
    assertEquals(12.5, m.get("aws_ec2_cpuutilization_average{instance_id=\"i-1\"}"));
    assertEquals(30.0, m.get("aws_ec2_cpuutilization_maximum{instance_id=\"i-1\"}"));
    assertEquals(41.0, m.get("aws_ec2_cpuutilization_average{instance_id=\"i-3\"}"));
    assertTrue(m.text().contains("aws_ec2_cpuutilization_average{instance_id=\"i-1\"} 12.5 " + T2.toEpochMilli()), m.text());
    assertTrue(m.value("aws_ec2_cpuutilization_average{instance_id=\"i-2\"}").isEmpty(), "no datapoint, no sample");
    assertTrue(m.value("aws_ec2_cpuutilization_maximum{instance_id=\"i-3\"}").isEmpty());
    assertFalse(m.text().contains("i-9"));

    assertEquals(2, m.get("promledger_cloudwatch_api_requests_total{namespace=\"AWS/EC2\",operation=\"ListMetrics\"}"));
    assertEquals(2, m.get("promledger_cloudwatch_api_requests_total{namespace=\"AWS/EC2\",operation=\"GetMetricData\"}"));
    assertEquals(12, m.get("promledger_cloudwatch_metric_queries_total"), "6 queries on each of 2 pages");
    assertEquals(1, m.get("promledger_exporter_collector_up{collector=\"cloudwatch\"}"));
    assertEquals(0, m.get("promledger_cloudwatch_data_age_seconds{namespace=\"AWS/EC2\"}"));

    JsonNode first = aws.received("GetMetricData").get(0).cbor();
    JsonNode second = aws.received("GetMetricData").get(1).cbor();
    assertEquals(6, first.get("MetricDataQueries").size());
    assertEquals(Instant.parse("2026-03-02T11:40:00Z").getEpochSecond(), first.get("StartTime").asLong());
    assertEquals(Instant.parse("2026-03-02T11:50:00Z").getEpochSecond(), first.get("EndTime").asLong());
    assertEquals("gmd2", second.get("NextToken").asText());
    assertEquals("lm2", aws.received("ListMetrics").get(1).cbor().get("NextToken").asText());
    assertEquals("PT3H", aws.received("ListMetrics").get(0).cbor().get("RecentlyActive").asText());
    Promtool.checkMetrics(m.text());
  }

  @Test
  void sendsAtMost500QueriesPerRequest() {
    aws.on("GetMetricData", r -> ok(Map.of("MetricDataResults", List.of())));
    StringBuilder ids = new StringBuilder();
    for (int i = 0; i < 300; i++) {
      ids.append(i == 0 ? "" : ", ").append("db-").append(i);
    }
    CloudWatchSource source = source(fixedRds("[Average, Maximum]").replace("[db-1]", "[" + ids + "]"));
    source.refresh();
    List<Integer> sizes = aws.received("GetMetricData").stream()
        .map(r -> r.cbor().get("MetricDataQueries").size()).toList();
    assertEquals(List.of(500, 100), sizes);
    Exposition m = Scrapes.scrape(source);
    assertEquals(600, m.get("promledger_cloudwatch_metric_queries_total"));
    assertTrue(m.withPrefix("aws_rds").isEmpty(), "no datapoints, no samples");
    assertEquals(1, m.get("promledger_exporter_collector_up{collector=\"cloudwatch\"}"));
  }

  @Test
  void partialDataAtTheLastPageIsReportedAsIncomplete() {
    aws.on("GetMetricData", r -> ok(Map.of("MetricDataResults", List.of(
        result("q0", "PartialData", List.of(T2), List.of(5.0))))));
    CloudWatchSource source = source(fixedRds("[Average]"));
    source.refresh();
    Exposition m = Scrapes.scrape(source);
    assertEquals(5.0, m.get("aws_rds_cpuutilization_average{dbinstance_identifier=\"db-1\"}"));
    assertEquals(1, m.get("promledger_cloudwatch_api_errors_total{code=\"PartialData\",operation=\"GetMetricData\"}"));
    assertEquals(0, m.get("promledger_exporter_collector_up{collector=\"cloudwatch\"}"));
    assertTrue(aws.received("ListMetrics").isEmpty(), "every dimension selected: no ListMetrics");
  }

  @Test
  void dimensionSetsThatDifferWithinAMetricShareOneFamily() throws Exception {
    // Answers each query with 2 when it has a ServiceName dimension, else 1.
    aws.on("GetMetricData", r -> {
      List<Object> results = new java.util.ArrayList<>();
      r.cbor().get("MetricDataQueries").forEach(q -> results.add(result(q.get("Id").asText(), "Complete", List.of(T2),
          List.of(q.get("MetricStat").get("Metric").get("Dimensions").toString().contains("ServiceName") ? 2.0 : 1.0))));
      return ok(Map.of("MetricDataResults", results));
    });
    CloudWatchSource source = source("""
        region: eu-west-1
        set_timestamp: false
        metrics:
        - aws_namespace: AWS/ECS
          aws_metric_name: CPUUtilization
          aws_dimensions: [ClusterName]
          aws_dimension_select: {ClusterName: [prod]}
          aws_statistics: [Average]
        - aws_namespace: AWS/ECS
          aws_metric_name: CPUUtilization
          aws_dimensions: [ClusterName, ServiceName]
          aws_dimension_select: {ClusterName: [prod], ServiceName: [api]}
          aws_statistics: [Average]
        - aws_namespace: AWS/ECS
          aws_metric_name: CPUUtilization
          aws_dimensions: [ClusterName]
          aws_dimension_select: {ClusterName: [prod]}
          aws_statistics: [Average]
        """);
    source.refresh();
    String text = Scrapes.text(source);
    Exposition m = Exposition.parse(text);
    assertEquals(1.0, m.get("aws_ecs_cpuutilization_average{cluster_name=\"prod\",service_name=\"\"}"));
    assertEquals(2.0, m.get("aws_ecs_cpuutilization_average{cluster_name=\"prod\",service_name=\"api\"}"));
    assertEquals(1, text.split("# TYPE aws_ecs_cpuutilization_average ", -1).length - 1, text);
    assertEquals(1, m.get("promledger_exporter_duplicate_series_dropped"), "the third rule repeats the first");
    // The three rules share one request, and the repeated query is sent once.
    assertEquals(1, aws.received("GetMetricData").size());
    assertEquals(2, aws.received("GetMetricData").get(0).cbor().get("MetricDataQueries").size());
    Promtool.checkMetrics(text);
  }

  @Test
  void throttlingIsRetriedWithBackoffAndCounted() {
    aws.on("GetMetricData",
        r -> error(400, "ThrottlingException", "Rate exceeded"),
        r -> ok(Map.of("MetricDataResults", List.of(result("q0", "Complete", List.of(T2), List.of(7.0))))));
    CloudWatchSource source = source(fixedRds("[Average]"));
    source.refresh();
    Exposition m = Scrapes.scrape(source);
    assertEquals(7.0, m.get("aws_rds_cpuutilization_average{dbinstance_identifier=\"db-1\"}"));
    assertEquals(1, m.get("promledger_cloudwatch_api_throttles_total{operation=\"GetMetricData\"}"));
    assertEquals(1, m.get("promledger_cloudwatch_api_requests_total{namespace=\"AWS/RDS\",operation=\"GetMetricData\"}"));
    assertTrue(m.withPrefix("promledger_cloudwatch_api_errors_total").isEmpty());
    assertEquals(1, m.get("promledger_exporter_collector_up{collector=\"cloudwatch\"}"));
    assertEquals(2, aws.received("GetMetricData").size());
  }

  @Test
  void throttlingBeyondTheRetriesFailsTheRuleOnly() {
    aws.on("GetMetricData", r -> error(400, "ThrottlingException", "Rate exceeded"));
    CloudWatchSource source = source(fixedRds("[Average]"));
    source.refresh();
    Exposition m = Scrapes.scrape(source);
    assertEquals(3, m.get("promledger_cloudwatch_api_throttles_total{operation=\"GetMetricData\"}"), "3 attempts");
    assertEquals(1, m.get("promledger_cloudwatch_api_errors_total{code=\"ThrottlingException\",operation=\"GetMetricData\"}"));
    assertEquals(0, m.get("promledger_exporter_collector_up{collector=\"cloudwatch\"}"));
    assertEquals(1, m.get("promledger_exporter_collector_errors_total{collector=\"cloudwatch\"}"));
    assertTrue(m.withPrefix("aws_rds").isEmpty());
  }

  @Test
  void aNetworkErrorFailsTheRuleAndTheScrapeStillAnswers() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    CloudWatchSource source = source(fixedRds("[Average]"), "http://127.0.0.1:" + closed);
    source.refresh();
    Exposition m = Scrapes.scrape(source);
    assertEquals(1, m.get("promledger_cloudwatch_api_errors_total{code=\"ClientError\",operation=\"GetMetricData\"}"));
    assertEquals(0, m.get("promledger_exporter_collector_up{collector=\"cloudwatch\"}"));
    assertTrue(m.withPrefix("aws_rds").isEmpty());
    assertTrue(m.value("promledger_cloudwatch_data_age_seconds{namespace=\"AWS/RDS\"}").isEmpty(), "never fetched");
  }

  @Test
  void fetchesOncePerPeriodAndCachesListMetricsForItsTtl() {
    aws.on("ListMetrics", r -> ok(Map.of("Metrics", List.of(ec2Metric("i-1")))));
    aws.on("GetMetricData", r -> ok(Map.of("MetricDataResults", List.of(result("q0", "Complete", List.of(T2), List.of(1.0))))));
    CloudWatchSource source = source(ec2Cpu("list_metrics_cache_ttl: 300\n", "[Average]", ""));
    source.refresh();
    for (int i = 0; i < 5; i++) {
      Scrapes.scrape(source);
    }
    source.refresh();
    assertEquals(1, aws.received("GetMetricData").size(), "scrapes and an early refresh cost nothing");
    clock.advance(Duration.ofSeconds(60));
    source.refresh();
    assertEquals(2, aws.received("GetMetricData").size());
    assertEquals(1, aws.received("ListMetrics").size(), "dimensions still cached");
    clock.advance(Duration.ofSeconds(20));
    assertEquals(20, Scrapes.scrape(source).get("promledger_cloudwatch_data_age_seconds{namespace=\"AWS/EC2\"}"));
    clock.advance(Duration.ofSeconds(300));
    source.refresh();
    assertEquals(2, aws.received("ListMetrics").size(), "cache expired");
  }

  @Test
  void tagSelectChoosesEc2InstancesByTheirTags() {
    aws.on("DescribeInstances", r -> FakeCloudWatch.xml("""
        <DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
          <requestId>r1</requestId>
          <reservationSet><item>
            <reservationId>r-1</reservationId><ownerId>123456789012</ownerId>
            <instancesSet><item>
              <instanceId>i-1</instanceId>
              <tagSet><item><key>Env</key><value>prod</value></item><item><key>team-name</key><value>ledger</value></item></tagSet>
            </item></instancesSet>
          </item></reservationSet>
        </DescribeInstancesResponse>
        """));
    aws.on("ListMetrics", r -> ok(Map.of("Metrics", List.of(ec2Metric("i-1"), ec2Metric("i-2")))));
    aws.on("GetMetricData", r -> ok(Map.of("MetricDataResults", List.of(result("q0", "Complete", List.of(T2), List.of(3.0))))));
    CloudWatchSource source = source(ec2Cpu("", "[Average]", """
          aws_tag_select:
            tag_selections: {Env: [prod]}
            resource_type_selection: ec2:instance
            resource_id_dimension: InstanceId
        """));
    source.refresh();
    Exposition m = Scrapes.scrape(source);
    assertEquals(3.0, m.get("aws_ec2_cpuutilization_average{instance_id=\"i-1\"}"));
    assertEquals(1, aws.received("GetMetricData").get(0).cbor().get("MetricDataQueries").size(), "only i-1 is tagged");
    assertEquals(1, m.get("aws_resource_info{arn=\"arn:aws:ec2:eu-west-1:123456789012:instance/i-1\","
        + "instance_id=\"i-1\",tag_Env=\"prod\",tag_team_name=\"ledger\"}"));
    Map<String, String> form = aws.received("DescribeInstances").get(0).form();
    assertEquals("tag:Env", form.get("Filter.1.Name"));
    assertEquals("prod", form.get("Filter.1.Value.1"));
  }

  private static Map<String, Object> ec2Metric(String id) {
    return Map.of("Namespace", "AWS/EC2", "MetricName", "CPUUtilization", "Dimensions", List.of(dim("InstanceId", id)));
  }

  private static Map<String, String> dim(String name, String value) {
    return Map.of("Name", name, "Value", value);
  }

  private static String ec2Cpu(String global, String statistics, String ruleExtra) {
    return "region: eu-west-1\n" + global + """
        metrics:
        - aws_namespace: AWS/EC2
          aws_metric_name: CPUUtilization
          aws_dimensions: [InstanceId]
          aws_statistics: %s
        """.formatted(statistics) + ruleExtra;
  }

  private static String fixedRds(String statistics) {
    return """
        region: eu-west-1
        metrics:
        - aws_namespace: AWS/RDS
          aws_metric_name: CPUUtilization
          aws_dimensions: [DBInstanceIdentifier]
          aws_dimension_select: {DBInstanceIdentifier: [db-1]}
          aws_statistics: %s
        """.formatted(statistics);
  }

  private CloudWatchSource source(String yaml) {
    return source(yaml, aws.endpoint());
  }

  private CloudWatchSource source(String yaml, String endpoint) {
    CloudWatchConfig config;
    try {
      config = CloudWatchConfig.parse(new ObjectMapper(new YAMLFactory()).readTree(yaml), "test.yml");
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
    ApiMetrics metrics = new ApiMetrics();
    var retry = AwsRetryStrategy.standardRetryStrategy().toBuilder()
        .maxAttempts(3)
        .backoffStrategy(BackoffStrategy.fixedDelay(Duration.ofMillis(10)))
        .throttlingBackoffStrategy(BackoffStrategy.fixedDelay(Duration.ofMillis(10)))
        .build();
    AwsClients clients = AwsClients.create(Region.EU_WEST_1,
        StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "secret")),
        endpoint, endpoint, retry, metrics, AwsClients.httpClient());
    return new CloudWatchSource(config, clients, metrics, clock, "eu-west-1");
  }

  /** A clock the test moves by hand. */
  static final class MutableClock extends Clock {
    private Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }
}
