package io.promledger.exporter.collector.cloudwatch;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.DescribeInstancesRequest;
import software.amazon.awssdk.services.ec2.model.DescribeInstancesResponse;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.Reservation;
import software.amazon.awssdk.services.ec2.model.Tag;

/** {@code aws_tag_select} for EC2: the instances whose tags match, with their tags, from DescribeInstances. */
final class Ec2Instances {
  record Tagged(String instanceId, String arn, Map<String, String> tags) {}

  private final Ec2Client ec2;
  private final ApiMetrics metrics;
  private final String region;

  Ec2Instances(Ec2Client ec2, ApiMetrics metrics, String region) {
    this.ec2 = ec2;
    this.metrics = metrics;
    this.region = region;
  }

  /** Instances carrying, for every key of {@code selections}, one of its values (any value for an empty list). */
  Map<String, Tagged> matching(Map<String, List<String>> selections) {
    List<Filter> filters = new ArrayList<>();
    selections.forEach((key, values) -> filters.add(values.isEmpty()
        ? Filter.builder().name("tag-key").values(key).build()
        : Filter.builder().name("tag:" + key).values(values).build()));
    Map<String, Tagged> out = new LinkedHashMap<>();
    String token = null;
    do {
      metrics.request("DescribeInstances", "AWS/EC2");
      DescribeInstancesResponse page;
      try {
        page = ec2.describeInstances(DescribeInstancesRequest.builder().filters(filters).nextToken(token).build());
      } catch (RuntimeException e) {
        metrics.error("DescribeInstances", ApiMetrics.codeOf(e));
        throw e;
      }
      for (Reservation r : page.reservations()) {
        for (Instance i : r.instances()) {
          Map<String, String> tags = new LinkedHashMap<>();
          for (Tag t : i.tags()) {
            tags.put(t.key(), t.value());
          }
          String arn = "arn:aws:ec2:" + region + ":" + r.ownerId() + ":instance/" + i.instanceId();
          out.put(i.instanceId(), new Tagged(i.instanceId(), arn, tags));
        }
      }
      token = page.nextToken();
    } while (token != null && !token.isEmpty());
    return out;
  }
}
