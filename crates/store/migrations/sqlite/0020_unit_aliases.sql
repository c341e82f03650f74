-- The other names a unit is known by (区发改委, 团区委, an older name), one a line, so that a
-- task sheet naming a unit as offices write it finds the unit (issue 19).

ALTER TABLE units ADD COLUMN aliases TEXT NOT NULL DEFAULT '';
