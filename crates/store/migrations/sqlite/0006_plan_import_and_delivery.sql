-- Task-breakdown sheets become a third kind of import, with the column mapping chosen in the
-- preview kept beside the file; reminders can also go out by email and by webhook, each
-- delivery queued and claimed so that one instance sends it, retried when the far end fails.

-- SQLite cannot change a CHECK constraint in place: rebuild the table (nothing refers to it).
CREATE TABLE imports_next (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('units', 'users', 'plan')),
    user_id      BIGINT NOT NULL REFERENCES users (id),
    filename     TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    content      BLOB NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('previewed', 'committed', 'failed')),
    summary_json TEXT,
    created_at   TEXT NOT NULL,
    finished_at  TEXT,
    -- What the import needs beyond the file: the campaign and the column mapping of a plan.
    options_json TEXT
);
INSERT INTO imports_next (id, kind, user_id, filename, sha256, content, status, summary_json, created_at, finished_at)
    SELECT id, kind, user_id, filename, sha256, content, status, summary_json, created_at, finished_at FROM imports;
DROP TABLE imports;
ALTER TABLE imports_next RENAME TO imports;
CREATE INDEX imports_user ON imports (user_id, id);

-- Where a person wants reminders besides the inbox; NULL means not there.
ALTER TABLE notification_prefs ADD COLUMN email TEXT;
ALTER TABLE notification_prefs ADD COLUMN webhook_url TEXT;

CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    notification_id BIGINT NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    channel         TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),
    target          TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    -- An instance sending it holds it until then; after that another may take it over.
    claimed_until   TEXT,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    sent_at         TEXT
);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
