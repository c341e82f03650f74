-- The burden meter's count of tasks (issue 16): how many assignments each unit was given per
-- year, by the day each starts. Assignments are only ever added and their start day never
-- changes, so the count is kept as they are created (`inspections::burden::count_assignments`).

CREATE TABLE assignment_years (
    year    BIGINT NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES units (id),
    n       BIGINT NOT NULL,
    PRIMARY KEY (year, unit_id)
);

-- A Julian day number read as a date.
INSERT INTO assignment_years (year, unit_id, n)
SELECT EXTRACT(YEAR FROM to_date(starts_day::text, 'J'))::BIGINT, unit_id, COUNT(*) FROM assignments GROUP BY 1, 2;
