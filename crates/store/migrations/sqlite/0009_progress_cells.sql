-- The dashboard's roll-ups, kept current as assignments are written (docs/benchmarks.md): per
-- campaign, top-level plan item and unit subtree (every ancestor of an assignment's unit, the
-- unit itself included), so a heat map of a region's prefectures reads a few hundred rows
-- instead of a million assignments.
--
-- `progress_cells` counts the assignments, the closed ones and their progress. Lights change
-- with the calendar, not only with writes, so `light_turns` counts, per day, the open
-- assignments whose light turns yellow and red that day (day as a Julian day number; the
-- earliest representable day for "from the outset"): the lights of any day are the sums up to
-- that day. `light_turns_monthly` holds the same counts per month (keyed by the month's first
-- day), so that a day's sums read the months before it and the days of its own month only:
-- a few dozen rows per cell rather than a year of days.

CREATE TABLE progress_cells (
    campaign_id  BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    unit_id      BIGINT NOT NULL REFERENCES units (id),
    item_id      BIGINT NOT NULL REFERENCES plan_items (id) ON DELETE CASCADE,
    assignments  BIGINT NOT NULL,
    closed       BIGINT NOT NULL,
    permille_sum BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, unit_id, item_id)
);

CREATE TABLE light_turns (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    unit_id     BIGINT NOT NULL REFERENCES units (id),
    item_id     BIGINT NOT NULL REFERENCES plan_items (id) ON DELETE CASCADE,
    day         BIGINT NOT NULL,
    to_yellow   BIGINT NOT NULL,
    to_red      BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, unit_id, item_id, day)
);

CREATE TABLE light_turns_monthly (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    unit_id     BIGINT NOT NULL REFERENCES units (id),
    item_id     BIGINT NOT NULL REFERENCES plan_items (id) ON DELETE CASCADE,
    day         BIGINT NOT NULL,
    to_yellow   BIGINT NOT NULL,
    to_red      BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, unit_id, item_id, day)
);

-- Campaigns whose roll-ups are still to be counted from their assignments: every campaign that
-- exists when this migration runs. The server counts them as it starts (the light rule is
-- Rust, not SQL) and empties this table.
CREATE TABLE progress_cells_pending (
    campaign_id BIGINT PRIMARY KEY REFERENCES campaigns (id) ON DELETE CASCADE
);
INSERT INTO progress_cells_pending (campaign_id) SELECT id FROM campaigns;
