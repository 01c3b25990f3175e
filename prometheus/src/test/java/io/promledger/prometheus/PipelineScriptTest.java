package io.promledger.prometheus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/promledger-pipeline with stand-ins for the adapter and the exporter (see {@link FakePart})
 * and the real Prometheus and node_exporter of the Debian packages.
 */
class PipelineScriptTest {
  private static final Duration SHORT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir Path temp;

  @Test
  void helpNamesEveryFlag() {
    Commands.Result r = script(Map.of(), "--help");
    assertEquals(0, r.exitCode(), r.describe());
    for (String flag :
        List.of("--data-dir", "--adapter-port", "--exporter-port", "--node-exporter-port", "--prometheus-port", "--ready-timeout", "--rebuild", "--check")) {
      assertTrue(r.output().contains(flag), flag + " missing from " + r.output());
    }
  }

  @Test
  void checkPassesWhenEverythingIsInPlace() throws IOException {
    Commands.Result r = script(fakeParts(), withPorts("--check", "--data-dir=" + temp.resolve("data")));
    assertEquals(0, r.exitCode(), r.describe());
    assertTrue(r.output().endsWith("Everything needed is in place.\n"), r.describe());
    assertEquals(0, r.output().lines().filter(l -> l.contains("FAIL")).count(), r.describe());
    assertTrue(Files.notExists(temp.resolve("data")), "--check must not create the data directory");
  }

  @Test
  void checkNamesTheDebianPackagesToInstall() throws IOException {
    Map<String, String> env = new HashMap<>(fakeParts());
    env.put("PROMLEDGER_PROMETHEUS_BIN", "promledger-test-missing-prometheus");
    env.put("PROMLEDGER_NODE_EXPORTER_BIN", "promledger-test-missing-node-exporter");
    Commands.Result r = script(env, withPorts("--check", "--data-dir=" + temp));
    assertEquals(1, r.exitCode(), r.describe());
    assertTrue(
        r.output().contains("FAIL  promledger-test-missing-prometheus not found: install the Debian package prometheus (sudo apt-get install -y prometheus)"),
        r.describe());
    assertTrue(
        r.output().contains("not found: install the Debian package prometheus-node-exporter (sudo apt-get install -y prometheus-node-exporter)"),
        r.describe());
    assertTrue(r.output().contains("Fix the 2 problem(s) above and run again."), r.describe());
  }

  @Test
  void aPortInUseIsNamedWithTheFlagThatMovesIt() throws IOException {
    try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Commands.Result r =
          script(fakeParts(), "--check", "--data-dir=" + temp, "--prometheus-port=" + busy.getLocalPort(),
              "--adapter-port=" + freePort(), "--exporter-port=" + freePort(), "--node-exporter-port=" + freePort());
      assertEquals(1, r.exitCode(), r.describe());
      assertTrue(
          r.output().contains("FAIL  port " + busy.getLocalPort() + " for Prometheus is in use on 127.0.0.1: stop what listens there "
              + "(the Debian package's service: sudo systemctl stop prometheus), or choose another with --prometheus-port=PORT"),
          r.describe());
    }
  }

  @Test
  void aBadFlagValueIsOneClearLine() {
    Commands.Result r = script(fakeParts(), "--adapter-port=70000");
    assertEquals(1, r.exitCode(), r.describe());
    assertEquals("promledger-pipeline: error: --adapter-port must be a port number from 1 to 65535; got '70000'\n", r.output());
  }

  @Test
  void aPartThatExitsWhileStartingIsReportedWithItsLogAndNothingIsLeftRunning() throws Exception {
    Map<String, String> env = new HashMap<>(fakeParts());
    env.put("PROMLEDGER_ADAPTER_CMD", "bash " + writeScript("broken-adapter", "echo 'port already taken'; exit 3"));
    try (RunningPipeline p = RunningPipeline.start(env, temp.resolve("broken.out"), withPorts("--data-dir=" + temp.resolve("data")))) {
      assertEquals(1, p.awaitExit(SHORT), p.output());
      assertTrue(p.output().contains("promledger-pipeline: adapter exited with code 3 while starting; the end of "), p.output());
      assertTrue(p.output().contains("    port already taken\n"), p.output());
      assertTrue(p.output().endsWith("promledger-pipeline: error: adapter could not be started (see above)\n"), p.output());
      // The adapter's log was being shown by a tail started before the adapter.
      assertEquals(List.of(), processesMentioning(temp.resolve("data")));
    }
  }

  @Test
  void aPartThatNeverBecomesReadyIsStoppedAfterTheReadyTimeout() throws Exception {
    Map<String, String> env = new HashMap<>(fakeParts());
    env.put("PROMLEDGER_EXPORTER_CMD", "bash " + writeScript("silent-exporter", "exec sleep 300"));
    String[] args = withPorts("--data-dir=" + temp.resolve("data"), "--ready-timeout=3");
    try (RunningPipeline p = RunningPipeline.start(env, temp.resolve("silent.out"), args)) {
      p.awaitOutput("promledger-pipeline: adapter is ready", SHORT);
      List<ProcessHandle> started = p.descendants();
      assertEquals(1, p.awaitExit(SHORT), p.output());
      assertTrue(
          p.output().contains("promledger-pipeline: error: exporter did not become ready on http://127.0.0.1:"
              + flagValue(args, "--exporter-port") + "/-/ready within 3s"),
          p.output());
      int exporterStopped = p.output().indexOf("promledger-pipeline: stopped exporter\n");
      assertTrue(exporterStopped >= 0 && exporterStopped < p.output().indexOf("promledger-pipeline: stopped adapter\n"), p.output());
      assertExited(started);
    }
  }

  @Test
  void ctrlCStopsEveryPartInReverseOrderAndASecondStartFindsTheData() throws Exception {
    Path data = temp.resolve("data");
    String[] args = withPorts("--data-dir=" + data);
    int prometheusPort = Integer.parseInt(flagValue(args, "--prometheus-port"));

    try (RunningPipeline first = RunningPipeline.start(fakeParts(), temp.resolve("first.out"), args)) {
      runFirst(first, data, args, prometheusPort);
    }
    double secondStart = System.currentTimeMillis() / 1000.0;
    try (RunningPipeline second = RunningPipeline.start(fakeParts(), temp.resolve("second.out"), args)) {
      runSecond(second, data, prometheusPort, secondStart);
    }
  }

  private void runFirst(RunningPipeline first, Path data, String[] args, int prometheusPort) throws Exception {
    first.awaitOutput("Press Ctrl-C to stop everything", Duration.ofSeconds(120));
    first.awaitOutput("fake adapter listening on 127.0.0.1:" + flagValue(args, "--adapter-port"), SHORT);
    List<ProcessHandle> parts = first.descendants();
    assertEquals(
        List.of("java", "java", "prometheus", "prometheus-node-exporter", "tail"),
        // a short-lived helper of the script (curl, date) may exit after being listed: no name then
        parts.stream().map(PipelineScriptTest::commandName).filter(n -> !n.equals("?")).sorted().toList(),
        "processes started: " + parts.stream().map(ProcessHandle::info).toList());
    // Prometheus runs with the rendered configuration: it scrapes all four parts on their ports.
    awaitQuery(prometheusPort, "sum(up)", 4.0, Duration.ofSeconds(60));
    assertEquals(0, Commands.run(temp, SHORT, List.of(Commands.promtool(), "check", "config", data.resolve("prometheus.yml").toString())).exitCode());

    first.interrupt();
    assertEquals(130, first.awaitExit(Duration.ofSeconds(150)), first.output());
    assertStoppedInReverseOrder(first.output(), parts);
    assertEquals(
        List.of("start adapter", "start exporter", "stop exporter", "stop adapter"),
        Files.readAllLines(data.resolve("adapter").resolve(FakePart.EVENTS_FILE)));
  }

  private void runSecond(RunningPipeline second, Path data, int prometheusPort, double secondStart) throws Exception {
    second.awaitOutput("Press Ctrl-C to stop everything", Duration.ofSeconds(120));
    List<ProcessHandle> secondParts = second.descendants();
    JsonNode samples = query(prometheusPort, "up{job=\"node\"}[1h]").path(0).path("values");
    double oldest = samples.path(0).path(0).asDouble();
    assertTrue(oldest > 0 && oldest < secondStart, "Prometheus lost the samples of the first run: " + samples);
    assertEquals(2, Files.readString(data.resolve("logs/adapter.log")).split("promledger-pipeline starts", -1).length - 1);

    second.interrupt();
    assertEquals(130, second.awaitExit(Duration.ofSeconds(150)), second.output());
    assertStoppedInReverseOrder(second.output(), secondParts);
    assertTrue(Files.notExists(data.resolve("pipeline.pid")));
    assertEquals(List.of(), processesMentioning(data));
  }

  private static void assertStoppedInReverseOrder(String output, List<ProcessHandle> parts) {
    int last = -1;
    for (String part : List.of("Prometheus", "node_exporter", "exporter", "adapter")) {
      int at = output.indexOf("promledger-pipeline: stopped " + part + "\n");
      assertTrue(at > last, part + " was not stopped after the parts started later:\n" + output);
      last = at;
    }
    assertTrue(output.contains("everything stopped; the data in"), output);
    assertExited(parts);
  }

  private static void assertExited(List<ProcessHandle> parts) {
    for (ProcessHandle p : parts) {
      try {
        p.onExit().get(5, TimeUnit.SECONDS);
      } catch (TimeoutException | InterruptedException | ExecutionException e) {
        fail("still running after the pipeline stopped: " + p.info());
      }
    }
  }

  private Path writeScript(String name, String body) throws IOException {
    Path script = temp.resolve(name + ".sh");
    Files.writeString(script, body + "\n");
    return script;
  }

  private Commands.Result script(Map<String, String> env, String... args) {
    List<String> command = new ArrayList<>(List.of(ProjectFiles.pipelineScript().toString()));
    command.addAll(List.of(args));
    return Commands.run(temp, SHORT, env, command);
  }

  /** The adapter and the exporter replaced by {@link FakePart}. */
  private static Map<String, String> fakeParts() {
    String java = ProcessHandle.current().info().command().orElse("java");
    String classes;
    try {
      classes = Path.of(FakePart.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    String fake = java + " -Xmx32m -XX:TieredStopAtLevel=1 -cp " + classes + " " + FakePart.class.getName();
    return Map.of("PROMLEDGER_ADAPTER_CMD", fake + " adapter", "PROMLEDGER_EXPORTER_CMD", fake + " exporter");
  }

  private static String[] withPorts(String... args) throws IOException {
    List<String> all = new ArrayList<>(List.of(args));
    for (String flag : List.of("--adapter-port", "--exporter-port", "--node-exporter-port", "--prometheus-port")) {
      all.add(flag + "=" + freePort());
    }
    return all.toArray(String[]::new);
  }

  private static String flagValue(String[] args, String flag) {
    for (String a : args) {
      if (a.startsWith(flag + "=")) {
        return a.substring(flag.length() + 1);
      }
    }
    throw new IllegalArgumentException(flag);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Every process on the machine whose command line names {@code dir}, orphans included. */
  private static List<String> processesMentioning(Path dir) {
    return ProcessHandle.allProcesses()
        .map(p -> p.pid() + " " + p.info().commandLine().orElse(""))
        .filter(line -> line.contains(dir.toString()))
        .toList();
  }

  private static String commandName(ProcessHandle p) {
    return p.info().command().map(c -> Path.of(c).getFileName().toString()).orElse("?");
  }

  private static JsonNode query(int port, String promql) throws IOException, InterruptedException {
    URI uri = URI.create("http://127.0.0.1:" + port + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), response.body());
    return JSON.readTree(response.body()).path("data").path("result");
  }

  private static void awaitQuery(int port, String promql, double expected, Duration limit) throws Exception {
    long deadline = System.nanoTime() + limit.toNanos();
    JsonNode result = null;
    while (System.nanoTime() < deadline) {
      result = query(port, promql);
      if (result.size() == 1 && result.get(0).path("value").path(1).asDouble() == expected) {
        return;
      }
      Thread.sleep(500);
    }
    fail(promql + " did not become " + expected + " within " + limit.toSeconds() + " s; last result: " + result);
  }

  /** The pipeline script running in the background, its output going to a file. */
  private static final class RunningPipeline implements AutoCloseable {
    private final Process process;
    private final Path out;

    private RunningPipeline(Process process, Path out) {
      this.process = process;
      this.out = out;
    }

    static RunningPipeline start(Map<String, String> env, Path out, String... args) throws IOException {
      List<String> command = new ArrayList<>(List.of(ProjectFiles.pipelineScript().toString()));
      command.addAll(List.of(args));
      ProcessBuilder pb = new ProcessBuilder(command).directory(out.getParent().toFile()).redirectErrorStream(true).redirectOutput(out.toFile());
      pb.environment().putAll(env);
      return new RunningPipeline(pb.start(), out);
    }

    String output() {
      return ProjectFiles.read(out);
    }

    void awaitOutput(String text, Duration limit) throws InterruptedException {
      long deadline = System.nanoTime() + limit.toNanos();
      while (!output().contains(text)) {
        if (!process.isAlive()) {
          fail("the pipeline exited with " + process.exitValue() + " before printing '" + text + "':\n" + output());
        }
        if (System.nanoTime() > deadline) {
          stopAfterFailure();
          fail("'" + text + "' not printed within " + limit.toSeconds() + " s:\n" + output());
        }
        Thread.sleep(200);
      }
    }

    /**
     * The processes the script started, without the short-lived ones of its own polling (a
     * {@code sleep} may also exit between being listed and being asked for its command).
     */
    List<ProcessHandle> descendants() {
      return process.descendants()
          .filter(p -> p.isAlive() && p.info().command().isPresent() && !commandName(p).equals("sleep"))
          .toList();
    }

    void interrupt() {
      Commands.Result r = Commands.run(out.getParent(), SHORT, List.of("kill", "-INT", Long.toString(process.pid())));
      assertEquals(0, r.exitCode(), r.describe());
    }

    int awaitExit(Duration limit) throws InterruptedException {
      if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
        stopAfterFailure();
        fail("the pipeline did not stop within " + limit.toSeconds() + " s:\n" + output());
      }
      return process.exitValue();
    }

    /** After a failed assertion: no process of the test may outlive it. */
    private void stopAfterFailure() {
      List<ProcessHandle> left = descendants();
      process.destroyForcibly();
      left.forEach(ProcessHandle::destroyForcibly);
    }

    @Override
    public void close() {
      if (process.isAlive()) {
        stopAfterFailure();
      }
    }
  }
}
