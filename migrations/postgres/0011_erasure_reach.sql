-- Erasure that reaches backups and other devices, and legal holds (postgres). Keep in step with ../sqlite/0011_erasure_reach.sql.
--
-- A field written since this migration is sealed under a key derived from its data key and
-- the person's own key, which lives in a key store apart from this database
-- (sync-server/src/pii/subject_keys.rs) and is destroyed when the person is erased: copies of
-- this database made before an erasure (backups, dumps) can no longer open that person's
-- fields. Older rows (per_person = 0) are moved by the re-encryption job.
ALTER TABLE pii_fields ADD COLUMN per_person BIGINT NOT NULL DEFAULT 0;

-- Documents an erasure removed (the person's progress), so that other devices holding copies
-- (a teacher's, the school admin's) delete them at their next sync: a device sends the last
-- removal it applied (`removals_seen`) and gets the later ones of its school. Ids only.
CREATE TABLE doc_removals (
    seq BIGSERIAL PRIMARY KEY,
    doc_id     TEXT NOT NULL,
    school_id  TEXT NOT NULL,
    removed_at BIGINT NOT NULL
);
CREATE INDEX doc_removals_by_school ON doc_removals (school_id, seq);

-- Legal holds: while one stands, the person is not erased (neither on request nor by the
-- retention job). The reason is the school admin's words (a case number, an investigation).
CREATE TABLE legal_holds (
    user_id   TEXT PRIMARY KEY REFERENCES users(id),
    reason    TEXT NOT NULL,
    placed_by TEXT NOT NULL REFERENCES users(id),
    placed_at BIGINT NOT NULL
);
