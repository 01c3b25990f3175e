-- Rollups of raw samples at 5 minutes, 1 hour and 1 day (UTC buckets), per series.
--
-- Every level is computed from the raw samples with the same rules, and every column is
-- mergeable, so any range of buckets can be combined exactly at read time:
--   * count/sum/min/max over finite values only (NaN and +-Inf never enter an aggregate);
--   * first/last sample (ts, value) so that the step between the last sample of one bucket and
--     the first of the next can be computed when buckets are merged; that step belongs to the
--     bucket of its later sample;
--   * increase/resets: reset-aware counter steps between two samples inside the bucket;
--   * integral: value-seconds of the gauge carried forward from the bucket's first event to the
--     bucket end (each value held until the next sample, a series end, or max gap, whichever
--     comes first); the carry into the bucket from an earlier one is added at read time;
--   * sketch: DDSketch-style log buckets (relative accuracy 1%) whose counts add up on merge;
--   * p95: the exact nearest-rank 95th percentile (percentile_disc) of the bucket's own samples.
-- Sums are numeric of the shortest decimal spelling of each float8, so sums of sums are exact.

CREATE FUNCTION exact_numeric(v double precision) RETURNS numeric
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT v::text::numeric $$;

-- Sketch key of a value: 'p<i>' for v > 0 with i = ceil(ln v / ln gamma), 'n<i>' for -v, 'z' for 0.
-- gamma = (1 + 0.01) / (1 - 0.01); a key's representative 2 gamma^i / (gamma + 1) is within 1%
-- of every value that maps to it.
-- Not STRICT, so that the planner inlines it (it is called once per raw sample).
CREATE FUNCTION sketch_key(v double precision) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT CASE
        WHEN v > 0 THEN 'p' || ceil(ln(v) / ln(1.01::float8 / 0.99::float8))::int
        WHEN v < 0 THEN 'n' || ceil(ln(-v) / ln(1.01::float8 / 0.99::float8))::int
        ELSE 'z'
    END $$;

CREATE FUNCTION sketch_add(a jsonb, b jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
    SELECT COALESCE(jsonb_object_agg(key, n), '{}'::jsonb)
    FROM (SELECT key, sum(value::bigint) AS n
          FROM (SELECT * FROM jsonb_each_text(a) UNION ALL SELECT * FROM jsonb_each_text(b)) e
          GROUP BY key) s $$;

CREATE AGGREGATE sketch_union(jsonb) (SFUNC = sketch_add, STYPE = jsonb, INITCOND = '{}');

-- Nearest-rank quantile of a sketch: the representative of the key holding rank ceil(q * n).
CREATE FUNCTION sketch_quantile(sketch jsonb, q double precision) RETURNS double precision
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
    WITH k AS (
        SELECT key, value::bigint AS n,
               CASE WHEN key = 'z' THEN 0 ELSE substr(key, 2)::int END AS i,
               CASE left(key, 1) WHEN 'n' THEN -1 WHEN 'z' THEN 0 ELSE 1 END AS sign
        FROM jsonb_each_text(sketch)
    ), ranked AS (
        SELECT sign, i, sum(n) OVER (ORDER BY sign, sign * i) AS cum, sum(n) OVER () AS total FROM k
    )
    SELECT sign * CASE WHEN sign = 0 THEN 0
                       ELSE 2 * power(1.01::float8 / 0.99::float8, i) / (1.01::float8 / 0.99::float8 + 1) END
    FROM ranked
    WHERE cum >= greatest(1, ceil(q * total))
    ORDER BY sign, sign * i
    LIMIT 1 $$;

CREATE TABLE rollup_5m (
    series_id        bigint      NOT NULL,
    bucket_start     timestamptz NOT NULL,
    count            bigint      NOT NULL,
    sum              numeric     NOT NULL,
    min              double precision,
    max              double precision,
    first_ts         timestamptz,
    first_value      double precision,
    last_ts          timestamptz,
    last_value       double precision,
    first_start_ts   timestamptz,          -- remote-write 2.0 start timestamp in effect at first_ts
    increase         numeric     NOT NULL,
    resets           integer     NOT NULL,
    integral         numeric     NOT NULL,
    end_before_first timestamptz,          -- earliest series end in the bucket before its first sample
    end_after_last   timestamptz,          -- earliest series end in the bucket after its last sample
    p95              double precision,
    sketch           jsonb       NOT NULL,
    computed_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT rollup_5m_pkey PRIMARY KEY (series_id, bucket_start)
);
CREATE INDEX rollup_5m_bucket_idx ON rollup_5m (bucket_start);

CREATE TABLE rollup_1h (LIKE rollup_5m INCLUDING DEFAULTS);
ALTER TABLE rollup_1h ADD CONSTRAINT rollup_1h_pkey PRIMARY KEY (series_id, bucket_start);
CREATE INDEX rollup_1h_bucket_idx ON rollup_1h (bucket_start);

CREATE TABLE rollup_1d (LIKE rollup_5m INCLUDING DEFAULTS);
ALTER TABLE rollup_1d ADD CONSTRAINT rollup_1d_pkey PRIMARY KEY (series_id, bucket_start);
CREATE INDEX rollup_1d_bucket_idx ON rollup_1d (bucket_start);

-- How far each level has been computed from the watermark: every bucket that ends at or before
-- done_until has been rolled up once (later changes arrive as rollup_dirty rows).
CREATE TABLE rollup_progress (
    resolution integer     PRIMARY KEY,
    done_until timestamptz NOT NULL DEFAULT '-infinity',
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO rollup_progress (resolution) VALUES (300), (3600), (86400);

-- The shape of the original design over the 5-minute level, for hand-written queries.
-- p95_usage is exact when one series holds the bucket, else it comes from the merged sketches.
CREATE VIEW usage_aggregates AS
SELECT r.bucket_start                                        AS bucket,
       s.metric_name                                         AS resource_type,
       (sum(r.sum) / NULLIF(sum(r.count), 0))::float8        AS avg_usage,
       max(r.max)                                            AS max_usage,
       CASE WHEN count(*) = 1 THEN max(r.p95)
            ELSE sketch_quantile(sketch_union(r.sketch), 0.95) END AS p95_usage,
       s.tenant                                              AS tenant
FROM rollup_5m r
JOIN series s ON s.id = r.series_id
GROUP BY r.bucket_start, s.metric_name, s.tenant;

-- Every report run, so that a bill can be reproduced and audited.
CREATE TABLE report_runs (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at      timestamptz NOT NULL DEFAULT now(),
    inputs          jsonb       NOT NULL,
    data_watermark  timestamptz NOT NULL,
    levels          text[]      NOT NULL,
    status          text        NOT NULL CHECK (status IN ('provisional', 'final')),
    row_count       integer     NOT NULL,
    output_format   text        NOT NULL,
    output_sha256   text        NOT NULL
);

-- HA pairs: the replica of each (tenant, cluster) whose samples are stored.
CREATE TABLE ha_leases (
    tenant       text        NOT NULL,
    cluster      text        NOT NULL,
    replica      text        NOT NULL,
    leader_since timestamptz NOT NULL,
    last_seen    timestamptz NOT NULL,
    CONSTRAINT ha_leases_pkey PRIMARY KEY (tenant, cluster)
);

-- Raw samples before raw_kept_from have been dropped by retention: buckets there can no longer
-- be recomputed from raw data and are left as they are.
CREATE TABLE retention_state (
    id            smallint    PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    raw_kept_from timestamptz NOT NULL DEFAULT '-infinity'
);
INSERT INTO retention_state DEFAULT VALUES;
