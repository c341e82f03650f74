-- An inspection round's name in Tibetan beside the Chinese (issue 18): its pages, the ledger
-- and the burden meter show it to Tibetan readers.

ALTER TABLE inspection_rounds ADD COLUMN name_bo TEXT;
