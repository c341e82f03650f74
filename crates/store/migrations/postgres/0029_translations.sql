-- A deployment's own translations of the interface (issue 18): a string of a language's
-- resource file as its translators edited it, a draft until a second translator reviews it.
-- Reviewed ones override the shipped files on every instance.

CREATE TABLE translation_overrides (
    locale      TEXT NOT NULL,
    key         TEXT NOT NULL,
    text        TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('draft', 'reviewed')),
    edited_by   BIGINT NOT NULL REFERENCES users (id),
    edited_at   TEXT NOT NULL,
    reviewed_by BIGINT REFERENCES users (id),
    reviewed_at TEXT,
    PRIMARY KEY (locale, key)
);

-- Counts every change, so that each instance sees at a glance when to read the overrides again.
CREATE TABLE translation_revision (
    id       BIGINT PRIMARY KEY CHECK (id = 1),
    revision BIGINT NOT NULL
);
INSERT INTO translation_revision (id, revision) VALUES (1, 0);
