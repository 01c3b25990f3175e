package io.promledger.bench;

import io.promledger.bench.ingest.IngestBenchmark;
import java.util.Arrays;

/**
 * {@code java -jar benchmarks/target/promledger-benchmarks.jar <benchmark> [flags]}. JMH
 * micro-benchmarks run with {@code java -cp ... org.openjdk.jmh.Main}.
 */
public final class Benchmarks {
  private Benchmarks() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0 || args[0].equals("--help")) {
      System.out.println("usage: java -jar promledger-benchmarks.jar ingest [--series=10000] "
          + "[--samples-per-request=2000] [--connections=2] [--rounds=8000] [--warmup=90s] [--duration=60s] [--runs=1]");
      System.out.println("       java -jar promledger-benchmarks.jar exporter   (our exporter vs postgres_exporter)");
      System.out.println("       java -jar promledger-benchmarks.jar rollup     (rollup time vs load time, report time vs data size)");
      System.out.println("       java -cp promledger-benchmarks.jar org.openjdk.jmh.Main DecodeBenchmark");
      return;
    }
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    switch (args[0]) {
      case "ingest" -> IngestBenchmark.main(rest);
      case "exporter" -> io.promledger.bench.exporter.ExporterScrapeBenchmark.main(rest);
      case "rollup" -> io.promledger.bench.rollup.RollupBenchmark.main(rest);
      default -> {
        System.err.println("unknown benchmark '" + args[0] + "'; run with --help");
        System.exit(2);
      }
    }
  }
}
