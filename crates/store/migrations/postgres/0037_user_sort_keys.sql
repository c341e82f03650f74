-- People sorted by name as their readers expect (issue 18): the sort keys of a person's name in
-- Chinese and in Tibetan order (`pacesetter_domain::collation`), made on every write and all
-- again when the collation's version changes, as the units' (0030).

ALTER TABLE users ADD COLUMN sort_zh BYTEA;
ALTER TABLE users ADD COLUMN sort_bo BYTEA;
