-- Exhibitions and contest results (PRODUCT.md C8): a contest is a speech contest or an
-- exhibition, whose rounds are its categories and whose entries carry a picture of the work;
-- a round awards a number of first, second and third prizes, and its results are published once.

ALTER TABLE contests ADD COLUMN kind TEXT NOT NULL DEFAULT 'speech' CHECK (kind IN ('speech', 'exhibition'));

-- The picture of an exhibition entry, in the file store by its hash.
ALTER TABLE contest_entries ADD COLUMN image_sha256 TEXT;
ALTER TABLE contest_entries ADD COLUMN image_type TEXT;

-- How many first, second, third … prizes the round awards, as a JSON array of counts ([5,10,35]).
ALTER TABLE contest_rounds ADD COLUMN prizes TEXT NOT NULL DEFAULT '[]';
ALTER TABLE contest_rounds ADD COLUMN published_at TEXT;
