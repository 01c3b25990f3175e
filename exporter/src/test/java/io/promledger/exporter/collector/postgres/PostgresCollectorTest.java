package io.promledger.exporter.collector.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promledger.embedded.EmbeddedDatabase;
import io.promledger.exporter.Promtool;
import io.promledger.exporter.Scrapes;
import io.promledger.exporter.collector.ScrapeTimeout;
import io.promledger.http.instrumentation.Exposition;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PostgresCollectorTest {
  private static final String LOOKUP = "SELECT note FROM acct.invoices WHERE id = $1";
  private static final String TABLE = "datname=\"postgres\",relname=\"invoices\",schemaname=\"acct\"";

  @TempDir static Path dir;
  static EmbeddedDatabase db;

  @BeforeAll
  static void start() throws SQLException {
    db = EmbeddedDatabase.start(dir);
    try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
      s.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
      s.execute("CREATE DATABASE activity_test");
      s.execute("CREATE DATABASE no_extension");
      s.execute("CREATE DATABASE tenant_a");
      s.execute("CREATE DATABASE tenant_b");
    }
    for (String tenant : new String[] {"tenant_a", "tenant_b"}) {
      try (Connection c = connect(tenant); Statement s = c.createStatement()) {
        s.execute("CREATE TABLE " + tenant + "_orders (id bigint PRIMARY KEY)");
      }
    }
    try (Connection c = connect("no_extension"); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE plain (id int)");
    }
  }

  @AfterAll
  static void stop() {
    db.close();
  }

  @Test
  void reportsExactFiguresForStatementsTablesAndIndexes() throws Exception {
    try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA acct");
      s.execute("CREATE TABLE acct.invoices (id int PRIMARY KEY, note text)");
      s.execute("CREATE INDEX invoices_note_unused ON acct.invoices (note)");
      s.execute("INSERT INTO acct.invoices SELECT g, 'note ' || g FROM generate_series(1, 10) g");
      s.execute("SELECT pg_stat_statements_reset()");
      // Building each of the two indexes scanned the (empty) table once; then three counts and a
      // delete, each one sequential scan over 10 rows.
      s.execute("SET enable_indexscan = off; SET enable_bitmapscan = off; SET enable_indexonlyscan = off");
      for (int i = 0; i < 3; i++) {
        s.execute("SELECT count(*) FROM acct.invoices");
      }
      s.execute("DELETE FROM acct.invoices WHERE id > 8");
      // Seven lookups through the primary key.
      s.execute("SET enable_seqscan = off; SET enable_indexscan = on");
      try (PreparedStatement ps = c.prepareStatement("SELECT note FROM acct.invoices WHERE id = ?")) {
        for (int id = 1; id <= 7; id++) {
          ps.setInt(1, id);
          try (ResultSet rs = ps.executeQuery()) {
            assertTrue(rs.next());
          }
        }
      }
    }
    String queryid = queryid(LOOKUP);

    try (PostgresCollector collector = new PostgresCollector(options(db.jdbcUrl(), null, null))) {
      // Table statistics reach other backends through the statistics collector, within about a second.
      Exposition m = scrapeUntil(collector, e -> e.value("pg_stat_user_tables_seq_scan{" + TABLE + "}").orElse(0) == 6
          && e.value("pg_stat_user_tables_idx_scan{" + TABLE + "}").orElse(0) == 7);

      assertEquals(1, m.get("pg_up"));
      assertEquals(0, m.get("pg_exporter_last_scrape_error"));
      assertEquals(1, m.get("promledger_exporter_collector_up{collector=\"postgres\"}"));
      assertEquals(1, m.get("promledger_exporter_collector_up{collector=\"pg_stat_statements\"}"));
      assertEquals(100, m.get("pg_settings_max_connections"));

      assertEquals(6, m.get("pg_stat_user_tables_seq_scan{" + TABLE + "}"));
      assertEquals(40, m.get("pg_stat_user_tables_seq_tup_read{" + TABLE + "}"));
      assertEquals(7, m.get("pg_stat_user_tables_idx_scan{" + TABLE + "}"));
      assertEquals(7, m.get("pg_stat_user_tables_idx_tup_fetch{" + TABLE + "}"));
      assertEquals(8, m.get("pg_stat_user_tables_n_live_tup{" + TABLE + "}"));
      assertEquals(2, m.get("pg_stat_user_tables_n_dead_tup{" + TABLE + "}"));
      // A fresh B-tree of a few rows is a metapage and one leaf page.
      assertEquals(2 * 16384, m.get("pg_stat_user_tables_index_size_bytes{" + TABLE + "}"));
      String pkey = TABLE.replace("relname", "indexrelname=\"invoices_pkey\",relname");
      String unused = TABLE.replace("relname", "indexrelname=\"invoices_note_unused\",relname");
      assertEquals(7, m.get("pg_stat_user_indexes_idx_scan_total{" + pkey + "}"));
      assertEquals(0, m.get("pg_stat_user_indexes_idx_scan_total{" + unused + "}"));
      assertEquals(16384, m.get("pg_stat_user_indexes_size_bytes{" + unused + "}"));

      String stmt = "datname=\"postgres\",queryid=\"" + queryid + "\",user=\"postgres\"";
      assertEquals(7, m.get("pg_stat_statements_calls_total{" + stmt + "}"));
      assertEquals(7, m.get("pg_stat_statements_rows_total{" + stmt + "}"));
      assertTrue(m.get("pg_stat_statements_seconds_total{" + stmt + "}") > 0);
      assertEquals(0, m.get("pg_stat_statements_shared_blks_read_total{" + stmt + "}"));
      assertTrue(m.get("pg_stat_statements_shared_blks_hit_total{" + stmt + "}") >= 7);
      assertFalse(m.text().contains("pg_stat_statements_query_id"), "query text is opt-in");

      Promtool.checkMetrics(m.text());
    }
  }

  @Test
  void queryTextIsAnOptInSeriesNormalisedAndTruncated() throws Exception {
    try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
      s.execute("SELECT   42 AS answer,\n\t'padding padding padding' AS filler");
    }
    String queryid = queryid("SELECT   $1 AS answer,\n\t$2 AS filler");
    PostgresOptions o = options(db.jdbcUrl(), null, null);
    PostgresOptions withText = new PostgresOptions(o.url(), null, null, o.statementTimeout(), o.collectionTimeout(),
        true, 5000, true, 20, null, null);
    try (PostgresCollector collector = new PostgresCollector(withText)) {
      Exposition m = Scrapes.scrape(collector);
      assertEquals(1, m.get("pg_stat_statements_query_id{query=\"SELECT $1 AS answer,\",queryid=\"" + queryid + "\"}"));
    }
  }

  @Test
  void aRowWithANullLabelIsSkippedAndCountedNotFatal() throws Exception {
    java.util.List<String> read = new java.util.ArrayList<>();
    try (Connection c = connect("postgres")) {
      int bad = Rows.each(c, 5, "SELECT * FROM (VALUES ('a', 1), (NULL, 2), ('c', 3)) v(label, n) ORDER BY n",
          rs -> read.add(Rows.text(rs, 1) + "=" + Rows.number(rs, 2)));
      assertEquals(1, bad);
    }
    assertEquals(java.util.List.of("a=1.0", "c=3.0"), read);
  }

  @Test
  void countsConnectionsByDatabaseAndState() throws Exception {
    try (Connection idle1 = connect("activity_test");
        Connection idle2 = connect("activity_test");
        Connection inTx = connect("activity_test");
        PostgresCollector collector = new PostgresCollector(options(db.jdbcUrl(), null, null))) {
      inTx.setAutoCommit(false);
      inTx.createStatement().execute("SELECT 1");
      Exposition m = Scrapes.scrape(collector);
      assertEquals(2, m.get("pg_stat_activity_count{datname=\"activity_test\",state=\"idle\"}"));
      assertEquals(1, m.get("pg_stat_activity_count{datname=\"activity_test\",state=\"idle in transaction\"}"));
      assertEquals(0, m.get("pg_stat_activity_count{datname=\"activity_test\",state=\"active\"}"));
      assertTrue(m.get("pg_database_size_bytes{datname=\"activity_test\"}") > 1_000_000);
      inTx.rollback();
    }
  }

  @Test
  void withoutTheExtensionTheOtherMetricsStillCome() {
    String url = Connections.urlForDatabase(db.jdbcUrl(), "no_extension");
    try (PostgresCollector collector = new PostgresCollector(options(url, null, null))) {
      Exposition m = Scrapes.scrape(collector);
      assertEquals(1, m.get("pg_up"));
      assertEquals(0, m.get("promledger_exporter_collector_up{collector=\"pg_stat_statements\"}"));
      assertEquals(1, m.get("promledger_exporter_collector_up{collector=\"postgres\"}"));
      assertEquals(0, m.get("pg_stat_user_tables_seq_scan{datname=\"no_extension\",relname=\"plain\",schemaname=\"public\"}"));
      assertTrue(m.withPrefix("pg_stat_statements_calls_total").isEmpty());
    }
  }

  @Test
  void coversOtherDatabasesThroughIncludeAndExclude() {
    try (PostgresCollector collector =
        new PostgresCollector(options(db.jdbcUrl(), Pattern.compile("tenant_.*"), Pattern.compile("tenant_b")))) {
      Exposition m = Scrapes.scrape(collector);
      assertEquals(0, m.get(
          "pg_stat_user_tables_n_live_tup{datname=\"tenant_a\",relname=\"tenant_a_orders\",schemaname=\"public\"}"));
      assertTrue(m.withPrefix("pg_stat_user_tables_n_live_tup{datname=\"tenant_b\"").isEmpty(), m.text());
      assertEquals(0, m.get("pg_exporter_last_scrape_error"));
    }
  }

  @Test
  void stopsWithinTheTimeoutPrometheusSends() {
    try (PostgresCollector collector = new PostgresCollector(options(db.jdbcUrl(), Pattern.compile("tenant_.*"), null))) {
      Exposition[] m = new Exposition[1];
      // 1 ms: the server figures are read, then the budget is gone before the databases' tables.
      ScrapeTimeout.within("0.001", () -> m[0] = Scrapes.scrape(collector));
      assertEquals(1, m[0].get("pg_up"));
      assertEquals(1, m[0].get("pg_exporter_last_scrape_error"));
      assertEquals(100, m[0].get("pg_settings_max_connections"));
      assertTrue(m[0].withPrefix("pg_stat_user_tables_n_live_tup{datname=\"tenant_a\"").isEmpty());
      // Without the header the configured collection timeout applies and everything comes.
      Exposition full = Scrapes.scrape(collector);
      assertEquals(0, full.get("pg_exporter_last_scrape_error"));
      assertEquals(0, full.get(
          "pg_stat_user_tables_n_live_tup{datname=\"tenant_a\",relname=\"tenant_a_orders\",schemaname=\"public\"}"));
    }
  }

  @Test
  void noServerMeansPgUpZeroAndTheScrapeStillAnswers() {
    PostgresOptions none = withUrl(options(db.jdbcUrl(), null, null), Optional.empty());
    try (PostgresCollector collector = new PostgresCollector(none)) {
      Exposition m = Scrapes.scrape(collector);
      assertEquals(0, m.get("pg_up"));
      assertEquals(1, m.get("pg_exporter_last_scrape_error"));
      assertEquals(0, m.get("promledger_exporter_collector_up{collector=\"postgres\"}"));
      assertEquals(1, m.get("pg_exporter_scrapes_total"));
    }
    PostgresOptions closed = withUrl(options(db.jdbcUrl(), null, null), Optional.of("jdbc:postgresql://127.0.0.1:1/postgres"));
    try (PostgresCollector collector = new PostgresCollector(closed)) {
      Exposition m = Scrapes.scrape(collector);
      assertEquals(0, m.get("pg_up"));
      assertEquals(1, m.get("pg_exporter_last_scrape_error"));
    }
  }

  @Test
  void aServerStoppedAfterConnectingFailsEveryScrapeUntilItIsBack(@TempDir Path other) {
    EmbeddedDatabase gone = EmbeddedDatabase.start(other);
    boolean stopped = false;
    PostgresOptions fixed = withUrl(options(db.jdbcUrl(), null, null), Optional.of(gone.jdbcUrl()));
    try (PostgresCollector collector = new PostgresCollector(fixed)) {
      Exposition connected = Scrapes.scrape(collector);
      assertEquals(1, connected.get("pg_up"));
      assertEquals(0, connected.get("pg_exporter_last_scrape_error"));
      gone.close();
      stopped = true;
      // The first scrape loses the kept connection, the next ones cannot open one.
      for (int i = 0; i < 3; i++) {
        Exposition m = Scrapes.scrape(collector);
        assertEquals(0, m.get("pg_up"), "scrape " + i);
        assertEquals(1, m.get("pg_exporter_last_scrape_error"), "scrape " + i);
        assertEquals(0, m.get("promledger_exporter_collector_up{collector=\"postgres\"}"), "scrape " + i);
        assertEquals(i + 2, m.get("pg_exporter_scrapes_total"), "scrape " + i);
      }
    } finally {
      if (!stopped) {
        gone.close();
      }
    }
  }

  @Test
  void watchesTheEmbeddedDatabaseAcrossAStopAndAStart(@TempDir Path other) {
    PostgresOptions watching = withUrl(options(db.jdbcUrl(), null, null), Optional.empty());
    watching = new PostgresOptions(() -> EmbeddedDatabase.runningUrl(other), null, null, watching.statementTimeout(),
        watching.collectionTimeout(), false, 100, false, 120, null, null);
    try (PostgresCollector collector = new PostgresCollector(watching)) {
      assertEquals(0, Scrapes.scrape(collector).get("pg_up"));
      try (EmbeddedDatabase first = EmbeddedDatabase.start(other)) {
        Exposition up = Scrapes.scrape(collector);
        assertEquals(1, up.get("pg_up"));
        assertEquals(0, up.get("pg_exporter_last_scrape_error"));
      }
      Exposition down = Scrapes.scrape(collector);
      assertEquals(0, down.get("pg_up"));
      assertEquals(1, down.get("pg_exporter_last_scrape_error"));
      try (EmbeddedDatabase second = EmbeddedDatabase.start(other)) {
        Exposition m = Scrapes.scrape(collector);
        assertEquals(1, m.get("pg_up"));
        assertEquals(0, m.get("pg_exporter_last_scrape_error"));
        assertEquals(4, m.get("pg_exporter_scrapes_total"));
      }
    }
  }

  @Test
  void aLockedTableFailsItsPartWithinTheTimeoutAndPilesUpNothing() throws Exception {
    try (Connection c = connect("tenant_a"); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE locked_one (id int)");
    }
    String url = Connections.urlForDatabase(db.jdbcUrl(), "tenant_a");
    try (Connection locker = connect("tenant_a"); PostgresCollector collector = new PostgresCollector(options(url, null, null))) {
      locker.setAutoCommit(false);
      locker.createStatement().execute("LOCK TABLE locked_one IN ACCESS EXCLUSIVE MODE");
      for (int i = 0; i < 3; i++) {
        long t = System.nanoTime();
        Exposition m = Scrapes.scrape(collector);
        double seconds = (System.nanoTime() - t) / 1e9;
        assertTrue(seconds < 5, "scrape took " + seconds + " s");
        assertEquals(1, m.get("pg_up"));
        assertEquals(1, m.get("pg_exporter_last_scrape_error"));
        assertEquals(i + 1, m.get("promledger_exporter_collector_errors_total{collector=\"postgres\"}"));
        assertEquals(1, m.get("pg_stat_activity_count{datname=\"tenant_a\",state=\"idle in transaction\"}"));
      }
      assertEquals(1, exporterBackends());
      locker.rollback();
    }
  }

  @Test
  void theDbMetricsViewSummarisesStatements() throws Exception {
    String sql;
    try (var in = PostgresCollectorTest.class.getResourceAsStream("/monitoring/db_metrics.sql")) {
      sql = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
    try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
      s.execute(sql);
      s.execute("CREATE TABLE dbm (v int)");
      s.execute("INSERT INTO dbm SELECT generate_series(1, 5)");
      try (PreparedStatement ps = c.prepareStatement("SELECT v FROM dbm WHERE v <= ?")) {
        for (int i = 0; i < 4; i++) {
          ps.setInt(1, 3);
          ps.executeQuery().close();
        }
      }
      try (ResultSet rs = s.executeQuery(
          "SELECT m.calls, m.rows, m.avg_time_ms, p.total_exec_time / 4, m.total_blocks, p.shared_blks_hit + p.shared_blks_read"
              + " FROM db_metrics m JOIN pg_stat_statements p USING (queryid, query)"
              + " WHERE m.query = 'SELECT v FROM dbm WHERE v <= $1'")) {
        assertTrue(rs.next());
        assertEquals(4, rs.getLong(1));
        assertEquals(12, rs.getLong(2));
        assertEquals(rs.getDouble(4), rs.getDouble(3), 1e-9);
        assertEquals(rs.getLong(6), rs.getLong(5));
        assertTrue(rs.getLong(5) >= 4, "each call reads the table's one page");
        assertFalse(rs.next());
      }
    }
  }

  private static long exporterBackends() throws SQLException {
    try (Connection c = connect("postgres"); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'promledger-exporter'")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static Exposition scrapeUntil(PostgresCollector collector, Predicate<Exposition> done) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    Exposition m = Scrapes.scrape(collector);
    while (!done.test(m) && System.nanoTime() < deadline) {
      Thread.sleep(200);
      m = Scrapes.scrape(collector);
    }
    return m;
  }

  private static String queryid(String query) throws SQLException {
    try (Connection c = connect("postgres");
        PreparedStatement ps = c.prepareStatement("SELECT queryid::text FROM pg_stat_statements WHERE query = ?")) {
      ps.setString(1, query);
      try (ResultSet rs = ps.executeQuery()) {
        assertTrue(rs.next(), "pg_stat_statements has no entry for " + query);
        return rs.getString(1);
      }
    }
  }

  static PostgresOptions options(String url, Pattern include, Pattern exclude) {
    return new PostgresOptions(() -> Optional.of(url), null, null, Duration.ofSeconds(1), Duration.ofSeconds(8),
        true, 100, false, 120, include, exclude);
  }

  private static PostgresOptions withUrl(PostgresOptions o, Optional<String> url) {
    return new PostgresOptions(() -> url, o.user(), o.password(), o.statementTimeout(), o.collectionTimeout(),
        o.statementsEnabled(), o.statementsLimit(), o.statementsIncludeQuery(), o.statementsQueryLength(),
        o.databaseInclude(), o.databaseExclude());
  }

  private static Connection connect(String database) throws SQLException {
    return DriverManager.getConnection(Connections.urlForDatabase(db.jdbcUrl(), database));
  }
}
