-- Checklist points and findings in Tibetan beside the Chinese (issue 18): a point's title and
-- a finding's category (its title) are shown to Tibetan readers in Tibetan where given.

ALTER TABLE inspection_items ADD COLUMN title_bo TEXT;
ALTER TABLE findings ADD COLUMN category_bo TEXT;
