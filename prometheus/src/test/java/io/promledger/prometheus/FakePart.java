package io.promledger.prometheus;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Stands in for the adapter or the exporter when the pipeline script is tested on its own: it
 * takes their flags, answers {@code /-/ready}, {@code /metrics} and remote write, and records in
 * {@code <storage.embedded.dir>/fake-parts.events} when it started and when it was asked to stop.
 */
public final class FakePart {
  static final String EVENTS_FILE = "fake-parts.events";

  private FakePart() {}

  public static void main(String[] args) throws IOException {
    String name = args[0];
    String listen = null;
    Path dir = null;
    for (String arg : args) {
      if (arg.startsWith("--web.listen-address=")) {
        listen = arg.substring("--web.listen-address=".length());
      } else if (arg.startsWith("--storage.embedded.dir=")) {
        dir = Path.of(arg.substring("--storage.embedded.dir=".length()));
      }
    }
    if (listen == null || dir == null) {
      System.err.println("fake " + name + ": --web.listen-address and --storage.embedded.dir are required");
      System.exit(2);
    }
    Path events = dir.resolve(EVENTS_FILE);
    int colon = listen.lastIndexOf(':');
    HttpServer server =
        HttpServer.create(new InetSocketAddress(listen.substring(0, colon), Integer.parseInt(listen.substring(colon + 1))), 16);
    server.createContext("/-/ready", ex -> respond(ex, 200, "Ready\n"));
    server.createContext("/metrics", ex -> respond(ex, 200, "# TYPE fake_part_up gauge\nfake_part_up 1\n"));
    server.createContext(
        "/api/v1/write",
        ex -> {
          ex.getRequestBody().readAllBytes();
          respond(ex, 204, null);
        });
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  record(events, "stop " + name);
                  // Like the adapter draining its queue: stopping takes a moment.
                  sleep(300);
                  server.stop(0);
                }));
    server.start();
    record(events, "start " + name);
    System.out.println("fake " + name + " listening on " + listen);
  }

  private static void respond(HttpExchange ex, int status, String body) throws IOException {
    if (body == null) {
      ex.sendResponseHeaders(status, -1);
    } else {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
      ex.sendResponseHeaders(status, bytes.length);
      ex.getResponseBody().write(bytes);
    }
    ex.close();
  }

  private static void record(Path events, String line) {
    try {
      Files.writeString(events, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
