package io.promledger.prometheus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The configuration and rules as Prometheus's own checker and rule unit-test runner see them. */
class PromtoolTest {
  private static final Duration LIMIT = Duration.ofMinutes(2);

  @Test
  void shippedConfigurationIsValidAndFindsEveryRuleFile() {
    Commands.Result r = promtool("check", "config", "prometheus.yml");
    assertEquals(0, r.exitCode(), r.describe());
    assertTrue(r.output().contains("SUCCESS: prometheus.yml is valid prometheus config file syntax"), r.describe());
    // promtool checks the rule files the config refers to; every file under rules/ must be one.
    int ruleFiles = ProjectFiles.ruleFiles().size();
    assertTrue(ruleFiles >= 3, "rule files: " + ProjectFiles.ruleFiles());
    assertTrue(r.output().contains("SUCCESS: " + ruleFiles + " rule files found"), r.describe());
  }

  @Test
  void billableOnlyExampleIsValid() {
    Commands.Result r = promtool("check", "config", "examples/remote-write-billable-only.yml");
    assertEquals(0, r.exitCode(), r.describe());
    assertTrue(r.output().contains("SUCCESS"), r.describe());
  }

  @Test
  void everyRuleFileIsValidAndHoldsTheRulesItDeclares() {
    Commands.Result r = promtoolOnFiles(List.of("check", "rules"), "rules/", ProjectFiles.ruleFiles());
    for (Path file : ProjectFiles.ruleFiles()) {
      int rules = 0;
      for (JsonNode group : ProjectFiles.yaml(file).path("groups")) {
        rules += group.path("rules").size();
      }
      assertTrue(
          r.output().contains("Checking rules/" + file.getFileName() + "\n  SUCCESS: " + rules + " rules found"),
          file.getFileName() + " should hold " + rules + " rules; " + r.describe());
    }
  }

  @Test
  void ruleUnitTestsPass() {
    Commands.Result r = promtoolOnFiles(List.of("test", "rules"), "tests/", ProjectFiles.ruleTestFiles());
    assertFalse(r.output().contains("FAILED"), r.describe());
    for (Path file : ProjectFiles.ruleTestFiles()) {
      assertTrue(
          r.output().contains("Unit Testing:  tests/" + file.getFileName() + "\n  SUCCESS"),
          file.getFileName() + " did not pass; " + r.describe());
    }
  }

  /** Runs promtool on every file of a directory of the module and asserts it succeeded. */
  private static Commands.Result promtoolOnFiles(List<String> subcommand, String dir, List<Path> files) {
    List<String> args = new ArrayList<>(subcommand);
    files.forEach(f -> args.add(dir + f.getFileName()));
    Commands.Result r = promtool(args.toArray(String[]::new));
    assertEquals(0, r.exitCode(), r.describe());
    return r;
  }

  private static Commands.Result promtool(String... args) {
    List<String> command = new ArrayList<>(List.of(Commands.promtool()));
    command.addAll(List.of(args));
    return Commands.run(ProjectFiles.prometheusDir(), LIMIT, command);
  }
}
