package io.promledger.adapter.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LabelCanonicalizerTest {
  private final LabelCanonicalizer canonicalizer =
      new LabelCanonicalizer(new IngestLimits(4, 11, 16, 1 << 20, 1 << 20, Duration.ofMinutes(10), Duration.ofDays(7)));

  private LabelSet build(Object... pairs) {
    LabelCanonicalizer.Builder b = canonicalizer.builder();
    for (int i = 0; i < pairs.length; i += 2) {
      b.add(bytes(pairs[i]), bytes(pairs[i + 1]));
    }
    return b.build();
  }

  private static ByteString bytes(Object o) {
    return o instanceof byte[] raw ? ByteString.copyFrom(raw) : ByteString.copyFromUtf8((String) o);
  }

  private static RejectReason reasonOf(Runnable r) {
    return assertThrows(SeriesRejectedException.class, r::run).reason();
  }

  @Test
  void sortsByUtf8BytesNotByUtf16() {
    // U+FFFD is EF BF BD in UTF-8 and sorts before U+1F600 (F0 9F 98 80); in UTF-16 it sorts after (D83D ...).
    LabelSet set = build("\uD83D\uDE00", "smile", "\uFFFD", "replacement", "__name__", "m");
    assertEquals("__name__", set.name(0));
    assertEquals("\uFFFD", set.name(1));
    assertEquals("\uD83D\uDE00", set.name(2));
  }

  @Test
  void orderOfInputAndEmptyValuesDoNotChangeTheIdentity() {
    LabelSet a = build("__name__", "m", "b", "2", "a", "1");
    LabelSet b = build("a", "1", "empty", "", "__name__", "m", "b", "2");
    assertArrayEquals(a.hash(), b.hash());
    assertEquals("{\"a\":\"1\",\"b\":\"2\"}", b.labelsJson());
    assertNotEquals(a, build("__name__", "m", "a", "1", "b", "3"));
  }

  @Test
  void theCanonicalBytesSeparateNamesFromValues() {
    // {ab="c"} and {a="bc"} must not hash alike
    assertNotEquals(build("__name__", "m", "ab", "c"), build("__name__", "m", "a", "bc"));
  }

  @Test
  void refusesWhatPrometheusWouldNotStore() {
    assertEquals(RejectReason.DUPLICATE_LABEL, reasonOf(() -> build("__name__", "m", "zone", "a", "zone", "b")));
    assertEquals(RejectReason.MISSING_METRIC_NAME, reasonOf(() -> build("job", "x")));
    assertEquals(RejectReason.MISSING_METRIC_NAME, reasonOf(() -> build("__name__", "", "job", "x")));
    assertEquals(RejectReason.EMPTY_LABEL_NAME, reasonOf(() -> build("__name__", "m", "", "x")));
    assertEquals(RejectReason.INVALID_UTF8, reasonOf(() -> build("__name__", "m", "job", new byte[] {(byte) 0xc3, 0x28})));
    assertEquals(RejectReason.INVALID_UTF8, reasonOf(() -> build("__name__", "m", "job", "a\u0000b")));
    assertEquals(RejectReason.TOO_MANY_LABELS, reasonOf(() -> build("__name__", "m", "a", "1", "b", "2", "c", "3", "d", "4")));
    assertEquals(RejectReason.LABEL_NAME_TOO_LONG, reasonOf(() -> build("__name__", "m", "abcdefghijkl", "1")));
    assertEquals(RejectReason.LABEL_VALUE_TOO_LONG, reasonOf(() -> build("__name__", "m", "a", "x".repeat(17))));
  }

  @Test
  void theLimitsCountUtf8Bytes() {
    // 4 characters, 16 bytes: exactly at the limit
    build("__name__", "m", "a", "\uD83D\uDE00".repeat(4));
    assertEquals(RejectReason.LABEL_VALUE_TOO_LONG, reasonOf(() -> build("__name__", "m", "a", "\uD83D\uDE00".repeat(4) + "x")));
  }

  @Test
  void removingTheReplicaLabelGivesTheSameIdentityAsNeverHavingIt() {
    LabelSet withReplica = build("__name__", "m", "cluster", "eu", "__replica__", "a");
    assertEquals(build("__name__", "m", "cluster", "eu"), withReplica.without("__replica__"));
  }
}
