package io.promledger.exporter.collector.postgres;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** The columns are chosen from what the installed extension has, whatever the server version. */
class StatementStatsQueryTest {
  private static final Set<String> COMMON = Set.of("userid", "dbid", "queryid", "query", "calls", "rows",
      "shared_blks_hit", "shared_blks_read");

  @Test
  void postgres12NamesBeforeTheRename() {
    String sql = build(union(COMMON, Set.of("total_time", "blk_read_time", "blk_write_time")));
    assertTrue(sql.contains("sum(s.total_time) / 1000"), sql);
    assertTrue(sql.contains("sum(s.blk_read_time) / 1000, sum(s.blk_write_time) / 1000"), sql);
    assertFalse(sql.contains("plan_time"), sql);
  }

  @Test
  void postgres13To16ExecAndPlanTime() {
    String sql = build(union(COMMON, Set.of("total_exec_time", "total_plan_time", "blk_read_time", "blk_write_time")));
    assertTrue(sql.contains("sum(s.total_exec_time) / 1000, sum(s.total_plan_time) / 1000"), sql);
    assertTrue(sql.contains("ORDER BY sum(s.total_exec_time) DESC"), sql);
  }

  @Test
  void postgres17SharedBlockTimes() {
    String sql = build(union(COMMON, Set.of("total_exec_time", "total_plan_time", "shared_blk_read_time",
        "shared_blk_write_time", "local_blk_read_time")));
    assertTrue(sql.contains("sum(s.shared_blk_read_time) / 1000, sum(s.shared_blk_write_time) / 1000"), sql);
  }

  @Test
  void schemaQualifiedWithoutTextUnlessAsked() {
    String sql = StatementStatsQuery.build("mon\"itor", "1.9", COMMON, 7, false, 120).sql();
    assertTrue(sql.contains("FROM \"mon\"\"itor\".pg_stat_statements(false) s"), sql);
    assertTrue(sql.endsWith("LIMIT 7"), sql);
    assertTrue(StatementStatsQuery.build("public", "1.9", COMMON, 7, true, 120).sql().contains("left(min(s.query), 480)"));
  }

  private static String build(Set<String> columns) {
    return StatementStatsQuery.build("public", "1.10", columns, 100, false, 120).sql();
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    var s = new java.util.HashSet<>(a);
    s.addAll(b);
    return s;
  }
}
