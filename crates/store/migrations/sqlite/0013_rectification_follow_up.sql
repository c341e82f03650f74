-- Issue 5, second part: photos' location kept or not per campaign, and reminders on
-- rectification items.

-- Whether photos of findings keep the location they were taken at (off: stripped on upload).
ALTER TABLE campaigns ADD COLUMN keep_photo_location BIGINT NOT NULL DEFAULT 0 CHECK (keep_photo_location IN (0, 1));

-- One row per reminder sent on a rectification item: (item, kind, day). As with
-- `reminder_ledger`, the instance whose insert succeeds sends it.
CREATE TABLE rectification_reminders (
    rectification_id BIGINT NOT NULL REFERENCES rectifications (id) ON DELETE CASCADE,
    kind             TEXT NOT NULL,
    day              BIGINT NOT NULL,
    sent_at          TEXT NOT NULL,
    PRIMARY KEY (rectification_id, kind, day)
);

-- The burden meter counts what each unit received by month.
CREATE INDEX assignments_start ON assignments (starts_day, unit_id);
CREATE INDEX rectifications_unit_given ON rectifications (unit_id, given_on);
