-- The in-app inbox, each person's choices of what to receive, and the ledger that makes a
-- reminder go out once even when several instances run the job.

CREATE TABLE notifications (
    id            INTEGER PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('due_soon', 'overdue', 'escalation')),
    assignment_id BIGINT REFERENCES assignments (id) ON DELETE CASCADE,
    title         TEXT NOT NULL,
    body          TEXT NOT NULL,
    link          TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    read_at       TEXT
);
CREATE INDEX notifications_user ON notifications (user_id, read_at, id);

CREATE TABLE notification_prefs (
    user_id     BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    due_soon    BIGINT NOT NULL DEFAULT 1 CHECK (due_soon IN (0, 1)),
    overdue     BIGINT NOT NULL DEFAULT 1 CHECK (overdue IN (0, 1)),
    escalation  BIGINT NOT NULL DEFAULT 1 CHECK (escalation IN (0, 1))
);

-- One row per reminder sent: (assignment, kind, day). The instance whose insert succeeds
-- sends it; the others see the conflict and do nothing.
CREATE TABLE reminder_ledger (
    assignment_id BIGINT NOT NULL REFERENCES assignments (id) ON DELETE CASCADE,
    kind          TEXT NOT NULL,
    day           BIGINT NOT NULL,
    sent_at       TEXT NOT NULL,
    PRIMARY KEY (assignment_id, kind, day)
);
