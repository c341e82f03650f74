-- A report sent back tells the unit's liaisons why, and the office chases (催办) an assignment
-- with a message (issue 19): notifications of kind 'returned' and 'reminder', and each chase
-- kept for the task's history and its count. SQLite cannot change a CHECK in place, so the
-- notifications table is rebuilt; dropping it cascades to its deliveries, which are kept aside
-- and put back.

CREATE TABLE deliveries_kept AS SELECT * FROM deliveries;

CREATE TABLE notifications_next (
    id            INTEGER PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('due_soon', 'overdue', 'escalation', 'returned', 'reminder')),
    assignment_id BIGINT REFERENCES assignments (id) ON DELETE CASCADE,
    title         TEXT NOT NULL,
    body          TEXT NOT NULL,
    link          TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    read_at       TEXT
);
INSERT INTO notifications_next (id, user_id, kind, assignment_id, title, body, link, created_at, read_at)
    SELECT id, user_id, kind, assignment_id, title, body, link, created_at, read_at FROM notifications;
DROP TABLE notifications;
ALTER TABLE notifications_next RENAME TO notifications;
CREATE INDEX notifications_user ON notifications (user_id, read_at, id);

INSERT INTO deliveries (id, notification_id, channel, target, status, attempts, next_attempt_at, claimed_until,
        last_error, created_at, sent_at)
    SELECT id, notification_id, channel, target, status, attempts, next_attempt_at, claimed_until, last_error,
        created_at, sent_at
    FROM deliveries_kept;
DROP TABLE deliveries_kept;

CREATE TABLE assignment_chases (
    id            INTEGER PRIMARY KEY,
    assignment_id BIGINT NOT NULL REFERENCES assignments (id) ON DELETE CASCADE,
    user_id       BIGINT NOT NULL REFERENCES users (id),
    message       TEXT,
    created_at    TEXT NOT NULL
);
CREATE INDEX assignment_chases_assignment ON assignment_chases (assignment_id, id);
