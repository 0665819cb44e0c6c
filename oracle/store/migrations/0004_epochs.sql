-- Where each pool's epoch stands in this oracle's pipeline, and what it needs to resume after a
-- crash: status is computing, signed, posted, pending or active (see quorum/record.rs).
-- own_signature: this oracle's signed root (the SDK's SignedRoot JSON, arguments included);
-- signatures: the quorum gathered, a JSON array of the same; post_tx: the post_root transaction.
CREATE TABLE epochs (
    pool TEXT NOT NULL,
    epoch BIGINT NOT NULL,
    status TEXT NOT NULL,
    own_signature TEXT,
    signatures TEXT,
    post_tx TEXT,
    updated_at_ms BIGINT NOT NULL,
    PRIMARY KEY (pool, epoch)
);
