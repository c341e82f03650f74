-- An evaluation scheme's name in Tibetan beside the Chinese (issue 18): its pages show it to
-- Tibetan readers, and its bulletin and the briefing pack name it in Tibetan documents.

ALTER TABLE evaluation_schemes ADD COLUMN name_bo TEXT;
