-- Names in Tibetan beside the Chinese (issue 18): a progress meeting's title and a contest's
-- name, shown to Tibetan readers; the Chinese stands in, marked, where none is given.

ALTER TABLE meetings ADD COLUMN title_bo TEXT;
ALTER TABLE contests ADD COLUMN name_bo TEXT;
