package io.promledger.exporter.collector.cloudwatch;

import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import io.promledger.exporter.ConfigException;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;

/**
 * The SDK clients: the JDK's URL connection HTTP client (small, no Netty), adaptive retry with
 * backoff so that throttling slows the exporter down instead of failing it, and the exporter's
 * {@link ApiMetrics} as metric publisher.
 */
record AwsClients(CloudWatchClient cloudWatch, Ec2Client ec2, SdkHttpClient http) implements AutoCloseable {

  /** Clients for a region (the config's, else the SDK's default chain) and optional endpoints. */
  static AwsClients create(CloudWatchConfig config, String cloudWatchEndpoint, String ec2Endpoint, ApiMetrics metrics) {
    Region region;
    try {
      region = config.region() != null ? Region.of(config.region()) : new DefaultAwsRegionProviderChain().getRegion();
    } catch (SdkClientException e) {
      throw new ConfigException("no AWS region: set 'region' in the CloudWatch config, or AWS_REGION");
    }
    SdkHttpClient http = httpClient();
    AwsCredentialsProvider credentials = DefaultCredentialsProvider.builder().build();
    if (config.roleArn() != null) {
      StsClient sts = StsClient.builder().region(region).httpClient(http).credentialsProvider(credentials).build();
      credentials = StsAssumeRoleCredentialsProvider.builder()
          .stsClient(sts)
          .refreshRequest(r -> r.roleArn(config.roleArn()).roleSessionName("promledger_exporter"))
          .build();
    }
    return create(region, credentials, cloudWatchEndpoint, ec2Endpoint, AwsRetryStrategy.adaptiveRetryStrategy(), metrics, http);
  }

  static AwsClients create(Region region, AwsCredentialsProvider credentials, String cloudWatchEndpoint,
      String ec2Endpoint, RetryStrategy retry, ApiMetrics metrics, SdkHttpClient http) {
    ClientOverrideConfiguration override = ClientOverrideConfiguration.builder()
        .retryStrategy(retry)
        .addMetricPublisher(metrics)
        .apiCallTimeout(Duration.ofSeconds(60))
        .build();
    var cw = CloudWatchClient.builder().region(region).credentialsProvider(credentials).httpClient(http)
        .overrideConfiguration(override);
    var ec2 = Ec2Client.builder().region(region).credentialsProvider(credentials).httpClient(http)
        .overrideConfiguration(override);
    if (cloudWatchEndpoint != null) {
      cw.endpointOverride(URI.create(cloudWatchEndpoint));
    }
    if (ec2Endpoint != null) {
      ec2.endpointOverride(URI.create(ec2Endpoint));
    }
    return new AwsClients(cw.build(), ec2.build(), http);
  }

  static SdkHttpClient httpClient() {
    return UrlConnectionHttpClient.builder()
        .connectionTimeout(Duration.ofSeconds(5))
        .socketTimeout(Duration.ofSeconds(30))
        .build();
  }

  @Override
  public void close() {
    cloudWatch.close();
    ec2.close();
    http.close();
  }
}
