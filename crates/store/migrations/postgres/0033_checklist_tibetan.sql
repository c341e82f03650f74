-- A checklist point's title in Tibetan beside the Chinese (issue 18): findings are written
-- against these points, and Tibetan-reading units and inspectors see the Tibetan.

ALTER TABLE inspection_items ADD COLUMN title_bo TEXT;
