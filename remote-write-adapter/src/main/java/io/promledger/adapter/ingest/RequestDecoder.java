package io.promledger.adapter.ingest;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.UnsafeByteOperations;
import io.promledger.proto.v1.Types;
import io.promledger.proto.v2.Types.Request;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Decodes remote-write 1.0 and 2.0 messages into {@link DecodedRequest}s. Validation is per
 * series (labels, symbol references) and per sample (time bounds), so that one bad series never
 * costs the rest of the request.
 */
public final class RequestDecoder {
  /** Prometheus's staleness marker; compare raw bits, since every NaN compares equal otherwise. */
  public static final long STALE_NAN_BITS = 0x7ff0000000000002L;

  private final LabelCanonicalizer canonicalizer;
  private final IngestLimits limits;
  private final Clock clock;
  /** Known series by their labels as sent; null: decode every series. */
  private final SentLabelsCache sentLabels;

  public RequestDecoder(IngestLimits limits, Clock clock, SentLabelsCache sentLabels) {
    this.limits = limits;
    this.canonicalizer = new LabelCanonicalizer(limits);
    this.clock = clock;
    this.sentLabels = sentLabels;
  }

  /** Decodes a body of {@code tenant}; throws {@link BadRequestException} if it is not a message. */
  public DecodedRequest decode(Protocol protocol, String tenant, byte[] message) {
    try {
      DecodedRequest decoded = protocol == Protocol.V1 ? decodeV1(message, tenant) : decodeV2(parseV2(message));
      if (message.length > 0 && decoded.series().isEmpty() && decoded.metadata().isEmpty() && decoded.rejections().isEmpty()
          && decoded.rejections().ignored().isEmpty()) {
        // Only unknown fields: most likely a 1.0 body labelled 2.0 or the other way round.
        throw new BadRequestException(
            RejectReason.EMPTY_DECODE,
            "the " + message.length + "-byte body holds no time series or metadata of a " + protocol.label()
                + " remote-write message; check that Content-Type names the message that was sent");
      }
      return decoded;
    } catch (java.io.IOException e) {
      throw new BadRequestException(
          RejectReason.INVALID_PROTOBUF, "body is not a valid " + protocol.label() + " remote-write message: " + e.getMessage());
    }
  }

  /**
   * Remote write 1.0, read field by field from the wire: Prometheus sends thousands of small
   * label messages per request, and building a generated message object for each one costs
   * more than the rest of the decoding. The labels of a series are first looked up in the label
   * cache by their bytes as sent; only series not found there are decoded, validated and
   * canonicalised. Rare parts (exemplars, metadata) use the generated classes. Unknown fields
   * are skipped, as protobuf-java does.
   */
  DecodedRequest decodeV1(byte[] message, String tenant) throws java.io.IOException {
    TimeWindow window = TimeWindow.at(clock.millis(), limits);
    Rejections rejections = new Rejections();
    List<DecodedSeries> out = new ArrayList<>();
    List<MetadataRecord> metadata = new ArrayList<>();
    SeriesReader reader = new SeriesReader(message, tenant);
    long[] counts = new long[3]; // samples, histograms, exemplars received
    WireReader in = new WireReader(message).range(0, message.length);
    while (in.more()) {
      int tag = in.readTag();
      if (tag == WIRE_TIMESERIES) {
        int len = in.readLength();
        reader.read(in.pos, in.pos + len);
        in.pos += len;
        counts[0] += reader.samples;
        counts[1] += reader.histograms;
        counts[2] += reader.exemplars.size();
        DecodedSeries series = reader.toSeries(window, rejections);
        if (series != null) {
          out.add(series);
        }
      } else if (tag == WIRE_METADATA) {
        int len = in.readLength();
        metadataV1(Types.MetricMetadata.parser().parseFrom(message, in.pos, len), metadata, rejections);
        in.pos += len;
      } else {
        in.skipField(tag);
      }
    }
    return new DecodedRequest(Protocol.V1, out, metadata, rejections, counts[0], counts[1], counts[2]);
  }

  private static final int WIRE_TIMESERIES = (1 << 3) | 2;
  private static final int WIRE_METADATA = (3 << 3) | 2;
  private static final int WIRE_LABELS = (1 << 3) | 2;
  private static final int WIRE_SAMPLES = (2 << 3) | 2;
  private static final int WIRE_EXEMPLARS = (3 << 3) | 2;
  private static final int WIRE_HISTOGRAMS = (4 << 3) | 2;
  private static final int WIRE_NAME = (1 << 3) | 2;
  private static final int WIRE_VALUE = (2 << 3) | 2;
  private static final int WIRE_SAMPLE_VALUE = (1 << 3) | 1;
  private static final int WIRE_SAMPLE_TIMESTAMP = 2 << 3;

  /**
   * The canonical labels of the label fields in {@code body[from, to)} (other fields there are
   * skipped). Names and values are views of the body, which outlives every use of them.
   */
  private LabelSet readLabels(byte[] body, int from, int to) throws java.io.IOException {
    LabelCanonicalizer.Builder labels = canonicalizer.builder();
    WireReader fields = new WireReader(body).range(from, to);
    WireReader label = new WireReader(body);
    while (fields.more()) {
      int tag = fields.readTag();
      if (tag != WIRE_LABELS) {
        fields.skipField(tag);
        continue;
      }
      int len = fields.readLength();
      label.range(fields.pos, fields.pos + len);
      fields.pos += len;
      ByteString name = ByteString.EMPTY;
      ByteString value = ByteString.EMPTY;
      while (label.more()) {
        int t = label.readTag();
        if (t == WIRE_NAME || t == WIRE_VALUE) {
          int n = label.readLength();
          ByteString bytes = UnsafeByteOperations.unsafeWrap(body, label.pos, n);
          label.pos += n;
          if (t == WIRE_NAME) {
            name = bytes;
          } else {
            value = bytes;
          }
        } else {
          label.skipField(t);
        }
      }
      labels.add(name, value);
    }
    return labels.build();
  }

  /** Reads one 1.0 TimeSeries of a body into reused buffers. */
  private final class SeriesReader {
    private final byte[] body;
    private final String tenant;
    private final WireReader fields;
    private final WireReader sample;
    private long[] times = new long[16];
    private double[] values = new double[16];
    private int seriesFrom;
    private int seriesTo;
    /** The run of label fields, if they came as one run (Prometheus sends them first, together). */
    private int labelsFrom;
    private int labelsTo;
    private boolean labelsInOneRun;
    int samples;
    int histograms;
    final List<Types.Exemplar> exemplars = new ArrayList<>();

    SeriesReader(byte[] body, String tenant) {
      this.body = body;
      this.tenant = tenant;
      this.fields = new WireReader(body);
      this.sample = new WireReader(body);
    }

    void read(int from, int to) throws java.io.IOException {
      seriesFrom = from;
      seriesTo = to;
      labelsFrom = -1;
      labelsTo = -1;
      labelsInOneRun = true;
      samples = 0;
      histograms = 0;
      exemplars.clear();
      fields.range(from, to);
      while (fields.more()) {
        int start = fields.pos;
        int tag = fields.readTag();
        switch (tag) {
          case WIRE_LABELS -> {
            int len = fields.readLength();
            if (labelsFrom < 0) {
              labelsFrom = start;
            } else if (labelsTo != start) {
              labelsInOneRun = false;
            }
            fields.pos += len;
            labelsTo = fields.pos;
          }
          case WIRE_SAMPLES -> {
            int len = fields.readLength();
            readSample(fields.pos, fields.pos + len);
            fields.pos += len;
          }
          case WIRE_EXEMPLARS -> {
            int len = fields.readLength();
            exemplars.add(Types.Exemplar.parser().parseFrom(body, fields.pos, len));
            fields.pos += len;
          }
          case WIRE_HISTOGRAMS -> {
            fields.skipField(tag);
            histograms++;
          }
          default -> fields.skipField(tag);
        }
      }
    }

    private void readSample(int from, int to) throws java.io.IOException {
      double v = 0;
      long t = 0;
      sample.range(from, to);
      while (sample.more()) {
        int tag = sample.readTag();
        if (tag == WIRE_SAMPLE_VALUE) {
          v = Double.longBitsToDouble(sample.readFixed64());
        } else if (tag == WIRE_SAMPLE_TIMESTAMP) {
          t = sample.readVarint();
        } else {
          sample.skipField(tag);
        }
      }
      if (samples == times.length) {
        times = java.util.Arrays.copyOf(times, samples * 2);
        values = java.util.Arrays.copyOf(values, samples * 2);
      }
      times[samples] = t;
      values[samples++] = v;
    }

    /** The series as read, validated; null when nothing of it can be stored. */
    DecodedSeries toSeries(TimeWindow window, Rejections rejections) throws java.io.IOException {
      SentLabels sent = labelsFrom >= 0 && labelsInOneRun ? SentLabels.view(tenant, body, labelsFrom, labelsTo) : null;
      KnownSeries known = sent == null || sentLabels == null ? null : sentLabels.get(sent);
      LabelSet set = null;
      Supplier<LabelSet> lazy = null;
      if (known == null) {
        try {
          set = readLabels(body, seriesFrom, seriesTo);
        } catch (SeriesRejectedException e) {
          rejections.series(e.reason(), samples, e.getMessage());
          return null;
        }
      } else {
        // Known bytes decode as they did when the series was entered, so this cannot fail.
        byte[] b = body;
        lazy = () -> {
          try {
            return readLabels(b, sent.from(), sent.to());
          } catch (java.io.IOException e) {
            throw new IllegalStateException("cached label bytes no longer decode", e);
          }
        };
      }
      if (histograms > 0) {
        rejections.histograms(histograms, histogramMessage(set != null ? set : lazy.get()));
      }
      List<ExemplarRecord> ex = exemplars.isEmpty() ? List.of() : new ArrayList<>(exemplars.size());
      for (Types.Exemplar e : exemplars) {
        ByteString[] names = new ByteString[e.getLabelsCount()];
        ByteString[] vals = new ByteString[e.getLabelsCount()];
        for (int i = 0; i < names.length; i++) {
          names[i] = e.getLabels(i).getName();
          vals[i] = e.getLabels(i).getValue();
        }
        try {
          addExemplar(ex, e.getTimestamp(), e.getValue(), names, vals, window);
        } catch (SeriesRejectedException bad) {
          rejections.exemplar(bad.getMessage());
        }
      }
      return assemble(
          set,
          lazy,
          sent,
          known,
          java.util.Arrays.copyOf(times, samples),
          java.util.Arrays.copyOf(values, samples),
          null,
          ex,
          window,
          rejections);
    }
  }

  private static Request parseV2(byte[] message) throws java.io.IOException {
    CodedInputStream in = CodedInputStream.newInstance(message);
    in.setSizeLimit(Integer.MAX_VALUE);
    return Request.parseFrom(in);
  }

  DecodedRequest decodeV2(Request req) {
    TimeWindow window = TimeWindow.at(clock.millis(), limits);
    Rejections rejections = new Rejections();
    List<ByteString> symbols = req.getSymbolsList();
    List<DecodedSeries> out = new ArrayList<>(req.getTimeseriesCount());
    List<MetadataRecord> metadata = new ArrayList<>();
    LabelCanonicalizer.Builder labels = canonicalizer.builder();
    long received = 0;
    long histograms = 0;
    long exemplars = 0;
    for (io.promledger.proto.v2.Types.TimeSeries ts : req.getTimeseriesList()) {
      received += ts.getSamplesCount();
      histograms += ts.getHistogramsCount();
      exemplars += ts.getExemplarsCount();
      LabelSet set;
      try {
        labels.reset();
        int refs = ts.getLabelsRefsCount();
        if (refs % 2 != 0) {
          throw new SeriesRejectedException(
              RejectReason.INVALID_SYMBOL_REFERENCE, "labels_refs has odd length " + refs);
        }
        for (int i = 0; i < refs; i += 2) {
          labels.add(symbol(symbols, ts.getLabelsRefs(i)), symbol(symbols, ts.getLabelsRefs(i + 1)));
        }
        set = labels.build();
      } catch (SeriesRejectedException e) {
        rejections.series(e.reason(), ts.getSamplesCount(), e.getMessage());
        continue;
      }
      if (ts.hasMetadata()) {
        metadataV2(set.metricName(), ts.getMetadata(), symbols, metadata, rejections);
      }
      if (ts.getHistogramsCount() > 0) {
        rejections.histograms(ts.getHistogramsCount(), histogramMessage(set));
      }
      int n = ts.getSamplesCount();
      long[] times = new long[n];
      double[] values = new double[n];
      long[] starts = null;
      for (int i = 0; i < n; i++) {
        io.promledger.proto.v2.Types.Sample s = ts.getSamples(i);
        times[i] = s.getTimestamp();
        values[i] = s.getValue();
        long st = s.getStartTimestamp();
        if (st != 0) {
          // A start timestamp marks counter resets; one that cannot be right is ignored (and
          // counted), never a reason to lose the sample itself.
          if (st < 0 || st > s.getTimestamp()) {
            rejections.ignored(IgnoredReason.INVALID_START_TIMESTAMP);
            continue;
          }
          if (starts == null) {
            starts = new long[n];
          }
          starts[i] = st;
        }
      }
      List<ExemplarRecord> ex = new ArrayList<>(ts.getExemplarsCount());
      for (io.promledger.proto.v2.Types.Exemplar e : ts.getExemplarsList()) {
        try {
          int refs = e.getLabelsRefsCount();
          if (refs % 2 != 0) {
            throw new SeriesRejectedException(RejectReason.INVALID_EXEMPLAR, "exemplar labels_refs has odd length " + refs);
          }
          ByteString[] names = new ByteString[refs / 2];
          ByteString[] vals = new ByteString[refs / 2];
          for (int i = 0; i < refs; i += 2) {
            names[i / 2] = exemplarSymbol(symbols, e.getLabelsRefs(i));
            vals[i / 2] = exemplarSymbol(symbols, e.getLabelsRefs(i + 1));
          }
          addExemplar(ex, e.getTimestamp(), e.getValue(), names, vals, window);
        } catch (SeriesRejectedException bad) {
          rejections.exemplar(bad.getMessage());
        }
      }
      DecodedSeries series = assemble(set, null, null, null, times, values, starts, ex, window, rejections);
      if (series != null) {
        out.add(series);
      }
    }
    return new DecodedRequest(Protocol.V2, out, metadata, rejections, received, histograms, exemplars);
  }

  private static ByteString symbol(List<ByteString> symbols, int ref) {
    if (ref < 0 || ref >= symbols.size()) {
      throw new SeriesRejectedException(
          RejectReason.INVALID_SYMBOL_REFERENCE,
          "symbol reference " + Integer.toUnsignedString(ref) + " is outside the table of " + symbols.size() + " symbols");
    }
    return symbols.get(ref);
  }

  /** Metadata is advisory: a malformed entry is dropped and counted, the series is still stored. */
  private static void metadataV2(
      String family, io.promledger.proto.v2.Types.Metadata m, List<ByteString> symbols, List<MetadataRecord> out, Rejections rejections) {
    int help = m.getHelpRef();
    int unit = m.getUnitRef();
    if (help < 0 || help >= symbols.size() || unit < 0 || unit >= symbols.size()) {
      rejections.ignored(IgnoredReason.INVALID_METADATA);
      return;
    }
    String type =
        m.getType() == io.promledger.proto.v2.Types.Metadata.MetricType.UNRECOGNIZED
            ? "unknown"
            : m.getType().name().substring("METRIC_TYPE_".length()).toLowerCase(Locale.ROOT);
    if (type.equals("unspecified")) {
      type = "unknown";
    }
    add(new MetadataRecord(family, type, "", ""), symbols.get(unit), symbols.get(help), out, rejections);
  }

  private static void metadataV1(Types.MetricMetadata m, List<MetadataRecord> out, Rejections rejections) {
    String type = m.getType() == Types.MetricMetadata.MetricType.UNRECOGNIZED ? "unknown" : m.getType().name().toLowerCase(Locale.ROOT);
    if (m.getMetricFamilyName().isEmpty() || !isText(m.getMetricFamilyName())) {
      rejections.ignored(IgnoredReason.INVALID_METADATA);
      return;
    }
    add(new MetadataRecord(m.getMetricFamilyName().toStringUtf8(), type, "", ""), m.getUnit(), m.getHelp(), out, rejections);
  }

  private static void add(MetadataRecord base, ByteString unit, ByteString help, List<MetadataRecord> out, Rejections rejections) {
    if (!isText(unit) || !isText(help)) {
      rejections.ignored(IgnoredReason.INVALID_METADATA);
      return;
    }
    out.add(new MetadataRecord(base.family(), base.type(), unit.toStringUtf8(), help.toStringUtf8()));
  }

  /** Valid UTF-8 without NUL: what PostgreSQL text can hold. */
  private static boolean isText(ByteString s) {
    return s.isValidUtf8() && !LabelSet.containsNul(s);
  }

  /** Prometheus's limit on the labels of one exemplar, counted in characters of names and values. */
  static final int MAX_EXEMPLAR_LABEL_CHARS = 128;

  /** Adds the exemplar, or throws {@link SeriesRejectedException} (reason invalid_exemplar). */
  private static void addExemplar(
      List<ExemplarRecord> out, long ts, double value, ByteString[] names, ByteString[] values, TimeWindow window) {
    if (!window.contains(ts)) {
      throw new SeriesRejectedException(RejectReason.INVALID_EXEMPLAR, "exemplar at " + ts + " ms is " + window.describe(ts));
    }
    StringBuilder json = new StringBuilder("{");
    int chars = 0;
    for (int i = 0; i < names.length; i++) {
      if (!names[i].isValidUtf8() || !values[i].isValidUtf8() || names[i].isEmpty()) {
        throw new SeriesRejectedException(RejectReason.INVALID_EXEMPLAR, "an exemplar label is empty or not valid UTF-8");
      }
      String n = names[i].toStringUtf8();
      String v = values[i].toStringUtf8();
      if (n.indexOf('\0') >= 0 || v.indexOf('\0') >= 0) {
        throw new SeriesRejectedException(RejectReason.INVALID_EXEMPLAR, "an exemplar label contains a NUL byte");
      }
      chars += n.codePointCount(0, n.length()) + v.codePointCount(0, v.length());
      if (chars > MAX_EXEMPLAR_LABEL_CHARS) {
        throw new SeriesRejectedException(
            RejectReason.INVALID_EXEMPLAR, "exemplar labels exceed " + MAX_EXEMPLAR_LABEL_CHARS + " characters");
      }
      if (i > 0) {
        json.append(',');
      }
      Json.appendString(json, n);
      json.append(':');
      Json.appendString(json, v);
    }
    out.add(new ExemplarRecord(ts, value, json.append('}').toString()));
  }

  private static ByteString exemplarSymbol(List<ByteString> symbols, int ref) {
    if (ref < 0 || ref >= symbols.size()) {
      throw new SeriesRejectedException(
          RejectReason.INVALID_EXEMPLAR, "exemplar symbol reference " + Integer.toUnsignedString(ref) + " is outside the table");
    }
    return symbols.get(ref);
  }

  /**
   * Applies the time window and splits staleness markers from values. {@code set} is the
   * decoded label set, or null when {@code lazyLabels} decodes it on demand (a cached series).
   */
  private static DecodedSeries assemble(
      LabelSet set,
      Supplier<LabelSet> lazyLabels,
      SentLabels sent,
      KnownSeries known,
      long[] times,
      double[] values,
      long[] starts,
      List<ExemplarRecord> exemplars,
      TimeWindow window,
      Rejections rejections) {
    int n = times.length;
    int kept = 0;
    int stale = 0;
    long[] staleTimes = null;
    for (int i = 0; i < n; i++) {
      long t = times[i];
      if (!window.contains(t)) {
        rejections.samples(
            window.reasonFor(t),
            1,
            "sample of " + truncated(set != null ? set : lazyLabels.get()) + " at " + t + " ms is " + window.describe(t));
        continue;
      }
      if (Double.doubleToRawLongBits(values[i]) == STALE_NAN_BITS) {
        if (staleTimes == null) {
          staleTimes = new long[n];
        }
        staleTimes[stale++] = t;
        continue;
      }
      times[kept] = t;
      values[kept] = values[i];
      if (starts != null) {
        starts[kept] = starts[i];
      }
      kept++;
    }
    if (kept == 0 && stale == 0 && exemplars.isEmpty() && n > 0) {
      return null;
    }
    return new DecodedSeries(
        set, lazyLabels, sent, known, times, values, kept, staleTimes == null ? NO_TIMES : staleTimes, stale, starts, exemplars,
        null, null);
  }

  private static final long[] NO_TIMES = new long[0];

  private static String histogramMessage(LabelSet set) {
    return "native histograms are not stored; the float samples of " + truncated(set)
        + " were written (send classic histograms, or leave send_native_histograms off)";
  }

  private static String truncated(LabelSet set) {
    String s = set.toString();
    return s.length() > 120 ? s.substring(0, 120) + "..." : s;
  }

  /** The accepted range of sample timestamps for one request. */
  record TimeWindow(long oldest, long newest) {
    static TimeWindow at(long now, IngestLimits limits) {
      return new TimeWindow(now - limits.maxAge().toMillis(), now + limits.futureTolerance().toMillis());
    }

    boolean contains(long t) {
      return t >= oldest && t <= newest;
    }

    RejectReason reasonFor(long t) {
      return t > newest ? RejectReason.TOO_FAR_IN_FUTURE : RejectReason.TOO_OLD;
    }

    String describe(long t) {
      return t > newest
          ? "more than the allowed tolerance in the future (is it in seconds or microseconds instead of milliseconds?)"
          : "older than the raw retention (is it in seconds instead of milliseconds?)";
    }
  }
}
