-- Consent records (SQLite). Keep in step with ../postgres/0008_consents.sql.
-- Append-only: each row is a consent given or withdrawn for one purpose, who gave it (the
-- student, a parent or guardian, the school) and which admin recorded it; the latest row per
-- purpose is the current state. Names of parents are not kept here (no personal data).
CREATE TABLE consents (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id),
    purpose      TEXT NOT NULL CHECK (purpose IN ('platform', 'recordings', 'analytics')),
    decision     TEXT NOT NULL CHECK (decision IN ('given', 'withdrawn')),
    given_by     TEXT NOT NULL CHECK (given_by IN ('student', 'parent_or_guardian', 'school')),
    recorded_by  TEXT NOT NULL REFERENCES users(id),
    at           INTEGER NOT NULL
);
CREATE INDEX consents_user ON consents(user_id, at);
