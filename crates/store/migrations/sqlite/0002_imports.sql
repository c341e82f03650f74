-- Uploaded sheets kept between their preview and their commit, and as a record afterwards.

CREATE TABLE imports (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('units', 'users')),
    user_id      BIGINT NOT NULL REFERENCES users (id),
    filename     TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    content      BLOB NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('previewed', 'committed', 'failed')),
    summary_json TEXT,
    created_at   TEXT NOT NULL,
    finished_at  TEXT
);
CREATE INDEX imports_user ON imports (user_id, id);
