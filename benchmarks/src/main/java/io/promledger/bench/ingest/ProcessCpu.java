package io.promledger.bench.ingest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** CPU seconds used by a process (and, for PostgreSQL, its live backends), read from /proc. */
final class ProcessCpu {
  private static final double TICKS_PER_SECOND = 100.0; // USER_HZ on Linux

  private ProcessCpu() {}

  /** utime + stime (+ reaped children) of {@code pid}, in seconds. */
  static double of(long pid, boolean withReapedChildren) {
    String[] f = stat(pid);
    if (f == null) {
      return 0;
    }
    double t = Long.parseLong(f[13]) + Long.parseLong(f[14]);
    if (withReapedChildren) {
      t += Long.parseLong(f[15]) + Long.parseLong(f[16]);
    }
    return t / TICKS_PER_SECOND;
  }

  /** The postmaster, every live child, and every child that has exited. */
  static double ofTree(long rootPid) {
    double total = of(rootPid, true);
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : (Iterable<Path>) procs::iterator) {
        String name = p.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)) {
          continue;
        }
        String[] f = stat(Long.parseLong(name));
        if (f != null && Long.parseLong(f[3]) == rootPid) {
          total += of(Long.parseLong(name), true);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return total;
  }

  /** Fields of /proc/pid/stat, with the command name (which may hold spaces) skipped. */
  private static String[] stat(long pid) {
    try {
      String s = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String afterName = s.substring(s.lastIndexOf(')') + 2);
      String[] rest = afterName.split(" ");
      String[] f = new String[rest.length + 2];
      f[0] = Long.toString(pid);
      f[1] = "";
      System.arraycopy(rest, 0, f, 2, rest.length);
      return f;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
