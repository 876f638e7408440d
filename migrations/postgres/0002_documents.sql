-- Synced documents (PostgreSQL). Keep in step with ../sqlite/0002_documents.sql.
-- The server is a change relay: it stores each document's automerge changes append-only,
-- numbered by a global sequence (the sync cursor), and never needs a whole document to sync.

CREATE TABLE documents (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('deck', 'text', 'video_test', 'progress')),
    school_id     TEXT NOT NULL REFERENCES schools(id),
    class_id      TEXT NOT NULL REFERENCES classes(id),
    owner_id      TEXT REFERENCES users(id),
    subject_id    TEXT REFERENCES documents(id),
    created_by    TEXT NOT NULL REFERENCES users(id),
    created_at    BIGINT NOT NULL,
    change_count  BIGINT NOT NULL DEFAULT 0,
    total_bytes   BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX documents_class ON documents(class_id);
CREATE INDEX documents_school ON documents(school_id);

CREATE TABLE doc_changes (
    seq             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    doc_id          TEXT NOT NULL REFERENCES documents(id),
    hash            BYTEA NOT NULL,
    bytes           BYTEA NOT NULL,
    author_id       TEXT NOT NULL,
    -- The session (device) that pushed it first; it is not sent back to that device.
    origin_session  TEXT NOT NULL,
    stored_at       BIGINT NOT NULL,
    UNIQUE (doc_id, hash)
);
CREATE INDEX doc_changes_doc ON doc_changes(doc_id, seq);

-- Compacted state of a document up to a sequence number, served to devices starting afresh.
CREATE TABLE doc_snapshots (
    doc_id      TEXT PRIMARY KEY REFERENCES documents(id),
    up_to_seq   BIGINT NOT NULL,
    changes     BIGINT NOT NULL,
    bytes       BYTEA NOT NULL,
    created_at  BIGINT NOT NULL
);

-- One row; every storing transaction updates it first, so that writers queue and sequence
-- numbers become visible in order (a cursor never skips a change committed late).
CREATE TABLE sync_lock (
    id  BIGINT PRIMARY KEY,
    n   BIGINT NOT NULL
);
INSERT INTO sync_lock (id, n) VALUES (1, 0);

-- Bumped whenever a user gains access to more documents (e.g. enrolled in a class): a device
-- whose cursor belongs to an older epoch is answered from the beginning.
ALTER TABLE users ADD COLUMN access_epoch BIGINT NOT NULL DEFAULT 0;
