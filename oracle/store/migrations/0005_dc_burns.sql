-- Delegated DC burns of accepted data-transfer sessions, batched per payer escrow (see
-- dc_burns.rs). A batch is stored as `sent`, with the escrow's lifetime burned total it will
-- reach once its burn lands, BEFORE the burn is sent; a restart compares that total with the
-- chain to tell a landed burn (`confirmed`) from one that never will (`failed`, its sessions
-- free again). So a crash can neither burn twice nor lose a session.
CREATE TABLE burn_batches (
    id BIGINT PRIMARY KEY,
    escrow BYTEA NOT NULL,
    amount BIGINT NOT NULL,
    status TEXT NOT NULL,
    expected_burned BIGINT NOT NULL,
    tx TEXT,
    sent_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL
);

CREATE INDEX burn_batches_by_status ON burn_batches (status, escrow);

-- Sessions taken out of the pending set: into a live batch, or refused for good (`refused`
-- says why: the escrow does not exist, or belongs to another router).
CREATE TABLE session_burns (
    seq BIGINT PRIMARY KEY,
    batch_id BIGINT,
    refused TEXT
);

CREATE INDEX session_burns_by_batch ON session_burns (batch_id);
