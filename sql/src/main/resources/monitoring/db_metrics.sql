-- db_metrics: one row per statement tracked by pg_stat_statements, with the figures a person asks
-- for first: how often it ran, how long it takes on average, how many rows, how many blocks.
--
-- Run it once in each database where pg_stat_statements is created (psql -f db_metrics.sql); run
-- it again after upgrading PostgreSQL or the extension. It is not a migration of the promledger
-- schema: it belongs to whoever monitors the server.
--
-- Works on PostgreSQL 12 to 17. The column names are read from the installed extension rather than
-- guessed from the server version: PostgreSQL 13 renamed total_time to total_exec_time and added
-- planning time; the extension version can lag behind the server after pg_upgrade.
--
--   queryid         the statement's fingerprint, as the exporter's queryid label
--   query           the normalised text
--   calls           times executed
--   avg_time_ms     execution time per call, in milliseconds
--   total_time_ms   execution time of all calls, in milliseconds
--   rows            rows retrieved or affected, all calls
--   total_blocks    shared blocks touched (found in the buffer cache plus read), all calls
--   hit_ratio       share of those blocks found in the cache; NULL when none were touched
DO $db_metrics$
DECLARE
  ext_schema text;
  exec_time text;
BEGIN
  SELECT n.nspname INTO ext_schema
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
   WHERE e.extname = 'pg_stat_statements';
  IF ext_schema IS NULL THEN
    RAISE EXCEPTION 'pg_stat_statements is not created in database %', current_database()
      USING HINT = 'Add pg_stat_statements to shared_preload_libraries, restart, then CREATE EXTENSION pg_stat_statements.';
  END IF;

  SELECT CASE WHEN EXISTS (
           SELECT 1 FROM pg_attribute
            WHERE attrelid = format('%I.pg_stat_statements', ext_schema)::regclass
              AND attname = 'total_exec_time' AND NOT attisdropped)
         THEN 'total_exec_time' ELSE 'total_time' END
    INTO exec_time;

  EXECUTE format($view$
    CREATE OR REPLACE VIEW db_metrics AS
    SELECT s.queryid,
           s.query,
           s.calls,
           s.%1$I / NULLIF(s.calls, 0)                      AS avg_time_ms,
           s.%1$I                                           AS total_time_ms,
           s.rows,
           s.shared_blks_hit + s.shared_blks_read           AS total_blocks,
           s.shared_blks_hit::float8
             / NULLIF(s.shared_blks_hit + s.shared_blks_read, 0) AS hit_ratio
      FROM %2$I.pg_stat_statements s
    $view$, exec_time, ext_schema);
END
$db_metrics$;
