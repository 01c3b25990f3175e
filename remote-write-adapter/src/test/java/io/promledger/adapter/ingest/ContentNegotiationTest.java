package io.promledger.adapter.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ContentNegotiationTest {
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "application/x-protobuf|V1",
        "application/x-protobuf;proto=prometheus.WriteRequest|V1",
        "Application/X-Protobuf ; Proto = prometheus.WriteRequest|V1",
        "application/x-protobuf;proto=io.prometheus.write.v2.Request|V2",
        "application/x-protobuf; charset=binary; proto=\"io.prometheus.write.v2.Request\"|V2",
      })
  void choosesTheMessageFromContentType(String type, Protocol expected) {
    assertEquals(expected, ContentNegotiation.negotiate(type, "snappy"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"application/json", "image/png", "application/x-protobuf;proto=io.prometheus.write.v3.Request", "text/plain"})
  void refusesOtherTypes(String type) {
    assertThrows(ContentNegotiation.UnsupportedMediaException.class, () -> ContentNegotiation.negotiate(type, "snappy"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"zstd", "gzip", "deflate", "snappy-framed"})
  void refusesOtherEncodings(String encoding) {
    assertThrows(ContentNegotiation.UnsupportedMediaException.class,
        () -> ContentNegotiation.negotiate("application/x-protobuf", encoding));
  }

  @ParameterizedTest
  @ValueSource(strings = {"snappy", "SNAPPY", " snappy ", ""})
  void acceptsSnappyOrNoEncoding(String encoding) {
    assertEquals(Protocol.V1, ContentNegotiation.negotiate(null, encoding));
  }
}
