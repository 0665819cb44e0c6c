-- Verdicts are no longer made report by report in arrival order: each epoch's reports are judged
-- together, as a pure function of the epoch's input (see verify/mod.rs). What the store keeps of
-- a judgement: the windows judged, and a row per REFUSED report (a report of a judged window
-- without a refusal is valid), so an epoch of millions of valid reports writes almost nothing.
DROP TABLE verdicts;
DROP TABLE frames;
DROP TABLE cursors;

CREATE TABLE refusals (
    id BYTEA PRIMARY KEY,
    -- The epoch whose judgement refused it.
    epoch BIGINT NOT NULL,
    device BYTEA NOT NULL,
    kind SMALLINT NOT NULL,
    reason TEXT NOT NULL,
    signed_at_ms BIGINT NOT NULL
);

CREATE INDEX refusals_by_device ON refusals (device, signed_at_ms);
CREATE INDEX refusals_by_epoch ON refusals (epoch, kind);

-- Each judged window: which reward stream (coverage or mapping) of which epoch, over which
-- signed-time window, and the digest of the input it was judged from.
CREATE TABLE judgements (
    stream TEXT NOT NULL,
    epoch BIGINT NOT NULL,
    window_start_ms BIGINT NOT NULL,
    window_end_ms BIGINT NOT NULL,
    input_digest BYTEA NOT NULL,
    PRIMARY KEY (stream, epoch)
);

-- The epoch's reads: a kind's reports of a signed-time window.
CREATE INDEX reports_by_kind_time ON reports (kind, signed_at_ms);

-- The blocks reports name as entropy, as the chain has them (hash and time NULL: no block at
-- that slot). Finalized blocks never change: each is read from the chain once.
CREATE TABLE chain_blocks (
    slot BIGINT PRIMARY KEY,
    hash BYTEA,
    time_ms BIGINT
);

-- Sessions taken out of the pending set, now by report id.
DROP TABLE session_burns;
CREATE TABLE session_burns (
    id BYTEA PRIMARY KEY,
    batch_id BIGINT,
    refused TEXT
);
CREATE INDEX session_burns_by_batch ON session_burns (batch_id);
