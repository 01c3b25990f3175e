package io.promledger.exporter.collector.cloudwatch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * CloudWatch and EC2 on 127.0.0.1 for the real SDK: CloudWatch in Smithy RPC v2 CBOR ({@code POST
 * /service/GraniteServiceVersion20100801/operation/<Operation>}, timestamps as CBOR tag 1, errors
 * with {@code __type}), EC2 in its query protocol (form request, XML answer). Each operation answers
 * from a queue of scripted replies, the last one repeating.
 */
public final class FakeCloudWatch implements AutoCloseable {
  /** What an operation answers: HTTP status and body. */
  public record Reply(int status, byte[] body, String contentType) {}

  /** A request as received: the operation and its decoded body (CBOR as a tree; EC2 as form fields). */
  public record Received(String operation, JsonNode cbor, Map<String, String> form) {}

  private static final CBORMapper CBOR = new CBORMapper();

  private final HttpServer server;
  private final Map<String, Deque<Function<Received, Reply>>> replies = new ConcurrentHashMap<>();
  final List<Received> received = Collections.synchronizedList(new ArrayList<>());

  public FakeCloudWatch() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/service/GraniteServiceVersion20100801/operation/", this::cloudWatch);
    server.createContext("/", this::ec2);
    server.start();
  }

  public String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Queues replies for an operation; the last one keeps answering. */
  @SafeVarargs
  public final FakeCloudWatch on(String operation, Function<Received, Reply>... answers) {
    Deque<Function<Received, Reply>> q = replies.computeIfAbsent(operation, k -> new ArrayDeque<>());
    q.addAll(List.of(answers));
    return this;
  }

  public List<Received> received(String operation) {
    synchronized (received) {
      return received.stream().filter(r -> r.operation().equals(operation)).toList();
    }
  }

  private void cloudWatch(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    String op = path.substring(path.lastIndexOf('/') + 1);
    byte[] body = ex.getRequestBody().readAllBytes();
    JsonNode tree = body.length == 0 ? CBOR.createObjectNode() : CBOR.readTree(body);
    if (!"rpc-v2-cbor".equals(ex.getRequestHeaders().getFirst("smithy-protocol"))) {
      reply(ex, new Reply(400, cbor(Map.of("__type", "UnknownProtocol", "message", "expected rpc-v2-cbor")), "application/cbor"));
      return;
    }
    answer(ex, new Received(op, tree, Map.of()));
  }

  private void ec2(HttpExchange ex) throws IOException {
    String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    Map<String, String> form = new LinkedHashMap<>();
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        form.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    answer(ex, new Received(form.getOrDefault("Action", "unknown"), null, form));
  }

  private void answer(HttpExchange ex, Received r) throws IOException {
    received.add(r);
    Deque<Function<Received, Reply>> q = replies.get(r.operation());
    if (q == null || q.isEmpty()) {
      reply(ex, new Reply(500, cbor(Map.of("__type", "InternalFailure", "message", "no reply scripted for " + r.operation())),
          "application/cbor"));
      return;
    }
    Function<Received, Reply> next = q.size() > 1 ? q.poll() : q.peek();
    reply(ex, next.apply(r));
  }

  private static void reply(HttpExchange ex, Reply reply) throws IOException {
    ex.getResponseHeaders().add("Content-Type", reply.contentType());
    if (reply.contentType().equals("application/cbor")) {
      ex.getResponseHeaders().add("smithy-protocol", "rpc-v2-cbor");
    }
    ex.getResponseHeaders().add("x-amzn-RequestId", "test-request");
    ex.sendResponseHeaders(reply.status(), reply.body().length);
    ex.getResponseBody().write(reply.body());
    ex.close();
  }

  public static Reply ok(Map<String, ?> body) {
    return new Reply(200, cbor(body), "application/cbor");
  }

  static Reply error(int status, String type, String message) {
    return new Reply(status, cbor(Map.of("__type", type, "message", message)), "application/cbor");
  }

  static Reply xml(String body) {
    return new Reply(200, body.getBytes(StandardCharsets.UTF_8), "text/xml;charset=UTF-8");
  }

  /** A GetMetricData result entry. */
  public static Map<String, Object> result(String id, String status, List<Instant> timestamps, List<Double> values) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("Id", id);
    m.put("Label", id);
    m.put("Timestamps", timestamps);
    m.put("Values", values);
    m.put("StatusCode", status);
    return m;
  }

  /** CBOR of maps, lists, strings, numbers and booleans; an {@link Instant} becomes tag 1 (epoch seconds). */
  static byte[] cbor(Object value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (CBORGenerator g = new CBORFactory().createGenerator(out)) {
      write(g, value);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    return out.toByteArray();
  }

  private static void write(CBORGenerator g, Object v) throws IOException {
    if (v instanceof Map<?, ?> m) {
      g.writeStartObject();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        g.writeFieldName(e.getKey().toString());
        write(g, e.getValue());
      }
      g.writeEndObject();
    } else if (v instanceof List<?> l) {
      g.writeStartArray();
      for (Object o : l) {
        write(g, o);
      }
      g.writeEndArray();
    } else if (v instanceof Instant t) {
      g.writeTag(1);
      g.writeNumber(t.toEpochMilli() / 1000.0);
    } else if (v instanceof Double d) {
      g.writeNumber(d);
    } else if (v instanceof Integer i) {
      g.writeNumber(i);
    } else if (v instanceof Boolean b) {
      g.writeBoolean(b);
    } else {
      g.writeString(String.valueOf(v));
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
