-- The PII access log becomes tamper-evident (PostgreSQL). Keep in step with
-- ../sqlite/0006_audit_chain.sql, which explains the columns.
ALTER TABLE pii_access_log ADD COLUMN seq BIGINT UNIQUE;
ALTER TABLE pii_access_log ALTER COLUMN actor_id DROP NOT NULL;
ALTER TABLE pii_access_log ADD COLUMN actor_digest TEXT;
ALTER TABLE pii_access_log ALTER COLUMN subject_id DROP NOT NULL;
ALTER TABLE pii_access_log ADD COLUMN subject_digest TEXT;
ALTER TABLE pii_access_log ADD COLUMN class_id TEXT;
ALTER TABLE pii_access_log ADD COLUMN client_address TEXT;
ALTER TABLE pii_access_log ADD COLUMN outcome TEXT NOT NULL DEFAULT 'allowed' CHECK (outcome IN ('allowed', 'denied'));
ALTER TABLE pii_access_log ADD COLUMN key_id TEXT;
ALTER TABLE pii_access_log ADD COLUMN prev_hash TEXT;
ALTER TABLE pii_access_log ADD COLUMN hash TEXT;

CREATE TABLE audit_chain_head (
    chain            TEXT PRIMARY KEY,
    first_seq        BIGINT NOT NULL,
    first_prev_hash  TEXT NOT NULL,
    last_seq         BIGINT NOT NULL,
    last_hash        TEXT NOT NULL,
    key_id           TEXT NOT NULL,
    mac              TEXT NOT NULL
);
