-- A campaign's turning days counted again a chunk of assignments at a time after its light
-- thresholds change (issue 16; `progress_cells::recount_step`), so that no transaction holds
-- the write lock for the whole campaign. While a recount is under way the assignments after
-- `recount_after` up to `recount_until` are still counted under the old thresholds kept here;
-- NULL when none is.

ALTER TABLE campaigns ADD COLUMN recount_after BIGINT;
ALTER TABLE campaigns ADD COLUMN recount_until BIGINT;
ALTER TABLE campaigns ADD COLUMN recount_yellow_at BIGINT;
ALTER TABLE campaigns ADD COLUMN recount_red_at BIGINT;
