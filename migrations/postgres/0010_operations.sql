-- Job slots for replicas and the event exporter's index (postgres). Keep in step with ../sqlite/0010_operations.sql.

-- Replicas on one database: a scheduled job run claims its slot (the time it was due) in the
-- same insert that records it; the unique index makes the claim a lock, so exactly one replica
-- runs each scheduled occurrence. Runs asked for by an admin have no slot. `replica` names the
-- process that ran it (host/pid).
ALTER TABLE job_runs ADD COLUMN slot BIGINT;
ALTER TABLE job_runs ADD COLUMN replica TEXT;
CREATE UNIQUE INDEX job_runs_slot ON job_runs(job, slot);

-- The event exporter reads the events not yet published, oldest first.
CREATE INDEX outbox_unpublished ON outbox(seq) WHERE published_at IS NULL;
