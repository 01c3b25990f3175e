package io.promledger.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** Runs {@code promtool check metrics} on an exposition; the binary comes with Debian's prometheus package. */
public final class Promtool {
  /**
   * The lint findings accepted: names kept as postgres_exporter ({@code pg_stat_activity_count})
   * and cloudwatch_exporter ({@code aws_..._sum} for the Sum statistic) write them, because the
   * dashboards and alert rules written for those exporters depend on them.
   */
  static final java.util.regex.Pattern COMPATIBLE_NAME = java.util.regex.Pattern.compile(
      "(pg_stat_activity_count|aws_\\w+_sum|aws_\\w+_sample_count) non-histogram and non-summary metrics should not have"
          + " \"_(count|sum)\" suffix");

  private Promtool() {}

  /** Finds a binary on PATH, failing the test with the install command when it is missing. */
  public static Path binary(String name, String debianPackage) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
      Path p = Path.of(dir, name);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return fail(name + " is not installed; run: apt-get install -y " + debianPackage);
  }

  public static void checkMetrics(String exposition) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(binary("promtool", "prometheus").toString(), "check", "metrics")
        .redirectErrorStream(true)
        .start();
    try (var in = p.getOutputStream()) {
      in.write(exposition.getBytes(StandardCharsets.UTF_8));
    }
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("promtool check metrics did not finish in 60 s");
    }
    String problems = output.lines().filter(l -> !l.isBlank() && !COMPATIBLE_NAME.matcher(l).matches()).collect(Collectors.joining("\n"));
    assertEquals("", problems, "promtool check metrics found problems");
    // Exit code 3 is promtool's "lint problems"; 1 would mean it could not parse the input at all.
    assertTrue(p.exitValue() == 0 || (p.exitValue() == 3 && problems.isEmpty()),
        "promtool check metrics exited " + p.exitValue() + ": " + output);
  }
}
