-- Units sorted by name as their readers expect (issue 18): the sort keys of the Chinese and the
-- Tibetan name (`pacesetter_domain::collation`), compared byte by byte. Keys are made on every
-- write, and all again when the collation's version changes (kept below), since a key is only
-- valid for the rules that made it.

ALTER TABLE units ADD COLUMN sort_zh BYTEA;
ALTER TABLE units ADD COLUMN sort_bo BYTEA;

CREATE TABLE collation_state (
    id      BIGINT PRIMARY KEY CHECK (id = 1),
    version TEXT NOT NULL
);
INSERT INTO collation_state (id, version) VALUES (1, '');
