-- Each ingest instance's last write-path probe (GET /health writes here: a database that can
-- no longer write, disk full, fails the probe).
CREATE TABLE health_probes (
    instance TEXT PRIMARY KEY,
    at_ms BIGINT NOT NULL
);
