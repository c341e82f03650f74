-- The evidence library: files (stored once per unit, by content hash) and links, attached to
-- progress updates and reused, never uploaded twice ("fill once").

CREATE TABLE evidence (
    id           INTEGER PRIMARY KEY,
    unit_id      BIGINT NOT NULL REFERENCES units (id),
    kind         TEXT NOT NULL CHECK (kind IN ('file', 'link')),
    title        TEXT NOT NULL,
    sha256       TEXT,
    content_type TEXT,
    size_bytes   BIGINT,
    url          TEXT,
    uploaded_by  BIGINT NOT NULL REFERENCES users (id),
    created_at   TEXT NOT NULL,
    UNIQUE (unit_id, sha256)
);
CREATE INDEX evidence_unit ON evidence (unit_id, id);

CREATE TABLE event_evidence (
    event_id    BIGINT NOT NULL REFERENCES assignment_events (id) ON DELETE CASCADE,
    evidence_id BIGINT NOT NULL REFERENCES evidence (id),
    PRIMARY KEY (event_id, evidence_id)
);
CREATE INDEX event_evidence_evidence ON event_evidence (evidence_id);
