-- Media (SQLite). Keep in step with ../postgres/0004_media.sql.
-- Objects are content-addressed by SHA-256 and stored once, whoever uploads them.

CREATE TABLE media (
    hash        TEXT PRIMARY KEY,
    size        INTEGER NOT NULL,
    mime        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

-- Who uploaded an object (an uploader and their school's admins may fetch it before any
-- document references it).
CREATE TABLE media_uploaders (
    hash        TEXT NOT NULL REFERENCES media(hash),
    user_id     TEXT NOT NULL REFERENCES users(id),
    school_id   TEXT,
    uploaded_at INTEGER NOT NULL,
    PRIMARY KEY (hash, user_id)
);

-- Which documents reference which objects; kept in step with the documents' contents.
CREATE TABLE media_refs (
    doc_id  TEXT NOT NULL REFERENCES documents(id),
    hash    TEXT NOT NULL,
    PRIMARY KEY (doc_id, hash)
);
CREATE INDEX media_refs_hash ON media_refs(hash);

-- Resumable uploads in progress (bytes staged in DATA_DIR/uploads/<id>).
CREATE TABLE uploads (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id),
    school_id   TEXT,
    mime        TEXT NOT NULL,
    size        INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    filename    TEXT,
    received    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
);
