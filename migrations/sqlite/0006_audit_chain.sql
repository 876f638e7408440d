-- The PII access log becomes tamper-evident (SQLite). Keep in step with
-- ../postgres/0006_audit_chain.sql.
--
-- Each row gets a chain position (seq), the seal of the row before it (prev_hash) and its own
-- seal (hash): HMAC-SHA-256 under the audit key, which lives outside the database. People are
-- sealed as keyed digests so that erasing a person (id set to NULL) keeps the chain whole.
-- Refused reads are logged too (outcome 'denied'); a refused class roster names the class,
-- not a person. Rows written before this migration are sealed once, in id order, at the
-- server's next start (audit::seal_unchained).
CREATE TABLE pii_access_log_chained (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    seq             INTEGER UNIQUE,
    at              INTEGER NOT NULL,
    actor_id        TEXT,
    actor_digest    TEXT,
    actor_role      TEXT NOT NULL,
    subject_id      TEXT,
    subject_digest  TEXT,
    class_id        TEXT,
    school_id       TEXT,
    fields          TEXT NOT NULL,
    purpose         TEXT NOT NULL,
    request_id      TEXT,
    client_address  TEXT,
    outcome         TEXT NOT NULL DEFAULT 'allowed' CHECK (outcome IN ('allowed', 'denied')),
    key_id          TEXT,
    prev_hash       TEXT,
    hash            TEXT
);
INSERT INTO pii_access_log_chained (id, at, actor_id, actor_role, subject_id, school_id, fields, purpose, request_id)
    SELECT id, at, actor_id, actor_role, subject_id, school_id, fields, purpose, request_id FROM pii_access_log;
DROP TABLE pii_access_log;
ALTER TABLE pii_access_log_chained RENAME TO pii_access_log;
CREATE INDEX pii_access_log_school ON pii_access_log(school_id, id);

-- The chain's ends, sealed: rows cut from either end are noticed. One row per chain.
CREATE TABLE audit_chain_head (
    chain            TEXT PRIMARY KEY,
    first_seq        INTEGER NOT NULL,
    first_prev_hash  TEXT NOT NULL,
    last_seq         INTEGER NOT NULL,
    last_hash        TEXT NOT NULL,
    key_id           TEXT NOT NULL,
    mac              TEXT NOT NULL
);
