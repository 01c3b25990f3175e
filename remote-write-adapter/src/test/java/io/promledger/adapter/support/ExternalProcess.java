package io.promledger.adapter.support;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A program the test starts (Prometheus, node_exporter, vmagent, an adapter JVM), logged to a file. */
public final class ExternalProcess implements AutoCloseable {
  private final String name;
  private final List<String> command;
  private final Path log;
  private Process process;

  private ExternalProcess(String name, List<String> command, Path log) {
    this.name = name;
    this.command = command;
    this.log = log;
  }

  /** Starts {@code command}; fails with a clear message when its binary is not installed. */
  public static ExternalProcess start(String name, Path logDir, List<String> command) {
    requireBinary(command.get(0));
    ExternalProcess p = new ExternalProcess(name, List.copyOf(command), logDir.resolve(name + ".log"));
    p.restart();
    return p;
  }

  /** Absolute path of an installed binary, or an assertion error naming the Debian package. */
  public static String requireBinary(String binary) {
    if (binary.contains("/")) {
      return binary;
    }
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
      if (Files.isExecutable(Path.of(dir, binary))) {
        return Path.of(dir, binary).toString();
      }
    }
    throw new AssertionError(binary + " is not installed; install the Debian package that provides it "
        + "(prometheus, prometheus-node-exporter or victoria-metrics), as .ci/run does");
  }

  public void restart() {
    try {
      process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + name + ": " + e.getMessage(), e);
    }
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** SIGKILL, and wait for the exit. */
  public void kill() {
    process.destroyForcibly();
    waitFor();
  }

  /** SIGTERM, and wait up to 60 s for the exit (then SIGKILL). */
  public void stop() {
    if (process == null || !process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        kill();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void waitFor() {
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public String logTail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  @Override
  public void close() {
    stop();
  }

  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Polls {@code url} until it answers 200, or fails after {@code timeout}. */
  public void awaitHttp200(String url, Duration timeout) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError(name + " exited with " + process.exitValue() + ":\n" + logTail());
      }
      try {
        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not up yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    throw new AssertionError(name + " did not answer 200 on " + url + " within " + timeout + ":\n" + logTail());
  }

  /** The java binary and classpath of this test JVM, to run another adapter process. */
  public static List<String> javaCommand(String mainClass, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx1g");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(mainClass);
    cmd.addAll(List.of(args));
    return cmd;
  }
}
