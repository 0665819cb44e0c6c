-- The report log (log/) is now the source of truth: accepted reports are appended to write-ahead
-- files and sealed into content-addressed segments in the log store. The reports table is this
-- oracle's index of its log, keyed by report id, rebuildable from it. It no longer numbers
-- reports in arrival order (two ingest processes numbered them apart and collided), and holds
-- reports of the v2 format only: reports of the v1 format (without entropy) are not carried over.
DROP TABLE reports;
CREATE TABLE reports (
    id BYTEA PRIMARY KEY,
    device BYTEA NOT NULL,
    kind SMALLINT NOT NULL,
    nonce BYTEA NOT NULL,
    signed_at_ms BIGINT NOT NULL,
    received_at_ms BIGINT NOT NULL,
    source TEXT NOT NULL,
    body BYTEA NOT NULL,
    -- A nonce is used once per device: the same (device, nonce) with other content is a replay.
    UNIQUE (device, nonce)
);
CREATE INDEX reports_by_device ON reports (device, signed_at_ms);
CREATE INDEX reports_by_kind_time ON reports (kind, signed_at_ms);

-- The segments this oracle's log store holds: its own, and those fetched from its peers.
CREATE TABLE log_segments (
    hash BYTEA PRIMARY KEY,
    bucket BIGINT NOT NULL,
    oracle TEXT NOT NULL,
    instance TEXT NOT NULL,
    reports BIGINT NOT NULL
);
CREATE INDEX log_segments_by_bucket ON log_segments (bucket);

-- Each ingest instance's sealing watermark: every bucket below it is sealed.
CREATE TABLE log_instances (
    oracle TEXT NOT NULL,
    instance TEXT NOT NULL,
    sealed_below BIGINT NOT NULL,
    PRIMARY KEY (oracle, instance)
);
