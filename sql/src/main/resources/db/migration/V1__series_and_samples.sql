-- Core storage for remote-write samples.
--
-- Metric and label names are data, never SQL identifiers: every series lives in one table and
-- every sample in one (partitioned) table, whatever its name.  All objects are created in the
-- schema that Flyway manages (promledger by default).

-- One row per distinct label set of a tenant.  labels_hash is a 128-bit hash of the canonical
-- label bytes (names sorted by UTF-8 bytes, empty values dropped) so that lookups never put long
-- strings into a B-tree.  Rows are never deleted: cached ids in running adapters stay valid.
CREATE TABLE series (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant      text        NOT NULL,
    metric_name text        NOT NULL,
    labels      jsonb       NOT NULL,   -- every label except __name__
    labels_hash bytea       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT series_tenant_hash_key UNIQUE (tenant, labels_hash)
);
CREATE INDEX series_tenant_metric_idx ON series (tenant, metric_name);
CREATE INDEX series_labels_idx ON series USING gin (labels jsonb_path_ops);

-- Float samples.  Staleness markers are never stored here (see series_ends); other NaN and
-- infinities are stored as they came and excluded from aggregates with is_finite(value).
-- The key is (ts, series_id): samples of many series arrive at the current time, and this order
-- appends near the right edge of the index (about twice the rate of (series_id, ts), measured).
CREATE TABLE samples (
    series_id bigint           NOT NULL,
    ts        timestamptz      NOT NULL,
    value     double precision NOT NULL,
    CONSTRAINT samples_pkey PRIMARY KEY (ts, series_id)
) PARTITION BY RANGE (ts);

-- True for values that may enter an aggregate.  PostgreSQL orders NaN above every number and
-- treats NaN = NaN as true, so one NaN would otherwise turn max() and avg() into NaN.
CREATE FUNCTION is_finite(v double precision) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT v <> 'NaN'::float8 AND v <> 'Infinity'::float8 AND v <> '-Infinity'::float8 $$;

-- Where a series ended: a staleness marker (NaN with bits 0x7ff0000000000002) at ts.
CREATE TABLE series_ends (
    series_id bigint      NOT NULL,
    ts        timestamptz NOT NULL,
    CONSTRAINT series_ends_pkey PRIMARY KEY (series_id, ts)
);
CREATE INDEX series_ends_ts_idx ON series_ends (ts);

-- Remote-write 2.0 start timestamps, one row per distinct start of a series: a counter whose
-- start timestamp lies after its previous sample was reset in between.
CREATE TABLE series_starts (
    series_id  bigint      NOT NULL,
    start_ts   timestamptz NOT NULL,
    first_seen timestamptz NOT NULL,   -- timestamp of the first sample that carried it
    CONSTRAINT series_starts_pkey PRIMARY KEY (series_id, start_ts)
);

-- Type, unit and help per metric family (remote-write 1.0 metadata requests, 2.0 per series).
CREATE TABLE metric_metadata (
    tenant        text        NOT NULL,
    metric_family text        NOT NULL,
    type          text        NOT NULL,   -- counter, gauge, histogram, summary, info, stateset, gaugehistogram, unknown
    unit          text        NOT NULL DEFAULT '',
    help          text        NOT NULL DEFAULT '',
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT metric_metadata_pkey PRIMARY KEY (tenant, metric_family)
);

-- Exemplars: a small table with its own, short retention.
CREATE TABLE exemplars (
    series_id bigint           NOT NULL,
    ts        timestamptz      NOT NULL,
    value     double precision NOT NULL,
    labels    jsonb            NOT NULL,
    CONSTRAINT exemplars_pkey PRIMARY KEY (series_id, ts)
);
CREATE INDEX exemplars_ts_idx ON exemplars (ts);

-- Rollup bookkeeping shared by ingest and the rollup job.
--
-- watermark: raw samples with ts < watermark have been rolled up.  The job raises it under a
-- row lock; every ingest transaction reads it FOR SHARE, so a sample committed below the
-- watermark always marks its buckets dirty in the same transaction that stores it.
CREATE TABLE rollup_state (
    id        smallint    PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    watermark timestamptz NOT NULL DEFAULT '-infinity'
);
INSERT INTO rollup_state DEFAULT VALUES;

-- Buckets to recompute: resolution in seconds (300, 3600, 86400), bucket start in UTC.
CREATE TABLE rollup_dirty (
    resolution   integer     NOT NULL,
    bucket_start timestamptz NOT NULL,
    series_id    bigint      NOT NULL,
    marked_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT rollup_dirty_pkey PRIMARY KEY (resolution, bucket_start, series_id)
);

-- Creates the daily partitions of samples that cover [from_day, from_day + days).  Idempotent;
-- run at start and by the maintenance job so that partitions always exist ahead of time.
-- Partition names are samples_YYYYMMDD (UTC days).
CREATE FUNCTION ensure_sample_partitions(from_day date, days integer) RETURNS integer
    LANGUAGE plpgsql AS $$
DECLARE
    d       date;
    created integer := 0;
    part    text;
BEGIN
    FOR i IN 0 .. days - 1 LOOP
        d := from_day + i;
        part := 'samples_' || to_char(d, 'YYYYMMDD');
        IF to_regclass(format('%I.%I', current_schema(), part)) IS NULL THEN
            EXECUTE format(
                'CREATE TABLE IF NOT EXISTS %I.%I PARTITION OF %I.samples FOR VALUES FROM (%L) TO (%L)',
                current_schema(), part, current_schema(),
                (d::timestamp AT TIME ZONE 'UTC'), ((d + 1)::timestamp AT TIME ZONE 'UTC'));
            created := created + 1;
        END IF;
    END LOOP;
    RETURN created;
END
$$;

-- The shape of the original design, for hand-written queries: one row per stored sample.
CREATE VIEW usage_records AS
SELECT sm.ts                                   AS "timestamp",
       s.metric_name                           AS resource_type,
       sm.value                                AS usage_amount,
       COALESCE(s.labels ->> 'job', s.tenant)  AS source,
       s.labels                                AS tags,
       s.tenant                                AS tenant
FROM samples sm
JOIN series s ON s.id = sm.series_id;
