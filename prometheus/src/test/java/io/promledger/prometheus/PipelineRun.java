package io.promledger.prometheus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One run of bin/promledger-pipeline, started as a user starts it, with every process it starts
 * remembered by PID: its descendants, and the embedded PostgreSQL, which daemonises (its parent
 * is init) and is found by its data directory, with the server processes it forks.
 */
final class PipelineRun implements AutoCloseable {
  private final Process process;
  private final Path output;
  private final Path dataDir;
  private final List<String> ports;
  /** PID to handle; a handle also knows the start time, so a reused PID is not mistaken. */
  private final Map<Long, ProcessHandle> started = new LinkedHashMap<>();
  private final Set<Long> postmasters = new TreeSet<>();

  private PipelineRun(Process process, Path output, Path dataDir, List<String> ports) {
    this.process = process;
    this.output = output;
    this.dataDir = dataDir;
    this.ports = ports;
  }

  /**
   * Starts the launcher in {@code workDir}. {@code env --default-signal=INT} gives it the SIGINT
   * disposition of a shell in a terminal: a JVM started in the background (as CI may start Maven)
   * ignores SIGINT, its children inherit that, and bash cannot trap a signal ignored at its start.
   */
  static PipelineRun start(Path workDir, Path output, Path dataDir, Map<String, String> env, List<String> args) throws IOException {
    List<String> command = new ArrayList<>(List.of("env", "--default-signal=INT", ProjectFiles.pipelineScript().toString()));
    command.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).redirectOutput(output.toFile());
    // Inherited settings such as PROMLEDGER_DB_URL would point the adapter elsewhere.
    pb.environment().keySet().removeIf(k -> k.startsWith("PROMLEDGER_"));
    pb.environment().putAll(env);
    List<String> ports = args.stream().filter(a -> a.matches("--.*-port=\\d+")).map(a -> a.substring(a.indexOf('=') + 1)).toList();
    PipelineRun run = new PipelineRun(pb.start(), output, dataDir, ports);
    run.remember(run.process.toHandle());
    return run;
  }

  String output() {
    try {
      return Files.readString(output);
    } catch (IOException e) {
      return "(cannot read " + output + ": " + e + ")";
    }
  }

  void awaitOutput(String text, Duration limit) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!output().contains(text)) {
      if (!process.isAlive()) {
        fail("the pipeline exited with code " + process.exitValue() + " before printing '" + text + "'");
      }
      if (System.nanoTime() > deadline) {
        fail("the pipeline did not print '" + text + "' within " + limit.toSeconds() + " s");
      }
      Thread.sleep(250);
    }
    snapshot();
  }

  /** Remembers the processes running now; call it whenever parts may have been started. */
  void snapshot() {
    process.descendants().forEach(this::remember);
    String dir = dataDir.toString();
    for (ProcessHandle p : allProcesses()) {
      String cmd = cmdline(p.pid());
      if (cmd.split(" ", 2)[0].endsWith("/postgres") && cmd.contains(" -D " + dir + "/")) {
        postmasters.add(p.pid());
        remember(p);
      }
    }
    for (ProcessHandle p : allProcesses()) {
      if (postmasters.contains(parentPid(p.pid()))) {
        remember(p);
      }
    }
  }

  int startedCount() {
    return started.size();
  }

  Set<Long> postmasterPids() {
    return Set.copyOf(postmasters);
  }

  /** Sends SIGINT to the launcher, as Ctrl-C in its terminal does. */
  void interrupt() {
    snapshot();
    Commands.Result r = Commands.run(dataDir.getParent(), Duration.ofSeconds(30), List.of("kill", "-INT", Long.toString(process.pid())));
    assertEquals(0, r.exitCode(), r.describe());
  }

  int awaitExit(Duration limit) throws InterruptedException {
    if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
      fail("the pipeline did not exit within " + limit.toSeconds() + " s of SIGINT");
    }
    return process.exitValue();
  }

  /**
   * Every process this run started that is still alive, and any other process that names its data
   * directory or one of its ports, or whose parent was one of its PostgreSQL servers.
   */
  List<String> leftovers() {
    List<String> left = new ArrayList<>();
    long self = ProcessHandle.current().pid();
    for (ProcessHandle p : started.values()) {
      if (running(p)) {
        left.add(describe(p.pid()) + " (started by this run)");
      }
    }
    for (ProcessHandle p : allProcesses()) {
      long pid = p.pid();
      if (pid == self || started.containsKey(pid) || !running(p)) {
        continue;
      }
      String cmd = cmdline(pid);
      boolean namesUs = cmd.contains(dataDir.toString()) || ports.stream().anyMatch(port -> cmd.contains("127.0.0.1:" + port));
      if (namesUs || postmasters.contains(parentPid(pid))) {
        left.add(describe(pid));
      }
    }
    return left;
  }

  /** The launcher's output and the end of each part's log, for a failure message. */
  String diagnostics() {
    StringBuilder b = new StringBuilder("\n--- output of bin/promledger-pipeline:\n").append(tail(output(), 60));
    Path logs = dataDir.resolve("logs");
    if (Files.isDirectory(logs)) {
      try (Stream<Path> files = Files.list(logs)) {
        for (Path log : files.sorted().toList()) {
          b.append("\n--- end of ").append(log).append(":\n").append(tail(Files.readString(log, StandardCharsets.UTF_8), 40));
        }
      } catch (IOException e) {
        b.append("\n(cannot read ").append(logs).append(": ").append(e).append(")");
      }
    }
    return b.toString();
  }

  /**
   * After a failure: SIGTERM to the launcher, which stops its parts in order; then SIGKILL to
   * whatever this run started that is still alive, by PID.
   */
  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      snapshot();
      process.destroy();
      process.waitFor(150, TimeUnit.SECONDS);
    }
    List<ProcessHandle> alive = started.values().stream().filter(ProcessHandle::isAlive).toList();
    alive.forEach(ProcessHandle::destroyForcibly);
    for (ProcessHandle p : alive) {
      p.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(e -> p).join();
    }
  }

  private void remember(ProcessHandle p) {
    started.putIfAbsent(p.pid(), p);
  }

  /**
   * Alive and not a zombie: a process that has exited but whose parent has not reaped it yet
   * (for a daemon such as PostgreSQL, init) is gone, though the kernel still lists it.
   */
  private static boolean running(ProcessHandle p) {
    if (!p.isAlive()) {
      return false;
    }
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(p.pid()), "stat"));
      return !stat.substring(stat.lastIndexOf(')') + 1).trim().startsWith("Z");
    } catch (IOException e) {
      return false;
    }
  }

  private static List<ProcessHandle> allProcesses() {
    try (Stream<ProcessHandle> s = ProcessHandle.allProcesses()) {
      return s.toList();
    }
  }

  /** The command line of a process, its arguments joined by spaces; empty when it is gone. */
  static String cmdline(long pid) {
    try {
      return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8).replace('\0', ' ').trim();
    } catch (IOException e) {
      return "";
    }
  }

  private static long parentPid(long pid) {
    return ProcessHandle.of(pid).flatMap(ProcessHandle::parent).map(ProcessHandle::pid).orElse(-1L);
  }

  private static String describe(long pid) {
    return "pid " + pid + ": " + Optional.of(cmdline(pid)).filter(c -> !c.isEmpty()).orElse("(no command line)");
  }

  private static String tail(String text, int lines) {
    List<String> all = text.lines().toList();
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }
}
