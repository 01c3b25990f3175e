package io.promledger.prometheus;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs external programs with a time limit and collects their combined output. */
final class Commands {
  private Commands() {}

  /** What a finished program printed and how it ended. */
  record Result(int exitCode, String output) {
    String describe() {
      return "exit code " + exitCode + ", output:\n" + output;
    }
  }

  /** Finds a program on PATH, failing the test with the package to install when it is missing. */
  static String binary(String name, String debianPackage) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
        return Path.of(dir, name).toString();
      }
    }
    return fail(name + " is not installed; run: sudo apt-get install -y " + debianPackage);
  }

  static String promtool() {
    return binary("promtool", "prometheus");
  }

  static Result run(Path workingDir, Duration limit, List<String> command) {
    return run(workingDir, limit, Map.of(), command);
  }

  static Result run(Path workingDir, Duration limit, Map<String, String> env, List<String> command) {
    ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command)).directory(workingDir.toFile()).redirectErrorStream(true);
    pb.environment().putAll(env);
    try {
      Process p = pb.start();
      p.getOutputStream().close();
      // Read on another thread so that a program that hangs cannot block the time limit.
      var output = new CompletableFuture<String>();
      Thread reader =
          new Thread(
              () -> {
                try {
                  output.complete(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException e) {
                  output.completeExceptionally(e);
                }
              });
      reader.start();
      if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly().waitFor();
        return fail(String.join(" ", command) + " did not finish within " + limit.toSeconds() + " s");
      }
      return new Result(p.exitValue(), output.get(10, TimeUnit.SECONDS));
    } catch (Exception e) {
      return fail("cannot run " + String.join(" ", command) + ": " + e, e);
    }
  }
}
