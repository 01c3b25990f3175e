package io.promledger.prometheus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What promtool does not check: every alert is documented, has a runbook section, and is shown
 * both firing and silent by the rule unit tests; every recording rule is named by convention and
 * tested.
 */
class RulesTest {
  private static final Pattern RECORDING_RULE_NAME = Pattern.compile("[a-z_]+:[a-zA-Z0-9_]+(:[a-z0-9_]+)?");
  private static final Pattern RUNBOOK_SECTION = Pattern.compile("(?m)^## (Promledger\\w+)$");

  @Test
  void everyAlertHasSeveritySummaryDescriptionAndItsRunbookSection() {
    Set<String> sections = runbookSections();
    List<String> problems = new ArrayList<>();
    for (JsonNode rule : alerts()) {
      String name = rule.path("alert").asText();
      String severity = rule.path("labels").path("severity").asText();
      if (!Set.of("warning", "critical").contains(severity)) {
        problems.add(name + ": severity must be warning or critical, is '" + severity + "'");
      }
      JsonNode annotations = rule.path("annotations");
      for (String key : List.of("summary", "description")) {
        if (annotations.path(key).asText().isBlank()) {
          problems.add(name + ": no " + key + " annotation");
        }
      }
      String runbook = "docs/alerts.md#" + name.toLowerCase(Locale.ROOT);
      if (!runbook.equals(annotations.path("runbook_url").asText())) {
        problems.add(name + ": runbook_url must be " + runbook + ", is '" + annotations.path("runbook_url").asText() + "'");
      }
      if (!sections.contains(name)) {
        problems.add(name + ": docs/alerts.md has no section '## " + name + "'");
      }
    }
    assertEquals(List.of(), problems);
  }

  @Test
  void runbookHasNoSectionForAnAlertThatDoesNotExist() {
    Set<String> names = new TreeSet<>();
    alerts().forEach(a -> names.add(a.path("alert").asText()));
    Set<String> stale = new TreeSet<>(runbookSections());
    stale.removeAll(names);
    assertEquals(Set.of(), stale);
  }

  @Test
  void everyAlertIsTestedFiringAndSilent() {
    Map<String, boolean[]> seen = new LinkedHashMap<>();
    alerts().forEach(a -> seen.put(a.path("alert").asText(), new boolean[2]));
    for (Path file : ProjectFiles.ruleTestFiles()) {
      for (JsonNode test : ProjectFiles.yaml(file).path("tests")) {
        for (JsonNode check : test.path("alert_rule_test")) {
          boolean[] flags = seen.get(check.path("alertname").asText());
          assertTrue(flags != null, file.getFileName() + " tests an alert that does not exist: " + check.path("alertname"));
          flags[check.path("exp_alerts").isEmpty() ? 1 : 0] = true;
        }
      }
    }
    List<String> missing = new ArrayList<>();
    seen.forEach(
        (name, flags) -> {
          if (!flags[0]) {
            missing.add(name + " is never tested firing");
          }
          if (!flags[1]) {
            missing.add(name + " is never tested silent");
          }
        });
    assertEquals(List.of(), missing);
    assertEquals(26, seen.size(), "alerts: " + seen.keySet());
  }

  @Test
  void everyRecordingRuleIsNamedByConventionAndTested() {
    Set<String> tested = new TreeSet<>();
    Pattern leadingName = Pattern.compile("^\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)");
    for (Path file : ProjectFiles.ruleTestFiles()) {
      for (JsonNode test : ProjectFiles.yaml(file).path("tests")) {
        for (JsonNode check : test.path("promql_expr_test")) {
          Matcher m = leadingName.matcher(check.path("expr").asText());
          if (m.find() && !check.path("exp_samples").isEmpty()) {
            tested.add(m.group(1));
          }
        }
      }
    }
    List<String> problems = new ArrayList<>();
    for (Path file : ProjectFiles.ruleFiles()) {
      for (JsonNode group : ProjectFiles.yaml(file).path("groups")) {
        for (JsonNode rule : group.path("rules")) {
          if (!rule.has("record")) {
            continue;
          }
          String name = rule.path("record").asText();
          if (!RECORDING_RULE_NAME.matcher(name).matches()) {
            problems.add(name + " is not named level:metric:operations");
          }
          if (!tested.contains(name)) {
            problems.add(name + " has no promql_expr_test with expected samples");
          }
        }
      }
    }
    assertEquals(List.of(), problems);
  }

  @Test
  void alertsAreOnlyInTheAlertFileAndRecordingRulesOnlyOutsideIt() {
    for (Path file : ProjectFiles.ruleFiles()) {
      boolean alertFile = file.getFileName().toString().equals("alerts.rules.yml");
      for (JsonNode group : ProjectFiles.yaml(file).path("groups")) {
        for (JsonNode rule : group.path("rules")) {
          assertEquals(alertFile, rule.has("alert"), file.getFileName() + ": " + rule);
        }
      }
    }
    assertFalse(alerts().isEmpty());
  }

  private static List<JsonNode> alerts() {
    List<JsonNode> alerts = new ArrayList<>();
    for (JsonNode group : ProjectFiles.yaml(ProjectFiles.prometheusDir().resolve("rules/alerts.rules.yml")).path("groups")) {
      group.path("rules").forEach(r -> {
        if (r.has("alert")) {
          alerts.add(r);
        }
      });
    }
    return alerts;
  }

  private static Set<String> runbookSections() {
    Matcher m = RUNBOOK_SECTION.matcher(ProjectFiles.read(ProjectFiles.root().resolve("docs/alerts.md")));
    Set<String> sections = new TreeSet<>();
    while (m.find()) {
      sections.add(m.group(1));
    }
    return sections;
  }
}
