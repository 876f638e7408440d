-- Foundation: schools, people, classes, sessions, PII vault, outbox (SQLite).
-- Keep in step with ../postgres/0001_foundation.sql: same tables, same columns, same meaning.
-- Ids are UUID text; times are Unix seconds (UTC).

CREATE TABLE schools (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
);

CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    school_id      TEXT REFERENCES schools(id),
    -- NFKC-normalised and lower-cased, so look-alike spellings cannot coexist.
    username       TEXT NOT NULL UNIQUE,
    role           TEXT NOT NULL CHECK (role IN ('tech_admin', 'edu_admin', 'teacher', 'student')),
    status         TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
    password_hash  TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    CHECK ((role = 'tech_admin') = (school_id IS NULL))
);
CREATE INDEX users_school ON users(school_id);

CREATE TABLE cohorts (
    id          TEXT PRIMARY KEY,
    school_id   TEXT NOT NULL REFERENCES schools(id),
    name        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (school_id, name)
);

CREATE TABLE classes (
    id          TEXT PRIMARY KEY,
    school_id   TEXT NOT NULL REFERENCES schools(id),
    cohort_id   TEXT REFERENCES cohorts(id),
    name        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (school_id, name)
);

CREATE TABLE enrolments (
    class_id    TEXT NOT NULL REFERENCES classes(id),
    user_id     TEXT NOT NULL REFERENCES users(id),
    class_role  TEXT NOT NULL CHECK (class_role IN ('teacher', 'student')),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (class_id, user_id)
);
CREATE INDEX enrolments_user ON enrolments(user_id);

-- One signed-in device = one refresh-token family.
CREATE TABLE sessions (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users(id),
    device_name     TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    last_used_at    INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    revoked_at      INTEGER,
    revoked_reason  TEXT
);
CREATE INDEX sessions_user ON sessions(user_id);

-- Refresh tokens are stored only as SHA-256 digests. A used token keeps a pointer to its
-- successor and, for the short retry window, the successor pair sealed under a key derived
-- from the used token itself (useless without that token).
CREATE TABLE refresh_tokens (
    token_hash        TEXT PRIMARY KEY,
    session_id        TEXT NOT NULL REFERENCES sessions(id),
    issued_at         INTEGER NOT NULL,
    used_at           INTEGER,
    successor_hash    TEXT,
    successor_sealed  BLOB
);
CREATE INDEX refresh_tokens_session ON refresh_tokens(session_id);

-- The PII vault: one AES-256-GCM ciphertext per person and field.
CREATE TABLE pii_fields (
    user_id     TEXT NOT NULL REFERENCES users(id),
    field       TEXT NOT NULL CHECK (field IN ('display_name', 'email', 'birth_date')),
    key_id      TEXT NOT NULL,
    nonce       BLOB NOT NULL,
    ciphertext  BLOB NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, field)
);

-- Who read whose which fields and why. Never the values. Append-only.
CREATE TABLE pii_access_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    actor_id    TEXT NOT NULL,
    actor_role  TEXT NOT NULL,
    subject_id  TEXT NOT NULL,
    school_id   TEXT,
    fields      TEXT NOT NULL,
    purpose     TEXT NOT NULL,
    request_id  TEXT
);
CREATE INDEX pii_access_log_school ON pii_access_log(school_id, id);

-- Events written in the same transaction as the change they describe.
CREATE TABLE outbox (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT NOT NULL UNIQUE,
    topic           TEXT NOT NULL,
    schema_version  INTEGER NOT NULL,
    occurred_at     INTEGER NOT NULL,
    payload         TEXT NOT NULL,
    published_at    INTEGER
);
CREATE INDEX outbox_topic ON outbox(topic, seq);
