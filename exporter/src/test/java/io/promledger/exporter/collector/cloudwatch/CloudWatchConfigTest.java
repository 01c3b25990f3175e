package io.promledger.exporter.collector.cloudwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.promledger.exporter.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class CloudWatchConfigTest {
  private static final Path EXAMPLES = Path.of("examples/cloudwatch");

  @Test
  void everyShippedExampleLoads() throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(EXAMPLES)) {
      files = s.filter(p -> p.toString().endsWith(".yml")).sorted().toList();
    }
    assertEquals(List.of("ec2-cpu.yml", "network-transfer.yml", "rds-performance.yml", "s3-usage.yml"),
        files.stream().map(p -> p.getFileName().toString()).toList());
    for (Path f : files) {
      CloudWatchConfig c = CloudWatchConfig.load(f);
      assertEquals("eu-west-1", c.region(), f.toString());
      assertTrue(!c.rules().isEmpty(), f.toString());
    }
    CloudWatchConfig ec2 = CloudWatchConfig.load(EXAMPLES.resolve("ec2-cpu.yml"));
    MetricRule cpu = ec2.rules().get(0);
    assertEquals(Map.of("Environment", List.of("production")), cpu.tagSelect().tagSelections());
    assertEquals(300, cpu.periodSeconds());
    assertEquals(List.of("Average", "Maximum"), cpu.statistics());
    assertNull(ec2.rules().get(1).tagSelect());

    MetricRule bucket = CloudWatchConfig.load(EXAMPLES.resolve("s3-usage.yml")).rules().get(0);
    assertEquals(86400, bucket.periodSeconds());
    assertEquals(false, bucket.setTimestamp());
    MetricRule latency = CloudWatchConfig.load(EXAMPLES.resolve("rds-performance.yml")).rules().get(2);
    assertEquals(List.of("Average", "p99"), latency.statistics());
    assertEquals(600, latency.listMetricsCacheTtlSeconds());
    assertEquals(4, CloudWatchConfig.load(EXAMPLES.resolve("network-transfer.yml")).rules().size());
  }

  @Test
  void defaultsFollowCloudwatchExporter() {
    MetricRule r = parse("""
        metrics:
        - aws_namespace: AWS/ELB
          aws_metric_name: RequestCount
        """).rules().get(0);
    assertEquals(List.of("Sum", "SampleCount", "Minimum", "Maximum", "Average"), r.statistics());
    assertEquals(60, r.periodSeconds());
    assertEquals(600, r.rangeSeconds());
    assertEquals(600, r.delaySeconds());
    assertTrue(r.setTimestamp());
  }

  @Test
  void tagSelectOutsideEc2IsRefusedWithTheReason() {
    ConfigException e = assertThrows(ConfigException.class, () -> parse("""
        metrics:
        - aws_namespace: AWS/RDS
          aws_metric_name: CPUUtilization
          aws_dimensions: [DBInstanceIdentifier]
          aws_tag_select:
            tag_selections: {Env: [prod]}
            resource_type_selection: rds:db
            resource_id_dimension: DBInstanceIdentifier
        """));
    assertEquals("CloudWatch config test.yml: metrics[0].aws_tag_select is supported for AWS/EC2 only (through the"
        + " EC2 API's instance tags): other namespaces need the Resource Groups Tagging API, which this exporter"
        + " does not include; use aws_dimension_select or aws_dimension_select_regex for AWS/RDS", e.getMessage());
  }

  @Test
  void unknownKeysAndBadValuesAreRefusedByName() {
    assertEquals("CloudWatch config test.yml: metrics[0].aws_dimension is not a key this exporter knows (known: aws_dimension_select,"
        + " aws_dimension_select_regex, aws_dimensions, aws_extended_statistics, aws_metric_name, aws_namespace,"
        + " aws_statistics, aws_tag_select, delay_seconds, help, list_metrics_cache_ttl, period_seconds, range_seconds,"
        + " set_timestamp, use_get_metric_data, warn_on_empty_list_dimensions)",
        assertThrows(ConfigException.class, () -> parse("""
            metrics:
            - aws_namespace: AWS/EC2
              aws_metric_name: CPUUtilization
              aws_dimension: [InstanceId]
            """)).getMessage());
    assertEquals("CloudWatch config test.yml: metrics[0].aws_statistics has 'Avg'; allowed: Sum, SampleCount, Minimum,"
        + " Maximum, Average", assertThrows(ConfigException.class, () -> parse("""
            metrics:
            - aws_namespace: AWS/EC2
              aws_metric_name: CPUUtilization
              aws_statistics: [Avg]
            """)).getMessage());
    assertEquals("CloudWatch config test.yml: period_seconds must be a whole number, got 'soon'",
        assertThrows(ConfigException.class, () -> parse("""
            period_seconds: soon
            metrics:
            - aws_namespace: AWS/EC2
              aws_metric_name: CPUUtilization
            """)).getMessage());
    assertEquals("CloudWatch config test.yml: metrics is required and must list at least one rule",
        assertThrows(ConfigException.class, () -> parse("region: eu-west-1\n")).getMessage());
  }

  @Test
  void namesFollowCloudwatchExporter() {
    assertEquals("aws_ec2_cpuutilization_average", MetricNames.of("AWS/EC2", "CPUUtilization", "Average"));
    assertEquals("aws_elb_httpcode_backend_5_xx_sum", MetricNames.of("AWS/ELB", "HTTPCode_Backend_5XX", "Sum"));
    assertEquals("aws_rds_read_latency_p99_9", MetricNames.of("AWS/RDS", "ReadLatency", "p99.9"));
    assertEquals("aws_s3_bucket_size_bytes_sample_count", MetricNames.of("AWS/S3", "BucketSizeBytes", "SampleCount"));
    assertEquals("dbinstance_identifier", MetricNames.label("DBInstanceIdentifier"));
  }

  private static CloudWatchConfig parse(String yaml) {
    try {
      return CloudWatchConfig.parse(new ObjectMapper(new YAMLFactory()).readTree(yaml), "test.yml");
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
