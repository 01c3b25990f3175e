package io.promledger.bench.jmh;

import com.google.protobuf.ByteString;
import io.promledger.adapter.ingest.DecodedRequest;
import io.promledger.adapter.ingest.DecodedSeries;
import io.promledger.adapter.ingest.KnownSeries;
import io.promledger.adapter.ingest.IngestLimits;
import io.promledger.adapter.ingest.Protocol;
import io.promledger.adapter.ingest.RequestDecoder;
import io.promledger.adapter.ingest.SentLabelsCache;
import io.promledger.adapter.ingest.SnappyBody;
import io.promledger.proto.v1.Remote.WriteRequest;
import io.promledger.proto.v1.Types;
import java.io.IOException;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.xerial.snappy.Snappy;

/**
 * The CPU side of ingest without PostgreSQL: snappy, protobuf, validation, canonical label
 * sets and their hashes, for one Prometheus-sized request of 2,000 series with 8 labels.
 * Divide 2,000 by the time per operation for samples per second per core.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class DecodeBenchmark {
  private byte[] body;
  private RequestDecoder decoder;
  private RequestDecoder knownDecoder;

  @Setup
  public void setup() throws IOException {
    WriteRequest.Builder req = WriteRequest.newBuilder();
    long now = System.currentTimeMillis();
    for (int s = 0; s < 2000; s++) {
      Types.TimeSeries.Builder t = req.addTimeseriesBuilder();
      String[][] labels = {
        {"__name__", "bench_metric_" + (s % 50) + "_total"}, {"instance", "host-" + (s / 100) + ":9100"}, {"job", "bench"},
        {"mode", "m" + (s % 8)}, {"pod", "pod-" + s}, {"region", "eu-west-1"}, {"service", "svc-" + (s % 20)}, {"zone", "eu-west-1a"}
      };
      for (String[] l : labels) {
        t.addLabels(Types.Label.newBuilder().setName(ByteString.copyFromUtf8(l[0])).setValue(ByteString.copyFromUtf8(l[1])));
      }
      t.addSamples(Types.Sample.newBuilder().setTimestamp(now).setValue(s));
    }
    body = Snappy.compress(req.build().toByteArray());
    decoder = new RequestDecoder(IngestLimits.defaults(), Clock.systemUTC(), null);
    // A cache that knows every series of the body, as after the first request of a sender.
    SentLabelsCache cache = new SentLabelsCache(10_000);
    knownDecoder = new RequestDecoder(IngestLimits.defaults(), Clock.systemUTC(), cache);
    long id = 1;
    for (DecodedSeries s : decoder.decode(Protocol.V1, "default", SnappyBody.decode(body, body.length, 32 << 20)).series()) {
      cache.put(s.sent(), new KnownSeries(id++, null, null, null));
    }
  }

  /** Series not seen before: every label decoded, validated, sorted and hashed. */
  @Benchmark
  public DecodedRequest decodeAndCanonicalize() {
    return decoder.decode(Protocol.V1, "default", SnappyBody.decode(body, body.length, 32 << 20));
  }

  /** Known series, recognised by their labels as sent: the steady state of a sender. */
  @Benchmark
  public DecodedRequest decodeKnownSeries() {
    return knownDecoder.decode(Protocol.V1, "default", SnappyBody.decode(body, body.length, 32 << 20));
  }
}
