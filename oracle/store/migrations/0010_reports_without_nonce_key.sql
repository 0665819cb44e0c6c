-- Ingest tells a replayed nonce from its memory of the clock-skew window, and an epoch judges
-- replays from the log (of one device's reports with one nonce, the lowest report id stands),
-- so the index need not refuse them: it drops the unique key on (device, nonce), which every
-- insert paid for with a lookup in a tree of random keys. The index is written after ingest
-- answers; a report already indexed (by id) is still left alone.
CREATE TABLE reports_indexed (
    id BYTEA PRIMARY KEY,
    device BYTEA NOT NULL,
    kind SMALLINT NOT NULL,
    nonce BYTEA NOT NULL,
    signed_at_ms BIGINT NOT NULL,
    received_at_ms BIGINT NOT NULL,
    source TEXT NOT NULL,
    body BYTEA NOT NULL
);
INSERT INTO reports_indexed (id, device, kind, nonce, signed_at_ms, received_at_ms, source, body)
    SELECT id, device, kind, nonce, signed_at_ms, received_at_ms, source, body FROM reports;
DROP TABLE reports;
ALTER TABLE reports_indexed RENAME TO reports;
CREATE INDEX reports_by_device ON reports (device, signed_at_ms);
CREATE INDEX reports_by_kind_time ON reports (kind, signed_at_ms);
