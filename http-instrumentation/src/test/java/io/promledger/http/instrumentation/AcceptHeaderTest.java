package io.promledger.http.instrumentation;

import static io.promledger.http.instrumentation.AcceptHeader.Format.OPENMETRICS;
import static io.promledger.http.instrumentation.AcceptHeader.Format.PROTOBUF;
import static io.promledger.http.instrumentation.AcceptHeader.Format.TEXT;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class AcceptHeaderTest {
  private static final String PROTO =
      "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited";

  @Test
  void noHeaderOrAWildcardGivesText() {
    assertEquals(TEXT, AcceptHeader.choose(null, true));
    assertEquals(TEXT, AcceptHeader.choose("", true));
    assertEquals(TEXT, AcceptHeader.choose("*/*", true));
    assertEquals(TEXT, AcceptHeader.choose("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", true));
  }

  @Test
  void qZeroIsNotAcceptable() {
    assertEquals(TEXT, AcceptHeader.choose("application/openmetrics-text;q=0, text/plain;q=0", true));
    assertEquals(TEXT, AcceptHeader.choose("application/openmetrics-text;q=0", true));
    assertEquals(TEXT, AcceptHeader.choose("application/openmetrics-text; q=0.0, text/plain; q=0.1", true));
    assertEquals(TEXT, AcceptHeader.choose(PROTO + ";q=0, text/plain;q=0.2", true));
    assertEquals(OPENMETRICS, AcceptHeader.choose(PROTO + ";q=0, application/openmetrics-text;q=0.2", true));
    // The specific range wins over the wildcard for its own type.
    assertEquals(TEXT, AcceptHeader.choose("application/openmetrics-text;q=0, */*;q=0.1", true));
    assertEquals(OPENMETRICS, AcceptHeader.choose("text/plain;q=0, */*;q=0.1", true));
    // Nothing acceptable at all: text, as Prometheus exporters answer.
    assertEquals(TEXT, AcceptHeader.choose("application/json", true));
    assertEquals(TEXT, AcceptHeader.choose("*/*;q=0", true));
  }

  @Test
  void theHighestQWins() {
    assertEquals(OPENMETRICS, AcceptHeader.choose("text/plain;q=0.2, application/openmetrics-text;q=0.9", true));
    assertEquals(TEXT, AcceptHeader.choose("application/openmetrics-text;version=1.0.0;q=0.3, text/plain;q=0.5", true));
    assertEquals(TEXT, AcceptHeader.choose(PROTO + ";q=0.4, text/plain;version=0.0.4;q=0.5", true));
    assertEquals(OPENMETRICS, AcceptHeader.choose("application/openmetrics-text;version=0.0.1;q=0.2,"
        + "application/openmetrics-text;version=1.0.0;q=0.8, text/plain;q=0.5", true));
    assertEquals(OPENMETRICS, AcceptHeader.choose("text/*;q=0.4, application/*;q=0.6", true));
    assertEquals(TEXT, AcceptHeader.choose("application/openmetrics-text;q=abc, text/plain;q=0.1", true));
    assertEquals(TEXT, AcceptHeader.choose("application/openmetrics-text;q=2, text/plain;q=0.1", true));
  }

  @Test
  void whatPrometheusSends() {
    // Prometheus 2 with protobuf scraping, then its default.
    assertEquals(PROTOBUF, AcceptHeader.choose(PROTO + ";q=0.7,application/openmetrics-text;version=1.0.0;q=0.5,"
        + "application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.1", true));
    assertEquals(OPENMETRICS, AcceptHeader.choose("application/openmetrics-text;version=1.0.0,"
        + "application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1", true));
    // Prometheus 3.
    assertEquals(OPENMETRICS, AcceptHeader.choose("application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,"
        + "application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,"
        + "text/plain;version=0.0.4;q=0.2,*/*;q=0.1", true));
  }

  @Test
  void tiesGoToTheMoreSpecificRangeThenTheFirstListed() {
    assertEquals(OPENMETRICS, AcceptHeader.choose("application/openmetrics-text, */*", true));
    assertEquals(OPENMETRICS, AcceptHeader.choose("application/openmetrics-text, text/plain", true));
    assertEquals(TEXT, AcceptHeader.choose("text/plain, application/openmetrics-text", true));
    assertEquals(PROTOBUF, AcceptHeader.choose(PROTO + ", text/plain", true));
  }

  @Test
  void protobufOnlyWhenNamedWithItsMessageType() {
    assertEquals(PROTOBUF, AcceptHeader.choose(PROTO, true));
    assertEquals(PROTOBUF, AcceptHeader.choose("application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily", true));
    assertEquals(TEXT, AcceptHeader.choose("application/vnd.google.protobuf", true));
    assertEquals(TEXT, AcceptHeader.choose("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=text", true));
    assertEquals(OPENMETRICS, AcceptHeader.choose("application/*", true));
    assertEquals(TEXT, AcceptHeader.choose(PROTO, false));
  }
}
