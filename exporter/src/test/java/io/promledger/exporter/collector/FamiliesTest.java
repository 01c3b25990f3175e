package io.promledger.exporter.collector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FamiliesTest {
  @Test
  void aRepeatedLabelSetIsWrittenOnceAndCounted() throws IOException {
    Families f = new Families();
    f.gauge("demo_bytes", "Demo.", 1, "db", "a");
    f.gauge("demo_bytes", "Other help is ignored.", 2, "db", "a");
    f.gauge("demo_bytes", "Demo.", 3, "db", "b", "schema", "s");
    f.counter("demo_events", "Events.", 4);
    assertEquals(1, f.duplicatesDropped());
    assertEquals("""
        # HELP demo_bytes Demo.
        # TYPE demo_bytes gauge
        demo_bytes{db="a",schema=""} 1.0
        demo_bytes{db="b",schema="s"} 3.0
        # HELP demo_events_total Events.
        # TYPE demo_events_total counter
        demo_events_total 4.0
        """, text(f));
  }

  @Test
  void aNameUsedAsTwoTypesIsAProgrammingError() {
    Families f = new Families();
    f.gauge("demo", "Demo.", 1);
    assertThrows(IllegalArgumentException.class, () -> f.counter("demo", "Demo.", 1));
  }

  private static String text(Families f) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrometheusTextFormatWriter.create().write(out, f.build());
    return out.toString(StandardCharsets.UTF_8);
  }
}
