package io.promledger.adapter.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.DescriptorProtos;
import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import io.promledger.proto.v1.Remote;
import io.promledger.proto.v1.Types;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The hand-written 1.0 decoder against protobuf-java's meaning of the same bytes. Bodies are
 * generated from a fixed seed: valid messages, then the same messages with unknown fields of
 * every wire type at every level, repeated, reordered and interleaved fields, groups, empty
 * messages, over-long and oversized varints, and truncated or corrupted bytes. Whatever
 * protobuf-java parses must decode to the series the validation rules make of it; whatever it
 * refuses must be refused as invalid protobuf. Every body is decoded twice, the second time with
 * its series in the label cache, and both decodes must agree.
 */
class V1DecoderDifferentialTest {
  private static final long NOW = 1_760_000_000_000L;
  private static final IngestLimits LIMITS = IngestLimits.defaults();
  private static final long OLDEST = NOW - LIMITS.maxAge().toMillis();
  private static final long NEWEST = NOW + LIMITS.futureTolerance().toMillis();
  private static final long SEED = 0x5EEDL;
  private static final int CASES = 12_000;
  /** "Aa" and "BB" have the same String.hashCode(). */
  private static final String[] TENANTS = {"default", "Aa", "BB"};
  private static final Set<RejectReason> LABEL_REASONS =
      EnumSet.of(
          RejectReason.EMPTY_LABEL_NAME,
          RejectReason.LABEL_NAME_TOO_LONG,
          RejectReason.LABEL_VALUE_TOO_LONG,
          RejectReason.TOO_MANY_LABELS,
          RejectReason.DUPLICATE_LABEL,
          RejectReason.MISSING_METRIC_NAME);
  private static final HexFormat HEX = HexFormat.of();

  // ---------------------------------------------------------------- the differential run

  @Test
  void decodesWhatProtobufJavaParsesAndRefusesWhatItRefuses() {
    Random rnd = new Random(SEED);
    SentLabelsCache cache = new SentLabelsCache(1 << 22);
    RequestDecoder decoder = new RequestDecoder(LIMITS, Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC), cache);
    State state = new State();
    int[] outcomes = new int[4]; // parsed, refused by both, lenient, empty
    String shortestLenient = null;
    for (int c = 0; c < CASES; c++) {
      Remote.WriteRequest valid = randomRequest(rnd);
      byte[] body = valid.toByteArray();
      int kind = rnd.nextInt(10);
      if (kind >= 3) {
        Node root = parse(body, 0, body.length, "WR");
        int n = 1 + rnd.nextInt(4);
        for (int i = 0; i < n; i++) {
          mutate(rnd, root);
        }
        body = serialize(root.kids);
      }
      if (kind >= 8) {
        body = corrupt(rnd, body);
      }
      String tenant = TENANTS[rnd.nextInt(TENANTS.length)];
      int outcome = checkOne(decoder, cache, state, tenant, body, "case " + c);
      outcomes[outcome]++;
      if (outcome == 2 && (shortestLenient == null || 2 * body.length < shortestLenient.length())) {
        shortestLenient = HEX.formatHex(body);
      }
    }
    System.out.println(
        "V1 differential: " + CASES + " bodies; parsed " + outcomes[0] + ", refused by both " + outcomes[1]
            + ", accepted though protobuf-java refuses (histogram contents or group depth) " + outcomes[2]
            + ", empty " + outcomes[3] + "; label cache entries " + cache.size());
    System.out.println("shortest body accepted though protobuf-java refuses it: " + shortestLenient);
    // the run must exercise both sides and the cache
    assertTrue(outcomes[0] > CASES / 3, Arrays.toString(outcomes));
    assertTrue(outcomes[1] > CASES / 10, Arrays.toString(outcomes));
    assertTrue(state.cacheHits > CASES / 3, "cache hits " + state.cacheHits);
  }

  /** Hand-picked bodies, each once through the same checks. */
  @Test
  void edgeCases() {
    SentLabelsCache cache = new SentLabelsCache(1 << 10);
    RequestDecoder decoder = new RequestDecoder(LIMITS, Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC), cache);
    State state = new State();
    // {__name__="m"} with one sample at NOW: 0a 13 | 0a 0c (0a 08 "__name__" 12 01 "m") | 12 03 (10 ...)
    byte[] series = series(label("__name__", "m"), sampleAt(NOW, 1.5));
    List<byte[]> bodies = new ArrayList<>();
    bodies.add(new byte[0]);
    bodies.add(bytes(0x0a, 0x00)); // one empty series
    bodies.add(bytes(0x1a, 0x00)); // one empty metadata
    bodies.add(bytes(0x12, 0x00)); // reserved field 2
    bodies.add(bytes(0x0c)); // stray end group
    bodies.add(bytes(0x0b, 0x0c)); // empty group
    bodies.add(bytes(0x0b, 0x14)); // mismatched end group
    bodies.add(concat(bytes(0x0a), varint(series.length), series));
    // tags and lengths as 10-byte varints, and with bits set above the 32 protobuf-java reads
    bodies.add(concat(bytes(0x8a, 0x80, 0x80, 0x80, 0x10), varint(series.length), series));
    bodies.add(concat(bytes(0x8a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01), varint(series.length), series));
    bodies.add(concat(bytes(0x0a), varintHigh(series.length), series));
    bodies.add(concat(bytes(0x0a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01))); // length 2^63: 0 to protobuf-java
    bodies.add(concat(bytes(0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f))); // length -1 as 32 bits
    bodies.add(concat(bytes(0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01))); // 10-byte -1
    bodies.add(concat(bytes(0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01))); // 11 bytes
    bodies.add(concat(bytes(0xf8, 0xff, 0xff, 0xff, 0x0f, 0x01))); // largest field number, varint
    bodies.add(concat(bytes(0xf8, 0xff, 0xff, 0xff, 0x1f, 0x01))); // field number beyond 29 bits
    // groups nested 100 and 101 deep, at the top and inside a series
    for (int depth : new int[] {99, 100, 101}) {
      bodies.add(groups(5, depth));
      byte[] inner = concat(label("__name__", "g"), groups(5, depth), sampleAt(NOW, 1));
      bodies.add(concat(bytes(0x0a), varint(inner.length), inner));
      byte[] inLabel = concat(bytes(0x0a, 0x08), "__name__".getBytes(StandardCharsets.US_ASCII), bytes(0x12, 0x01, 'g'), groups(5, depth));
      byte[] s = concat(bytes(0x0a), varint(inLabel.length), inLabel, sampleAt(NOW, 1));
      bodies.add(concat(bytes(0x0a), varint(s.length), s));
    }
    // a histogram whose contents are not a message
    byte[] hist = concat(label("__name__", "h"), bytes(0x22, 0x01, 0x80));
    bodies.add(concat(bytes(0x0a), varint(hist.length), hist));
    int i = 0;
    for (byte[] body : bodies) {
      for (String tenant : TENANTS) {
        checkOne(decoder, cache, state, tenant, body, "edge case " + i);
      }
      i++;
    }
  }

  /**
   * protobuf-java reads tags and lengths as 32-bit varints: up to ten bytes, the bits above 32
   * dropped. A body it reads so must decode the same here.
   */
  @Test
  void tagsAndLengthsKeepTheirLow32BitsAsInProtobufJava() throws Exception {
    RequestDecoder decoder = new RequestDecoder(LIMITS, Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC), null);
    byte[] series = series(label("__name__", "m"), sampleAt(NOW, 2));
    // field 1, length delimited, with bit 32 set in the tag's fifth byte
    byte[] highTag = concat(bytes(0x8a, 0x80, 0x80, 0x80, 0x10), varint(series.length), series);
    // the series' length as a ten-byte varint with bits above 32 set
    byte[] highLength = concat(bytes(0x0a), varintHigh(series.length), series);
    for (byte[] body : List.of(highTag, highLength)) {
      assertEquals(1, parseReference(body).getTimeseriesCount(), HEX.formatHex(body));
      DecodedRequest d = decoder.decode(Protocol.V1, "default", body);
      assertEquals(1, d.series().size(), HEX.formatHex(body));
      assertEquals("m{}", d.series().get(0).labels().toString());
      assertEquals(NOW, d.series().get(0).timestamps()[0]);
    }
    // and a length whose low 32 bits are negative is refused, as there
    byte[] negative = bytes(0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f);
    assertThrows(InvalidProtocolBufferException.class, () -> parseReference(negative));
    assertEquals(RejectReason.INVALID_PROTOBUF, assertThrows(BadRequestException.class,
        () -> decoder.decode(Protocol.V1, "default", negative)).reason());
  }

  // ---------------------------------------------------------------- one body

  /** What the run knows across bodies: ids handed out by canonical labels, and what it put in the cache. */
  private static final class State {
    final Map<String, Long> ids = new HashMap<>();
    final Map<String, KnownSeries> entered = new HashMap<>();
    long nextId = 1;
    int cacheHits;
  }

  /** 0: both parse, 1: both refuse, 2: only protobuf-java refuses (explained), 3: empty decode. */
  private int checkOne(RequestDecoder decoder, SentLabelsCache cache, State state, String tenant, byte[] body, String what) {
    String where = what + ", tenant " + tenant + ", body " + HEX.formatHex(body);
    Remote.WriteRequest ref = null;
    int[] histograms = null;
    boolean lenient = false;
    try {
      ref = parseReference(body);
      histograms = new int[ref.getTimeseriesCount()];
      for (int i = 0; i < histograms.length; i++) {
        histograms[i] = ref.getTimeseries(i).getHistogramsCount();
      }
    } catch (InvalidProtocolBufferException e) {
      Lenient l = parseLenient(body);
      if (l != null) {
        ref = l.request;
        histograms = l.histograms;
        lenient = true;
      }
    }
    DecodedRequest first = decodeOrNull(decoder, tenant, body, ref == null || lenient, ref != null && !lenient, where);
    if (first == null) {
      if (ref == null) {
        return 1;
      }
      if (lenient) {
        return 1; // refused as protobuf-java refuses it
      }
      return 3; // empty decode, checked in decodeOrNull
    }
    if (ref == null) {
      fail("decoded a body protobuf-java refuses and that is not explained by histogram contents or group depth: " + where);
    }
    Expected expected = expected(ref, histograms);
    compare(expected, first, where + " (first decode)");
    enterAndCheckKnown(cache, state, tenant, first, where + " (first decode)");
    DecodedRequest second = decoder.decode(Protocol.V1, tenant, body);
    compare(expected, second, where + " (second decode)");
    assertEquals(describe(first), describe(second), "cached decode differs: " + where);
    enterAndCheckKnown(cache, state, tenant, second, where + " (second decode)");
    for (DecodedSeries s : second.series()) {
      if (s.sent() != null && entered(state, tenant, s) != null) {
        assertNotNull(s.known(), "series entered in the cache not found by its bytes: " + where);
      }
    }
    return lenient ? 2 : 0;
  }

  /**
   * Our decode; null if it refused the body, which is checked against what protobuf-java made of
   * it. Anything but BadRequestException fails the test.
   */
  private static DecodedRequest decodeOrNull(
      RequestDecoder decoder, String tenant, byte[] body, boolean mayRefuse, boolean referenceParsed, String where) {
    try {
      return decoder.decode(Protocol.V1, tenant, body);
    } catch (BadRequestException e) {
      if (referenceParsed) {
        Remote.WriteRequest ref = parseReferenceUnchecked(body);
        if (e.reason() == RejectReason.EMPTY_DECODE && body.length > 0 && ref.getTimeseriesCount() == 0
            && ref.getMetadataCount() == 0) {
          return null;
        }
        fail("refused (" + e.reason() + ": " + e.getMessage() + ") a body protobuf-java parses as " + ref + ": " + where);
      }
      assertTrue(mayRefuse);
      assertEquals(RejectReason.INVALID_PROTOBUF, e.reason(), e.getMessage() + ": " + where);
      return null;
    } catch (Throwable t) {
      throw new AssertionError("threw " + t + ": " + where, t);
    }
  }

  /**
   * Checks what the cache said of each series against what was entered for its bytes, then
   * enters the series as IngestService does: by the bytes as sent, with the id of the canonical
   * labels, for labels that are valid text.
   */
  private static void enterAndCheckKnown(SentLabelsCache cache, State state, String tenant, DecodedRequest d, String where) {
    for (DecodedSeries s : d.series()) {
      KnownSeries entered = s.sent() == null ? null : entered(state, tenant, s);
      if (s.known() == null) {
        assertNull(entered, "series entered in the cache not found by its bytes: " + where);
        continue;
      }
      state.cacheHits++;
      assertEquals(entered, s.known(), "cache answered for bytes never entered: " + where);
      assertEquals(state.ids.get(idKey(tenant, s.labels())), (Long) s.known().id(),
          "cached series id is not the one of its labels " + s.labels() + ": " + where);
    }
    for (DecodedSeries s : d.series()) {
      if (s.known() != null || s.sent() == null || !isText(s.labels())) {
        continue;
      }
      long id = state.ids.computeIfAbsent(idKey(tenant, s.labels()), k -> state.nextId++);
      KnownSeries known = new KnownSeries(id, null, null, null);
      cache.put(s.sent(), known);
      state.entered.put(sentKey(tenant, s.sent()), known);
    }
  }

  private static String idKey(String tenant, LabelSet labels) {
    return tenant + "/" + HEX.formatHex(labels.hash()) + "/" + labels;
  }

  private static KnownSeries entered(State state, String tenant, DecodedSeries s) {
    return state.entered.get(sentKey(tenant, s.sent()));
  }

  private static String sentKey(String tenant, SentLabels sent) {
    return tenant + "/" + HEX.formatHex(sent.body(), sent.from(), sent.to());
  }

  private static boolean isText(LabelSet set) {
    try {
      set.checkText();
      return true;
    } catch (SeriesRejectedException e) {
      return false;
    }
  }

  // ---------------------------------------------------------------- the reference

  private static Remote.WriteRequest parseReference(byte[] body) throws InvalidProtocolBufferException {
    return Remote.WriteRequest.parseFrom(body);
  }

  private static Remote.WriteRequest parseReferenceUnchecked(byte[] body) {
    try {
      return parseReference(body);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  /** WriteRequest with TimeSeries.histograms read as bytes: histograms are counted, not parsed. */
  private static final Descriptors.Descriptor LENIENT_REQUEST;

  static {
    try {
      DescriptorProtos.FileDescriptorProto.Builder types = Types.getDescriptor().toProto().toBuilder();
      for (DescriptorProtos.DescriptorProto.Builder m : types.getMessageTypeBuilderList()) {
        if (m.getName().equals("TimeSeries")) {
          for (DescriptorProtos.FieldDescriptorProto.Builder f : m.getFieldBuilderList()) {
            if (f.getName().equals("histograms")) {
              f.setType(DescriptorProtos.FieldDescriptorProto.Type.TYPE_BYTES).clearTypeName();
            }
          }
        }
      }
      Descriptors.FileDescriptor typesFile = Descriptors.FileDescriptor.buildFrom(types.build(), new Descriptors.FileDescriptor[0]);
      Descriptors.FileDescriptor remoteFile =
          Descriptors.FileDescriptor.buildFrom(Remote.getDescriptor().toProto(), new Descriptors.FileDescriptor[] {typesFile});
      LENIENT_REQUEST = remoteFile.findMessageTypeByName("WriteRequest");
    } catch (Descriptors.DescriptorValidationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private record Lenient(Remote.WriteRequest request, int[] histograms) {}

  /**
   * What the decoder may accept beyond protobuf-java: histogram contents are skipped unread, and
   * unknown groups may nest 100 deep in every message (protobuf-java counts enclosing messages
   * too). Null if the body is refused even so.
   */
  private static Lenient parseLenient(byte[] body) {
    try {
      CodedInputStream in = CodedInputStream.newInstance(body);
      in.setRecursionLimit(1000);
      DynamicMessage.Builder b = DynamicMessage.newBuilder(LENIENT_REQUEST);
      b.mergeFrom(in);
      in.checkLastTagWas(0);
      DynamicMessage m = b.build();
      Descriptors.FieldDescriptor tsField = LENIENT_REQUEST.findFieldByNumber(1);
      Descriptors.FieldDescriptor histField = tsField.getMessageType().findFieldByNumber(4);
      int n = m.getRepeatedFieldCount(tsField);
      int[] histograms = new int[n];
      DynamicMessage.Builder stripped = m.toBuilder().clearField(tsField);
      for (int i = 0; i < n; i++) {
        DynamicMessage ts = (DynamicMessage) m.getRepeatedField(tsField, i);
        histograms[i] = ts.getRepeatedFieldCount(histField);
        stripped.addRepeatedField(tsField, ts.toBuilder().clearField(histField).build());
      }
      CodedInputStream again = CodedInputStream.newInstance(stripped.build().toByteArray());
      again.setRecursionLimit(1000);
      return new Lenient(Remote.WriteRequest.parseFrom(again), histograms);
    } catch (java.io.IOException e) {
      return null;
    }
  }

  // ---------------------------------------------------------------- the expected meaning

  private record ExpSeries(String labels, byte[] hash, long[] times, long[] valueBits, long[] stale, List<ExemplarRecord> exemplars) {}

  private static final class Expected {
    final List<ExpSeries> series = new ArrayList<>();
    /** The violated rules of each refused series, and its sample count. */
    final List<Set<RejectReason>> refused = new ArrayList<>();
    long refusedSamples;
    final Map<RejectReason, Long> refusedByTime = new EnumMap<>(RejectReason.class);
    long histogramsOfStored;
    long refusedExemplars;
    final List<MetadataRecord> metadata = new ArrayList<>();
    long ignoredMetadata;
    long receivedSamples;
    long receivedHistograms;
    long receivedExemplars;
  }

  /** The rules of LabelCanonicalizer and the time window, written out independently. */
  private static Expected expected(Remote.WriteRequest req, int[] histograms) {
    Expected e = new Expected();
    var byBytes = ByteString.unsignedLexicographicalComparator();
    for (int t = 0; t < req.getTimeseriesCount(); t++) {
      Types.TimeSeries ts = req.getTimeseries(t);
      e.receivedSamples += ts.getSamplesCount();
      e.receivedHistograms += histograms[t];
      e.receivedExemplars += ts.getExemplarsCount();
      Set<RejectReason> violated = EnumSet.noneOf(RejectReason.class);
      List<Types.Label> kept = new ArrayList<>();
      for (Types.Label l : ts.getLabelsList()) {
        if (l.getName().isEmpty()) {
          violated.add(RejectReason.EMPTY_LABEL_NAME);
        } else if (!l.getValue().isEmpty()) {
          if (l.getName().size() > LIMITS.maxLabelNameBytes()) {
            violated.add(RejectReason.LABEL_NAME_TOO_LONG);
          }
          if (l.getValue().size() > LIMITS.maxLabelValueBytes()) {
            violated.add(RejectReason.LABEL_VALUE_TOO_LONG);
          }
          kept.add(l);
        }
      }
      if (kept.size() > LIMITS.maxLabels()) {
        violated.add(RejectReason.TOO_MANY_LABELS);
      }
      kept.sort((a, b) -> byBytes.compare(a.getName(), b.getName()));
      boolean hasName = false;
      for (int i = 0; i < kept.size(); i++) {
        if (i > 0 && kept.get(i).getName().equals(kept.get(i - 1).getName())) {
          violated.add(RejectReason.DUPLICATE_LABEL);
        }
        hasName |= kept.get(i).getName().equals(LabelSet.METRIC_NAME_BYTES);
      }
      if (!hasName) {
        violated.add(RejectReason.MISSING_METRIC_NAME);
      }
      if (!violated.isEmpty()) {
        e.refused.add(violated);
        e.refusedSamples += ts.getSamplesCount();
        continue;
      }
      e.histogramsOfStored += histograms[t];
      ByteString[] names = new ByteString[kept.size()];
      ByteString[] values = new ByteString[kept.size()];
      for (int i = 0; i < names.length; i++) {
        names[i] = kept.get(i).getName();
        values[i] = kept.get(i).getValue();
      }
      LabelSet set = new LabelSet(names, values);
      List<ExemplarRecord> exemplars = new ArrayList<>();
      for (Types.Exemplar x : ts.getExemplarsList()) {
        if (validExemplar(x)) {
          exemplars.add(new ExemplarRecord(x.getTimestamp(), x.getValue(), null));
        } else {
          e.refusedExemplars++;
        }
      }
      List<Long> times = new ArrayList<>();
      List<Long> bits = new ArrayList<>();
      List<Long> stale = new ArrayList<>();
      for (Types.Sample s : ts.getSamplesList()) {
        long time = s.getTimestamp();
        if (time < OLDEST || time > NEWEST) {
          e.refusedByTime.merge(time > NEWEST ? RejectReason.TOO_FAR_IN_FUTURE : RejectReason.TOO_OLD, 1L, Long::sum);
        } else if (Double.doubleToRawLongBits(s.getValue()) == 0x7ff0000000000002L) {
          stale.add(time);
        } else {
          times.add(time);
          bits.add(Double.doubleToRawLongBits(s.getValue()));
        }
      }
      if (times.isEmpty() && stale.isEmpty() && exemplars.isEmpty() && ts.getSamplesCount() > 0) {
        continue; // nothing of it to store
      }
      e.series.add(new ExpSeries(set.toString(), set.hash(), longs(times), longs(bits), longs(stale), exemplars));
    }
    for (Types.MetricMetadata m : req.getMetadataList()) {
      String type = m.getType() == Types.MetricMetadata.MetricType.UNRECOGNIZED ? "unknown" : m.getType().name().toLowerCase(Locale.ROOT);
      if (m.getMetricFamilyName().isEmpty() || !text(m.getMetricFamilyName()) || !text(m.getUnit()) || !text(m.getHelp())) {
        e.ignoredMetadata++;
      } else {
        e.metadata.add(new MetadataRecord(m.getMetricFamilyName().toStringUtf8(), type, m.getUnit().toStringUtf8(), m.getHelp().toStringUtf8()));
      }
    }
    return e;
  }

  private static boolean validExemplar(Types.Exemplar x) {
    if (x.getTimestamp() < OLDEST || x.getTimestamp() > NEWEST) {
      return false;
    }
    int chars = 0;
    for (Types.Label l : x.getLabelsList()) {
      if (l.getName().isEmpty() || !text(l.getName()) || !text(l.getValue())) {
        return false;
      }
      chars += l.getName().toStringUtf8().codePointCount(0, l.getName().toStringUtf8().length());
      chars += l.getValue().toStringUtf8().codePointCount(0, l.getValue().toStringUtf8().length());
    }
    return chars <= 128;
  }

  private static boolean text(ByteString s) {
    for (int i = 0; i < s.size(); i++) {
      if (s.byteAt(i) == 0) {
        return false;
      }
    }
    return s.isValidUtf8();
  }

  private static long[] longs(List<Long> l) {
    return l.stream().mapToLong(Long::longValue).toArray();
  }

  private static void compare(Expected e, DecodedRequest d, String where) {
    assertEquals(e.receivedSamples, d.receivedSamples(), "received samples: " + where);
    assertEquals(e.receivedHistograms, d.receivedHistograms(), "received histograms: " + where);
    assertEquals(e.receivedExemplars, d.receivedExemplars(), "received exemplars: " + where);
    assertEquals(e.series.size(), d.series().size(), "stored series: " + where);
    for (int i = 0; i < e.series.size(); i++) {
      ExpSeries x = e.series.get(i);
      DecodedSeries s = d.series().get(i);
      String at = "series " + i + ": " + where;
      assertEquals(x.labels, s.labels().toString(), at);
      assertEquals(HEX.formatHex(x.hash), HEX.formatHex(s.labels().hash()), at);
      assertEquals(Arrays.toString(x.times), Arrays.toString(Arrays.copyOf(s.timestamps(), s.sampleCount())), at);
      long[] bits = new long[s.sampleCount()];
      for (int k = 0; k < bits.length; k++) {
        bits[k] = Double.doubleToRawLongBits(s.values()[k]);
      }
      assertEquals(Arrays.toString(x.valueBits), Arrays.toString(bits), at);
      assertEquals(Arrays.toString(x.stale), Arrays.toString(Arrays.copyOf(s.staleTimestamps(), s.staleCount())), at);
      assertEquals(x.exemplars.size(), s.exemplars().size(), at);
      for (int k = 0; k < x.exemplars.size(); k++) {
        assertEquals(x.exemplars.get(k).timestampMs(), s.exemplars().get(k).timestampMs(), at);
        assertEquals(Double.doubleToRawLongBits(x.exemplars.get(k).value()), Double.doubleToRawLongBits(s.exemplars().get(k).value()), at);
      }
    }
    Map<RejectReason, long[]> counts = d.rejections().counts();
    long refusedSeries = 0;
    long refusedSamples = 0;
    for (RejectReason r : LABEL_REASONS) {
      long[] c = counts.get(r);
      if (c == null) {
        continue;
      }
      refusedSeries += c[0];
      refusedSamples += c[1];
      long explained = e.refused.stream().filter(v -> v.contains(r)).count();
      assertTrue(c[0] <= explained, r + " given for " + c[0] + " series, " + explained + " break that rule: " + where);
    }
    assertEquals(e.refused.size(), refusedSeries, "refused series " + e.refused + ": " + where);
    assertEquals(e.refusedSamples, refusedSamples, "samples of refused series: " + where);
    for (RejectReason r : List.of(RejectReason.TOO_OLD, RejectReason.TOO_FAR_IN_FUTURE)) {
      long[] c = counts.get(r);
      assertEquals(e.refusedByTime.getOrDefault(r, 0L), c == null ? 0L : c[1], r + ": " + where);
      assertEquals(0L, c == null ? 0L : c[0], r + ": " + where);
    }
    assertEquals(e.histogramsOfStored > 0, counts.containsKey(RejectReason.NATIVE_HISTOGRAM_UNSUPPORTED), "histograms: " + where);
    assertEquals(e.refusedExemplars, d.rejections().rejectedExemplars(), "exemplars: " + where);
    for (RejectReason r : counts.keySet()) {
      assertTrue(
          LABEL_REASONS.contains(r) || r == RejectReason.TOO_OLD || r == RejectReason.TOO_FAR_IN_FUTURE
              || r == RejectReason.NATIVE_HISTOGRAM_UNSUPPORTED || r == RejectReason.INVALID_EXEMPLAR,
          "unexpected " + r + ": " + where);
    }
    assertEquals(e.metadata, d.metadata(), "metadata: " + where);
    assertEquals(e.ignoredMetadata, (long) d.rejections().ignored().getOrDefault(IgnoredReason.INVALID_METADATA, 0L), where);
  }

  /** Everything a decode says, for comparing the decode of a body with its cached decode. */
  private static String describe(DecodedRequest d) {
    StringBuilder b = new StringBuilder();
    for (DecodedSeries s : d.series()) {
      b.append(s.labels()).append(' ').append(HEX.formatHex(s.labels().hash()));
      for (int i = 0; i < s.sampleCount(); i++) {
        b.append(' ').append(s.timestamps()[i]).append('=').append(Long.toHexString(Double.doubleToRawLongBits(s.values()[i])));
      }
      b.append(" stale").append(Arrays.toString(Arrays.copyOf(s.staleTimestamps(), s.staleCount())));
      b.append(' ').append(s.exemplars()).append('\n');
    }
    b.append(d.metadata()).append('\n');
    d.rejections().counts().forEach((r, c) -> b.append(r).append(Arrays.toString(c)));
    b.append(d.rejections().ignored()).append(d.rejections().rejectedExemplars()).append('\n');
    b.append(d.rejections().describe(0)).append('\n');
    b.append(d.receivedSamples()).append('/').append(d.receivedHistograms()).append('/').append(d.receivedExemplars());
    return b.toString();
  }

  // ---------------------------------------------------------------- valid requests

  private static final String[] METRICS = {"up", "http_requests_total", "m", "a", "\u00e9t\u00e9"};
  private static final Object[] NAMES = {
    "job", "instance", "le", "a", "b", "zz", "\u00e9", "\uFFFD", "\uD83D\uDE00", "", "__name__",
    new byte[] {(byte) 0xff}, new byte[] {(byte) 0xc3}, new byte[] {'a', 0, 'b'}, "x".repeat(1024), "n".repeat(1025)
  };
  private static final Object[] VALUES = {
    "x", "y", "1", "", "", "api", "\u00e9", "\uD83D\uDE00", new byte[] {(byte) 0xff, 'a'}, new byte[] {0}, "v".repeat(2048),
    "w".repeat(2049)
  };
  /** Series that recur, so that the cache is hit across bodies and tenants. */
  private static final List<List<Object>> TEMPLATES = new ArrayList<>();

  static {
    Random r = new Random(SEED ^ 1);
    for (int i = 0; i < 24; i++) {
      TEMPLATES.add(randomLabels(r));
    }
  }

  private static List<Object> randomLabels(Random rnd) {
    List<Object> pairs = new ArrayList<>();
    int mode = rnd.nextInt(20);
    if (mode == 0) { // around the label limit
      int n = 38 + rnd.nextInt(5);
      pairs.add("__name__");
      pairs.add("wide");
      for (int i = 1; i < n; i++) {
        pairs.add("l" + i);
        pairs.add(rnd.nextInt(10) == 0 ? "" : "v");
      }
      return pairs;
    }
    if (rnd.nextInt(12) != 0) {
      pairs.add("__name__");
      pairs.add(rnd.nextInt(15) == 0 ? pick(rnd, VALUES) : METRICS[rnd.nextInt(METRICS.length)]);
    }
    int n = rnd.nextInt(5);
    for (int i = 0; i < n; i++) {
      pairs.add(rnd.nextInt(4) == 0 ? pick(rnd, NAMES) : NAMES[rnd.nextInt(6)]);
      pairs.add(rnd.nextInt(4) == 0 ? pick(rnd, VALUES) : VALUES[rnd.nextInt(3)]);
    }
    // mostly sorted, as Prometheus sends them
    if (rnd.nextInt(3) != 0) {
      List<Object[]> l = new ArrayList<>();
      for (int i = 0; i < pairs.size(); i += 2) {
        l.add(new Object[] {pairs.get(i), pairs.get(i + 1)});
      }
      l.sort((a, b) -> ByteString.unsignedLexicographicalComparator().compare(bs(a[0]), bs(b[0])));
      pairs.clear();
      for (Object[] p : l) {
        pairs.add(p[0]);
        pairs.add(p[1]);
      }
    }
    return pairs;
  }

  private static Object pick(Random rnd, Object[] pool) {
    return pool[rnd.nextInt(pool.length)];
  }

  private static ByteString bs(Object o) {
    return o instanceof byte[] b ? ByteString.copyFrom(b) : ByteString.copyFromUtf8((String) o);
  }

  private static Remote.WriteRequest randomRequest(Random rnd) {
    Remote.WriteRequest.Builder wr = Remote.WriteRequest.newBuilder();
    int n = rnd.nextInt(20) == 0 ? 0 : 1 + rnd.nextInt(rnd.nextInt(5) == 0 ? 12 : 4);
    for (int i = 0; i < n; i++) {
      Types.TimeSeries.Builder ts = Types.TimeSeries.newBuilder();
      List<Object> labels = rnd.nextInt(3) != 0 ? TEMPLATES.get(rnd.nextInt(TEMPLATES.size())) : randomLabels(rnd);
      for (int k = 0; k < labels.size(); k += 2) {
        ts.addLabels(Types.Label.newBuilder().setName(bs(labels.get(k))).setValue(bs(labels.get(k + 1))));
      }
      int samples = rnd.nextInt(10) == 0 ? 0 : 1 + rnd.nextInt(4);
      for (int k = 0; k < samples; k++) {
        ts.addSamples(Types.Sample.newBuilder().setTimestamp(randomTime(rnd)).setValue(randomValue(rnd)));
      }
      if (rnd.nextInt(8) == 0) {
        for (int k = rnd.nextInt(3); k >= 0; k--) {
          Types.Exemplar.Builder x = Types.Exemplar.newBuilder().setTimestamp(randomTime(rnd)).setValue(randomValue(rnd));
          for (int j = rnd.nextInt(3); j > 0; j--) {
            x.addLabels(Types.Label.newBuilder()
                .setName(bs(rnd.nextInt(6) == 0 ? pick(rnd, NAMES) : "trace_id"))
                .setValue(bs(rnd.nextInt(6) == 0 ? pick(rnd, VALUES) : "4bf92f3577b34da6")));
          }
          ts.addExemplars(x);
        }
      }
      if (rnd.nextInt(15) == 0) {
        ts.addHistograms(Types.Histogram.newBuilder()
            .setCountInt(rnd.nextInt(100))
            .setSum(rnd.nextDouble())
            .setSchema(rnd.nextInt(9) - 4)
            .addPositiveSpans(Types.BucketSpan.newBuilder().setOffset(-1).setLength(2))
            .addPositiveDeltas(3)
            .addPositiveDeltas(-2)
            .addCustomValues(0.5)
            .setTimestamp(randomTime(rnd)));
      }
      wr.addTimeseries(ts);
    }
    if (rnd.nextInt(10) == 0) {
      for (int k = rnd.nextInt(3); k >= 0; k--) {
        Types.MetricMetadata.Builder m = Types.MetricMetadata.newBuilder()
            .setTypeValue(rnd.nextInt(10))
            .setMetricFamilyName(bs(rnd.nextInt(5) == 0 ? pick(rnd, VALUES) : METRICS[rnd.nextInt(METRICS.length)]))
            .setHelp(bs(rnd.nextInt(5) == 0 ? pick(rnd, VALUES) : "Help text."))
            .setUnit(bs(rnd.nextInt(5) == 0 ? pick(rnd, VALUES) : ""));
        wr.addMetadata(m);
      }
    }
    return wr.build();
  }

  private static long randomTime(Random rnd) {
    return switch (rnd.nextInt(14)) {
      case 0 -> OLDEST;
      case 1 -> OLDEST - 1;
      case 2 -> NEWEST;
      case 3 -> NEWEST + 1;
      case 4 -> rnd.nextBoolean() ? 0 : -1;
      case 5 -> rnd.nextBoolean() ? Long.MIN_VALUE : Long.MAX_VALUE;
      case 6 -> NOW / 1000; // seconds
      default -> NOW - (long) (rnd.nextDouble() * 3_600_000) / 1000 * 1000;
    };
  }

  private static double randomValue(Random rnd) {
    long bits = switch (rnd.nextInt(12)) {
      case 0 -> 0x7ff0000000000002L; // staleness marker
      case 1 -> 0x7ff8000000000000L;
      case 2 -> 0x7ff0000000000001L;
      case 3 -> 0xfff0000000000002L;
      case 4 -> Double.doubleToRawLongBits(-0.0);
      case 5 -> Double.doubleToRawLongBits(Double.POSITIVE_INFINITY);
      case 6 -> rnd.nextLong();
      default -> Double.doubleToRawLongBits(rnd.nextInt(1000) / 4.0);
    };
    return Double.longBitsToDouble(bits);
  }

  // ---------------------------------------------------------------- the wire, as a tree

  /** One field: a varint, fixed bytes, a length-delimited payload or a group, with encoding quirks. */
  private static final class Node {
    int number;
    int wireType;
    long varint;
    byte[] raw; // fixed64/fixed32 bytes, or a payload that is not parsed as a message
    List<Node> kids; // message payload, or group contents
    String type; // message type of a length-delimited payload
    int tagPad; // extra bytes of an over-long tag varint
    boolean tagHigh; // tag as a ten-byte varint with bits above 32 set
    int lenPad;
    boolean lenHigh;
    int endNumber = -1; // group end tag's field number, if not its own
    byte[] verbatim; // raw bytes standing in for a field

    Node copy() {
      Node n = new Node();
      n.number = number;
      n.wireType = wireType;
      n.varint = varint;
      n.raw = raw;
      n.type = type;
      n.tagPad = tagPad;
      n.tagHigh = tagHigh;
      n.lenPad = lenPad;
      n.lenHigh = lenHigh;
      n.endNumber = endNumber;
      n.verbatim = verbatim;
      if (kids != null) {
        n.kids = new ArrayList<>();
        for (Node k : kids) {
          n.kids.add(k.copy());
        }
      }
      return n;
    }
  }

  /** Which fields of which message hold messages. */
  private static String childType(String type, int number) {
    return switch (type) {
      case "WR" -> number == 1 ? "TS" : number == 3 ? "MD" : null;
      case "TS" -> switch (number) {
        case 1 -> "L";
        case 2 -> "S";
        case 3 -> "X";
        case 4 -> "H";
        default -> null;
      };
      case "X" -> number == 1 ? "L" : null;
      case "H" -> number == 8 || number == 11 ? "B" : null;
      default -> null;
    };
  }

  /** Parses a well-formed message (as protobuf-java wrote it) into nodes. */
  private static Node parse(byte[] b, int from, int to, String type) {
    Node msg = new Node();
    msg.type = type;
    msg.kids = new ArrayList<>();
    int[] pos = {from};
    while (pos[0] < to) {
      long tag = readVarint(b, pos);
      Node f = new Node();
      f.number = (int) (tag >>> 3);
      f.wireType = (int) (tag & 7);
      switch (f.wireType) {
        case 0 -> f.varint = readVarint(b, pos);
        case 1 -> {
          f.raw = Arrays.copyOfRange(b, pos[0], pos[0] + 8);
          pos[0] += 8;
        }
        case 5 -> {
          f.raw = Arrays.copyOfRange(b, pos[0], pos[0] + 4);
          pos[0] += 4;
        }
        case 2 -> {
          int len = (int) readVarint(b, pos);
          String child = childType(type, f.number);
          if (child != null) {
            Node m = parse(b, pos[0], pos[0] + len, child);
            f.type = child;
            f.kids = m.kids;
          } else {
            f.raw = Arrays.copyOfRange(b, pos[0], pos[0] + len);
          }
          pos[0] += len;
        }
        default -> throw new IllegalStateException("wire type " + f.wireType);
      }
      msg.kids.add(f);
    }
    return msg;
  }

  private static long readVarint(byte[] b, int[] pos) {
    long v = 0;
    for (int shift = 0; ; shift += 7) {
      byte x = b[pos[0]++];
      v |= (long) (x & 0x7f) << shift;
      if (x >= 0) {
        return v;
      }
    }
  }

  private static byte[] serialize(List<Node> fields) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Node f : fields) {
      write(out, f);
    }
    return out.toByteArray();
  }

  private static void write(ByteArrayOutputStream out, Node f) {
    if (f.verbatim != null) {
      out.writeBytes(f.verbatim);
      return;
    }
    long tag = ((long) f.number << 3) | f.wireType;
    writeVarint(out, f.tagHigh ? tag | 0x7b00_0000_0000_0000L : tag, f.tagPad);
    switch (f.wireType) {
      case 0 -> writeVarint(out, f.varint, 0);
      case 1, 5 -> out.writeBytes(f.raw);
      case 2 -> {
        byte[] payload = f.kids != null ? serialize(f.kids) : f.raw;
        writeVarint(out, f.lenHigh ? payload.length | 0x0100_0000_0000_0000L : payload.length, f.lenPad);
        out.writeBytes(payload);
      }
      case 3 -> {
        for (Node k : f.kids) {
          write(out, k);
        }
        writeVarint(out, ((long) (f.endNumber >= 0 ? f.endNumber : f.number) << 3) | 4, 0);
      }
      default -> throw new IllegalStateException();
    }
  }

  /** Writes {@code v} as a varint, {@code pad} bytes longer than needed. */
  private static void writeVarint(ByteArrayOutputStream out, long v, int pad) {
    List<Integer> bytes = new ArrayList<>();
    do {
      bytes.add((int) (v & 0x7f));
      v >>>= 7;
    } while (v != 0);
    for (int i = 0; i < pad; i++) {
      bytes.add(0);
    }
    for (int i = 0; i < bytes.size(); i++) {
      out.write(bytes.get(i) | (i < bytes.size() - 1 ? 0x80 : 0));
    }
  }

  // ---------------------------------------------------------------- mutations

  /** All message nodes (payloads and groups) of the tree, the root first. */
  private static void messages(Node n, List<Node> out) {
    if (n.kids == null) {
      return;
    }
    out.add(n);
    for (Node k : n.kids) {
      messages(k, out);
    }
  }

  private static void mutate(Random rnd, Node root) {
    List<Node> all = new ArrayList<>();
    messages(root, all);
    Node target = all.get(rnd.nextInt(all.size()));
    List<Node> kids = target.kids;
    switch (rnd.nextInt(16)) {
      case 0, 1, 2 -> kids.add(rnd.nextInt(kids.size() + 1), unknownField(rnd, target.type, 0));
      case 3 -> { // a field repeated
        if (!kids.isEmpty()) {
          kids.add(rnd.nextInt(kids.size() + 1), kids.get(rnd.nextInt(kids.size())).copy());
        }
      }
      case 4 -> java.util.Collections.shuffle(kids, rnd); // labels reordered, interleaved with samples
      case 5 -> { // one field moved
        if (!kids.isEmpty()) {
          Node k = kids.remove(rnd.nextInt(kids.size()));
          kids.add(rnd.nextInt(kids.size() + 1), k);
        }
      }
      case 6 -> {
        if (!kids.isEmpty()) {
          kids.remove(rnd.nextInt(kids.size()));
        }
      }
      case 7 -> kids.clear(); // an empty message
      case 8 -> { // an over-long tag or length
        if (!kids.isEmpty()) {
          Node k = kids.get(rnd.nextInt(kids.size()));
          if (k.verbatim == null) {
            int room = 10 - varintSize(((long) k.number << 3) | k.wireType);
            k.tagPad = rnd.nextInt(room + 1);
            if (k.wireType == 2) {
              k.lenPad = rnd.nextInt(6);
            }
          }
        }
      }
      case 9 -> { // bits above 32 in a tag or length
        if (!kids.isEmpty()) {
          Node k = kids.get(rnd.nextInt(kids.size()));
          if (rnd.nextBoolean()) {
            k.tagHigh = true;
          } else if (k.wireType == 2) {
            k.lenHigh = true;
          }
        }
      }
      case 10 -> { // deeply nested groups
        int depth = 95 + rnd.nextInt(8);
        kids.add(rnd.nextInt(kids.size() + 1), nestedGroups(rnd.nextInt(30) + 1, depth));
      }
      case 11 -> { // stray or mismatched group ends, a group that never ends
        Node v = new Node();
        v.verbatim = switch (rnd.nextInt(3)) {
          case 0 -> bytes(0x0c);
          case 1 -> bytes(0x2b, 0x08, 0x01, 0x34);
          default -> bytes(0x2b, 0x08, 0x01);
        };
        kids.add(rnd.nextInt(kids.size() + 1), v);
      }
      case 12 -> { // a known field with another wire type
        Node k = unknownField(rnd, target.type, 0);
        k.number = 1 + rnd.nextInt(4);
        kids.add(rnd.nextInt(kids.size() + 1), k);
      }
      case 13 -> { // a varint the size of a tag, a length or a timestamp of ten or more bytes
        if (!kids.isEmpty()) {
          Node k = kids.get(rnd.nextInt(kids.size()));
          if (k.wireType == 0) {
            k.varint = rnd.nextBoolean() ? -1L : rnd.nextLong();
          } else if (k.verbatim == null) {
            k.tagPad = 10 - varintSize(((long) k.number << 3) | k.wireType) + rnd.nextInt(2);
          }
        }
      }
      case 14 -> { // a message payload replaced by bytes
        if (!kids.isEmpty()) {
          Node k = kids.get(rnd.nextInt(kids.size()));
          if (k.wireType == 2 && k.kids != null) {
            byte[] p = serialize(k.kids);
            k.kids = null;
            k.raw = rnd.nextBoolean() ? corrupt(rnd, p) : randomBytes(rnd, rnd.nextInt(8));
          }
        }
      }
      default -> { // two series merged: labels and samples of one appended to another
        if (target.type != null && target.type.equals("TS")) {
          for (Node other : all) {
            if (other != target && "TS".equals(other.type)) {
              for (Node k : other.kids) {
                kids.add(k.copy());
              }
              break;
            }
          }
        }
      }
    }
  }

  private static int varintSize(long v) {
    int n = 1;
    while ((v >>>= 7) != 0) {
      n++;
    }
    return n;
  }

  /** A field this message does not define (or defines with another wire type), of any wire type. */
  private static Node unknownField(Random rnd, String type, int depth) {
    Node f = new Node();
    int[] numbers = {5, 6, 7, 15, 16, 2047, 2048, 536_870_911, 1, 2, 3, 4};
    f.number = numbers[rnd.nextInt(numbers.length)];
    int[] wireTypes = {0, 1, 2, 3, 5};
    f.wireType = wireTypes[rnd.nextInt(wireTypes.length)];
    if (type != null && childType(type, f.number) != null && f.wireType == 2) {
      f.wireType = 0; // a wire type the field does not have
    }
    if (type != null && (type.equals("S") || type.equals("L")) && f.number <= 2) {
      f.number += 3;
    }
    if ("WR".equals(type) && f.number == 2) {
      f.wireType = 2; // the reserved field, as an old sender may still send it
    }
    switch (f.wireType) {
      case 0 -> f.varint = rnd.nextInt(3) == 0 ? rnd.nextLong() : rnd.nextInt(300);
      case 1 -> f.raw = randomBytes(rnd, 8);
      case 5 -> f.raw = randomBytes(rnd, 4);
      case 2 -> f.raw = rnd.nextBoolean() ? randomBytes(rnd, rnd.nextInt(6)) : new byte[0];
      default -> {
        f.kids = new ArrayList<>();
        if (depth < 4) {
          for (int i = rnd.nextInt(3); i > 0; i--) {
            f.kids.add(unknownField(rnd, null, depth + 1));
          }
        }
      }
    }
    return f;
  }

  private static Node nestedGroups(int number, int depth) {
    Node top = new Node();
    Node n = top;
    for (int i = 0; i < depth; i++) {
      n.number = number;
      n.wireType = 3;
      n.kids = new ArrayList<>();
      if (i < depth - 1) {
        Node inner = new Node();
        n.kids.add(inner);
        n = inner;
      }
    }
    return top;
  }

  /** Byte-level damage: truncation, flipped bits, inserted, deleted or overwritten bytes. */
  private static byte[] corrupt(Random rnd, byte[] body) {
    byte[] b = body;
    for (int n = 1 + rnd.nextInt(3); n > 0; n--) {
      int at = b.length == 0 ? 0 : rnd.nextInt(b.length);
      switch (rnd.nextInt(6)) {
        case 0 -> b = Arrays.copyOf(b, at);
        case 1 -> {
          if (b.length > 0) {
            b = b.clone();
            b[at] ^= (byte) (1 << rnd.nextInt(8));
          }
        }
        case 2 -> b = concat(Arrays.copyOf(b, at), randomBytes(rnd, 1 + rnd.nextInt(3)), Arrays.copyOfRange(b, at, b.length));
        case 3 -> {
          if (b.length > 0) {
            b = concat(Arrays.copyOf(b, at), Arrays.copyOfRange(b, at + 1, b.length));
          }
        }
        case 4 -> { // a run of continuation bytes: a huge varint
          byte[] run = new byte[1 + rnd.nextInt(11)];
          Arrays.fill(run, (byte) 0xff);
          run[run.length - 1] = (byte) rnd.nextInt(0x80);
          b = concat(Arrays.copyOf(b, at), run, Arrays.copyOfRange(b, Math.min(b.length, at + run.length), b.length));
        }
        default -> {
          if (b.length > 0) {
            b = b.clone();
            b[at] = (byte) rnd.nextInt(256);
          }
        }
      }
    }
    return b;
  }

  private static byte[] randomBytes(Random rnd, int n) {
    byte[] b = new byte[n];
    rnd.nextBytes(b);
    return b;
  }

  // ---------------------------------------------------------------- hand-made wire bytes

  private static byte[] bytes(int... v) {
    byte[] b = new byte[v.length];
    for (int i = 0; i < v.length; i++) {
      b[i] = (byte) v[i];
    }
    return b;
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static byte[] varint(long v) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    writeVarint(out, v, 0);
    return out.toByteArray();
  }

  /** {@code v} as a ten-byte varint with bits above 32 set, which protobuf-java drops from a length. */
  private static byte[] varintHigh(long v) {
    return varint(v | 0x0100_0000_0000_0000L);
  }

  private static byte[] label(String name, String value) {
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    byte[] v = value.getBytes(StandardCharsets.UTF_8);
    byte[] inner = concat(bytes(0x0a), varint(n.length), n, bytes(0x12), varint(v.length), v);
    return concat(bytes(0x0a), varint(inner.length), inner);
  }

  private static byte[] sampleAt(long time, double value) {
    byte[] inner = concat(bytes(0x09), le64(Double.doubleToRawLongBits(value)), bytes(0x10), varint(time));
    return concat(bytes(0x12), varint(inner.length), inner);
  }

  private static byte[] le64(long v) {
    byte[] b = new byte[8];
    for (int i = 0; i < 8; i++) {
      b[i] = (byte) (v >>> (8 * i));
    }
    return b;
  }

  private static byte[] series(byte[]... fields) {
    return concat(fields);
  }

  /** {@code depth} groups of field {@code number}, one inside the other. */
  private static byte[] groups(int number, int depth) {
    byte[] open = new byte[depth];
    byte[] close = new byte[depth];
    Arrays.fill(open, (byte) ((number << 3) | 3));
    Arrays.fill(close, (byte) ((number << 3) | 4));
    return concat(open, close);
  }
}
