-- A run's results page reads one category's lines in rank order, a page at a time, instead of
-- every line of the run: a national run ranks 45,000 units (issue 16).

CREATE INDEX evaluation_run_results_rank ON evaluation_run_results (run_id, category, rank, unit_id);
