-- Lawful basis, break-glass grants, account lifetimes, device sync state and job runs (sqlite). Keep in step with
-- ../postgres/0009_privacy_and_operations.sql.

-- A school's authorisation, on parents' behalf, of TallSchool for educational use only
-- (SECURITY.md item 29). Append-only: the latest row is the current state. A student account
-- is created only under a current authorisation or with a recorded consent.
CREATE TABLE school_authorizations (
    id           TEXT PRIMARY KEY,
    school_id    TEXT NOT NULL REFERENCES schools(id),
    decision     TEXT NOT NULL CHECK (decision IN ('given', 'withdrawn')),
    recorded_by  TEXT NOT NULL REFERENCES users(id),
    at           INTEGER NOT NULL
);
CREATE INDEX school_authorizations_school ON school_authorizations(school_id, at);

-- Time-boxed, reason-logged access of a technical admin to one school's personal data
-- (SECURITY.md item 18). Rows are never deleted by the app: the school sees every grant.
CREATE TABLE break_glass_grants (
    id           TEXT PRIMARY KEY,
    school_id    TEXT NOT NULL REFERENCES schools(id),
    actor_id     TEXT REFERENCES users(id),
    reason       TEXT NOT NULL,
    granted_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    ended_at     INTEGER
);
CREATE INDEX break_glass_grants_school ON break_glass_grants(school_id, granted_at);

-- When an account was disabled (a student who left): retention erases it a set time later.
-- When it was erased: the tombstone is not erased again.
ALTER TABLE users ADD COLUMN disabled_at INTEGER;
ALTER TABLE users ADD COLUMN erased_at INTEGER;

-- A device's last sync and the changes it said it still held (the school's view of devices).
ALTER TABLE sessions ADD COLUMN last_sync_at INTEGER;
ALTER TABLE sessions ADD COLUMN waiting_changes INTEGER;

-- Runs of the server's jobs: when, started by the schedule or by whom, how they ended, and
-- their report (counts and ids). The last 100 of each job are kept.
CREATE TABLE job_runs (
    id           TEXT PRIMARY KEY,
    job          TEXT NOT NULL,
    trigger      TEXT NOT NULL CHECK (trigger IN ('schedule', 'admin')),
    actor_id     TEXT REFERENCES users(id),
    started_at   INTEGER NOT NULL,
    finished_at  INTEGER,
    outcome      TEXT NOT NULL CHECK (outcome IN ('running', 'ok', 'failed')),
    summary      TEXT NOT NULL
);
CREATE INDEX job_runs_job ON job_runs(job, started_at);
