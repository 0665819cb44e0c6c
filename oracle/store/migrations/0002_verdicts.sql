-- What the verifier decided about each stored report. status: 0 valid, 1 invalid (`reason` says
-- why). Rules that rank reports against each other (witnesses per beacon, reciprocity, density,
-- novelty) belong to the epoch's reward computation, which sees the whole epoch at once.
CREATE TABLE verdicts (
    seq BIGINT PRIMARY KEY,
    device BYTEA NOT NULL,
    kind SMALLINT NOT NULL,
    status SMALLINT NOT NULL,
    reason TEXT,
    -- For witnesses: the id of the beacon heard, to find duplicates and count witnesses.
    beacon_id BYTEA,
    signed_at_ms BIGINT NOT NULL
);

CREATE INDEX verdicts_by_device ON verdicts (device, seq);
CREATE INDEX verdicts_by_beacon ON verdicts (beacon_id, device);

-- Frame content hashes already claimed by a mapping segment, across all devices.
CREATE TABLE frames (
    hash BYTEA PRIMARY KEY,
    seq BIGINT NOT NULL
);

-- How far each pipeline stage has processed the reports, so a restart resumes there.
CREATE TABLE cursors (
    name TEXT PRIMARY KEY,
    seq BIGINT NOT NULL
);
