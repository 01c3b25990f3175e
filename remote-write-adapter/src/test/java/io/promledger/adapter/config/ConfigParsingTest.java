package io.promledger.adapter.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ConfigParsingTest {
  @Test
  void prometheusDurations() {
    assertEquals(Duration.ofDays(7), PromDuration.parse("7d"));
    assertEquals(Duration.ofMinutes(90), PromDuration.parse("1h30m"));
    assertEquals(Duration.ofDays(365), PromDuration.parse("1y"));
    assertEquals(Duration.ofMillis(1500), PromDuration.parse("1s500ms"));
    assertEquals("1h30m", PromDuration.format(Duration.ofMinutes(90)));
    assertEquals("'7 days' is not a duration; use Prometheus units such as 30s, 10m, 2h, 7d, 1y",
        assertThrows(IllegalArgumentException.class, () -> PromDuration.parse("7 days")).getMessage());
  }

  @Test
  void byteSizes() {
    assertEquals(32L << 20, ByteSize.parse("32MiB"));
    assertEquals(1_000_000L, ByteSize.parse("1MB"));
    assertEquals(512L, ByteSize.parse("512"));
    assertThrows(IllegalArgumentException.class, () -> ByteSize.parse("lots"));
  }

  @Test
  void listenAddresses() {
    assertEquals(new ListenAddress("0.0.0.0", 9201), ListenAddress.parse(":9201"));
    assertEquals(new ListenAddress("127.0.0.1", 0), ListenAddress.parse("127.0.0.1:0"));
    assertEquals(new ListenAddress("::1", 9201), ListenAddress.parse("[::1]:9201"));
    assertThrows(IllegalArgumentException.class, () -> ListenAddress.parse("9201"));
    assertThrows(IllegalArgumentException.class, () -> ListenAddress.parse(":99999"));
  }
}
