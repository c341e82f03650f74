-- Evaluation runs at national scale (45,000 units × 200 leaves × 2 sources). Each unit's
-- answers are kept compact beside its entries (its scorecard, rewritten with every entry
-- saved), so that a run reads one short row per unit instead of hundreds of entry rows; and a
-- run stores its frozen inputs and its results one row per unit, with digests of both.

ALTER TABLE evaluation_units ADD COLUMN scorecard TEXT NOT NULL DEFAULT '';

-- Schemes whose scorecards are still to be built from their entries (the token format is
-- Rust's): emptied at startup, one scheme per transaction.
CREATE TABLE evaluation_scorecards_pending (
    scheme_id BIGINT PRIMARY KEY REFERENCES evaluation_schemes (id) ON DELETE CASCADE
);
INSERT INTO evaluation_scorecards_pending (scheme_id) SELECT DISTINCT scheme_id FROM evaluation_entries;

-- Runs kept their inputs and results as one JSON document each, which a national run cannot
-- hold in memory. No release stored runs in that form (the demo seeds its own again), so
-- they are removed rather than converted.
DELETE FROM evaluation_appeals;
DELETE FROM evaluation_runs;
ALTER TABLE evaluation_runs DROP COLUMN inputs_json;
ALTER TABLE evaluation_runs DROP COLUMN results_json;
-- The scheme as the run read it, its version then, and SHA-256 digests of every unit's frozen
-- inputs and result lines in unit order (also in the run's audit record).
ALTER TABLE evaluation_runs ADD COLUMN scheme_json TEXT NOT NULL DEFAULT '';
ALTER TABLE evaluation_runs ADD COLUMN scheme_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE evaluation_runs ADD COLUMN inputs_sha256 TEXT NOT NULL DEFAULT '';
ALTER TABLE evaluation_runs ADD COLUMN results_sha256 TEXT NOT NULL DEFAULT '';

-- A unit's inputs as the run read them: its scorecard and, as JSON, its items and computed
-- leaves (`domain::evaluation::scorecard::Extras`; empty when it has none).
CREATE TABLE evaluation_run_inputs (
    run_id    BIGINT NOT NULL REFERENCES evaluation_runs (id) ON DELETE CASCADE,
    unit_id   BIGINT NOT NULL,
    category  TEXT NOT NULL,
    scorecard TEXT NOT NULL,
    extras    TEXT NOT NULL,
    PRIMARY KEY (run_id, unit_id)
);

-- A unit's line of the run (`domain::evaluation::UnitLine` as JSON); its leaves are scored
-- again from the frozen inputs when it is explained.
CREATE TABLE evaluation_run_results (
    run_id    BIGINT NOT NULL REFERENCES evaluation_runs (id) ON DELETE CASCADE,
    unit_id   BIGINT NOT NULL,
    category  TEXT NOT NULL,
    rank      BIGINT,
    line_json TEXT NOT NULL,
    PRIMARY KEY (run_id, unit_id)
);
