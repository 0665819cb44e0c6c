-- Accepted device reports, exactly as the device signed them. The same SQL runs on SQLite and
-- PostgreSQL: portable types only, and `seq` is assigned by the single writer, not the database.
CREATE TABLE reports (
    seq BIGINT PRIMARY KEY,
    id BYTEA NOT NULL UNIQUE,
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

CREATE INDEX reports_by_device ON reports (device, seq);
