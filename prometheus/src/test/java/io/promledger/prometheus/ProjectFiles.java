package io.promledger.prometheus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Paths of the files under test and a YAML reader for them. */
final class ProjectFiles {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private ProjectFiles() {}

  /** The project root, set by the build; the module's parent when run from the module directory. */
  static Path root() {
    String configured = System.getProperty("promledger.root");
    Path root = configured != null ? Path.of(configured) : Path.of("..");
    return root.toAbsolutePath().normalize();
  }

  static Path prometheusDir() {
    return root().resolve("prometheus");
  }

  static Path pipelineScript() {
    return root().resolve("bin/promledger-pipeline");
  }

  static JsonNode yaml(Path file) {
    try {
      return YAML.readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /** The files in {@code dir} whose names end with {@code suffix}, sorted. */
  static List<Path> files(Path dir, String suffix) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    }
  }

  static List<Path> ruleFiles() {
    return files(prometheusDir().resolve("rules"), ".yml");
  }

  static List<Path> ruleTestFiles() {
    return files(prometheusDir().resolve("tests"), ".test.yml");
  }

  static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }
}
