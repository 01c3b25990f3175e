package io.promledger.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** CPU time of processes from /proc, in seconds (Linux). */
public final class ProcessCpu {
  /** Clock ticks per second of /proc/PID/stat on Linux. */
  private static final double TICKS = 100.0;

  private ProcessCpu() {}

  /** User plus system time of one process. */
  public static double of(long pid) throws IOException {
    String[] f = fields(pid);
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS;
  }

  /**
   * A PostgreSQL server's CPU: the postmaster, its live children, and the children it has already
   * reaped (a backend that served a connect-per-scrape exporter and exited).
   */
  public static double ofServer(long postmasterPid) throws IOException {
    String[] p = fields(postmasterPid);
    double total = (Long.parseLong(p[11]) + Long.parseLong(p[12]) + Long.parseLong(p[13]) + Long.parseLong(p[14])) / TICKS;
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path proc : (Iterable<Path>) procs::iterator) {
        String name = proc.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)) {
          continue;
        }
        try {
          String[] f = fields(Long.parseLong(name));
          if (Long.parseLong(f[1]) == postmasterPid) {
            total += (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS;
          }
        } catch (IOException | RuntimeException gone) {
          // the process ended while we looked
        }
      }
    }
    return total;
  }

  /** Fields of /proc/PID/stat after the command name: [0] is the state, [1] the parent pid, [11] utime. */
  private static String[] fields(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
  }
}
