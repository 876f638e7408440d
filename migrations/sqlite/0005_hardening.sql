-- Hardening (SQLite). Keep in step with ../postgres/0005_hardening.sql.

-- Where a password came from: 'chosen' by the person; 'one_time' set by an administrator or
-- teacher (single use, expiring, the session it opens may only choose a new password);
-- 'demo' for the demo school's generated passwords.
ALTER TABLE users ADD COLUMN password_kind TEXT NOT NULL DEFAULT 'chosen'
    CHECK (password_kind IN ('chosen', 'one_time', 'demo'));
ALTER TABLE users ADD COLUMN password_expires_at INTEGER;
ALTER TABLE users ADD COLUMN one_time_used_at INTEGER;

-- When the session last proved the password (sign-in or re-authentication): sensitive
-- changes need it to be recent.
ALTER TABLE sessions ADD COLUMN authenticated_at INTEGER;
UPDATE sessions SET authenticated_at = created_at;
-- SHA-256 of the device's secret key: a device with a live session of an account is never
-- throttled by other people's failed sign-ins to it.
ALTER TABLE sessions ADD COLUMN device_key_hash TEXT;
CREATE INDEX sessions_device_key ON sessions(device_key_hash);
