-- Learning (SQLite). Keep in step with ../postgres/0003_learning.sql.

-- How each class studies flashcards; synced to students with their classes.
ALTER TABLE classes ADD COLUMN desired_retention REAL NOT NULL DEFAULT 0.9;
ALTER TABLE classes ADD COLUMN new_per_day INTEGER NOT NULL DEFAULT 20;
ALTER TABLE classes ADD COLUMN reviews_per_day INTEGER NOT NULL DEFAULT 200;

-- Keys of graded video tests: they never enter the synced document.
CREATE TABLE answer_keys (
    test_id     TEXT NOT NULL REFERENCES documents(id),
    question_id TEXT NOT NULL,
    answer_key  TEXT NOT NULL,
    set_by      TEXT NOT NULL REFERENCES users(id),
    set_at      INTEGER NOT NULL,
    PRIMARY KEY (test_id, question_id)
);

-- Points a teacher gave by hand (short-text answers, or overriding the automatic grade).
CREATE TABLE manual_grades (
    test_id     TEXT NOT NULL REFERENCES documents(id),
    student_id  TEXT NOT NULL REFERENCES users(id),
    attempt_id  TEXT NOT NULL,
    question_id TEXT NOT NULL,
    points      REAL NOT NULL,
    graded_by   TEXT NOT NULL REFERENCES users(id),
    graded_at   INTEGER NOT NULL,
    PRIMARY KEY (test_id, attempt_id, question_id)
);

-- Weekly digests per class and per cohort (numbers and opaque ids only).
CREATE TABLE digests (
    scope       TEXT NOT NULL CHECK (scope IN ('class', 'cohort')),
    scope_id    TEXT NOT NULL,
    school_id   TEXT NOT NULL REFERENCES schools(id),
    week_start  INTEGER NOT NULL,
    body        TEXT NOT NULL,
    computed_at INTEGER NOT NULL,
    PRIMARY KEY (scope, scope_id, week_start)
);
CREATE INDEX digests_school ON digests(school_id, week_start);
