-- Envelope encryption for the PII vault (PostgreSQL). Keep in step with
-- ../sqlite/0007_pii_data_keys.sql.
--
-- Each personal-data field is sealed under a data key (DEK); the DEK is stored here only
-- wrapped (AES-256-GCM) by a key-encryption key (KEK) that never enters the database (a local
-- key file or AWS Secrets Manager). pii_fields.key_id names the DEK. Exactly one DEK is
-- current (new writes); previous DEKs only decrypt until the re-encryption job has moved their
-- rows; a retired DEK's wrapped material is erased (crypto-shredding). Rows written before
-- this migration name the KEK itself (ids 'pii-…'); the job moves them like any other.
CREATE TABLE pii_data_keys (
    id           TEXT PRIMARY KEY,
    kek_id       TEXT NOT NULL,
    wrapped      BYTEA,
    state        TEXT NOT NULL CHECK (state IN ('current', 'previous', 'retired')),
    -- Seals made under this key: it is replaced well before GCM's 2^32 random-nonce bound.
    encryptions  BIGINT NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL,
    retired_at   BIGINT,
    CHECK ((state = 'retired') = (wrapped IS NULL))
);
CREATE UNIQUE INDEX pii_data_keys_one_current ON pii_data_keys (state) WHERE state = 'current';
CREATE INDEX pii_fields_by_key ON pii_fields (key_id);
