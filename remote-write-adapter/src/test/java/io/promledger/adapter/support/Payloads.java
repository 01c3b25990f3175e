package io.promledger.adapter.support;

import com.google.protobuf.ByteString;
import io.promledger.proto.v1.Remote.WriteRequest;
import io.promledger.proto.v1.Types;
import io.promledger.proto.v2.Types.Request;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builders for remote-write messages in tests. */
public final class Payloads {
  public static final double STALE_NAN = Double.longBitsToDouble(0x7ff0000000000002L);
  public static final double NORMAL_NAN = Double.longBitsToDouble(0x7ff8000000000001L);

  private Payloads() {}

  /** A 1.0 series from alternating label names and values. */
  public static Types.TimeSeries.Builder v1Series(String... labels) {
    Types.TimeSeries.Builder b = Types.TimeSeries.newBuilder();
    for (int i = 0; i < labels.length; i += 2) {
      b.addLabels(Types.Label.newBuilder().setName(utf8(labels[i])).setValue(utf8(labels[i + 1])));
    }
    return b;
  }

  public static Types.Sample sample(long ts, double v) {
    return Types.Sample.newBuilder().setTimestamp(ts).setValue(v).build();
  }

  public static WriteRequest v1(Types.TimeSeries.Builder... series) {
    WriteRequest.Builder b = WriteRequest.newBuilder();
    for (Types.TimeSeries.Builder s : series) {
      b.addTimeseries(s);
    }
    return b.build();
  }

  public static ByteString utf8(String s) {
    return ByteString.copyFromUtf8(s);
  }

  /** Builds a 2.0 request, interning symbols as senders do. */
  public static final class V2 {
    private final Map<String, Integer> symbols = new LinkedHashMap<>();
    private final List<io.promledger.proto.v2.Types.TimeSeries> series = new ArrayList<>();

    public V2() {
      symbols.put("", 0);
    }

    public int ref(String s) {
      return symbols.computeIfAbsent(s, k -> symbols.size());
    }

    /** Label refs for alternating names and values. */
    public List<Integer> refs(String... labels) {
      List<Integer> out = new ArrayList<>();
      for (String l : labels) {
        out.add(ref(l));
      }
      return out;
    }

    public io.promledger.proto.v2.Types.TimeSeries.Builder series(String... labels) {
      return io.promledger.proto.v2.Types.TimeSeries.newBuilder().addAllLabelsRefs(refs(labels));
    }

    public V2 add(io.promledger.proto.v2.Types.TimeSeries.Builder s) {
      series.add(s.build());
      return this;
    }

    public Request build() {
      Request.Builder b = Request.newBuilder();
      symbols.keySet().forEach(s -> b.addSymbols(utf8(s)));
      return b.addAllTimeseries(series).build();
    }
  }

  public static io.promledger.proto.v2.Types.Sample v2Sample(long ts, double v) {
    return io.promledger.proto.v2.Types.Sample.newBuilder().setTimestamp(ts).setValue(v).build();
  }
}
