-- Progress meetings (推进会, PRODUCT.md C9, issue 15): a meeting of a campaign, held in person,
-- by video, by telephone or both; its venues, one main venue (主会场) and branch venues
-- (分会场), each hosted by a unit and expecting some units, a unit at one venue at most; and
-- its agenda, items run one after another from the start.

CREATE TABLE meetings (
    id          INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    title       TEXT NOT NULL,
    starts_at   TEXT NOT NULL,
    mode        TEXT NOT NULL CHECK (mode IN ('in_person', 'video', 'telephone', 'hybrid')),
    -- Who chairs it, by position.
    chair       TEXT NOT NULL DEFAULT '',
    created_by  BIGINT NOT NULL REFERENCES users (id),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    version     BIGINT NOT NULL DEFAULT 1,
    -- Once closed, its schedule, minutes and roll call are locked; corrections are amendments.
    closed_at   TEXT,
    closed_by   BIGINT REFERENCES users (id)
);
CREATE INDEX meetings_campaign ON meetings (campaign_id, starts_at);

CREATE TABLE meeting_venues (
    id           INTEGER PRIMARY KEY,
    meeting_id   BIGINT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('main', 'branch')),
    name         TEXT NOT NULL,
    -- The unit hosting it, whose liaison runs its roll call.
    host_unit_id BIGINT NOT NULL REFERENCES units (id),
    -- Who of each expected unit attends, by position.
    positions    TEXT NOT NULL DEFAULT '',
    position     BIGINT NOT NULL,
    -- The latest test of its link to the main venue: worked (1) or not (0), with a note.
    link_ok        BIGINT CHECK (link_ok IN (0, 1)),
    link_note      TEXT NOT NULL DEFAULT '',
    link_tested_by BIGINT REFERENCES users (id),
    link_tested_at TEXT
);
CREATE INDEX meeting_venues_meeting ON meeting_venues (meeting_id, position);
CREATE UNIQUE INDEX meeting_venues_one_main ON meeting_venues (meeting_id) WHERE kind = 'main';

CREATE TABLE meeting_expected (
    venue_id   BIGINT NOT NULL REFERENCES meeting_venues (id) ON DELETE CASCADE,
    -- The venue's meeting, so that a unit is expected at one venue of a meeting at most.
    meeting_id BIGINT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    unit_id    BIGINT NOT NULL REFERENCES units (id),
    position   BIGINT NOT NULL,
    PRIMARY KEY (venue_id, unit_id),
    UNIQUE (meeting_id, unit_id)
);

CREATE TABLE meeting_agenda_items (
    id         INTEGER PRIMARY KEY,
    meeting_id BIGINT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    position   BIGINT NOT NULL,
    title      TEXT NOT NULL,
    presenter  TEXT NOT NULL DEFAULT '',
    minutes    BIGINT NOT NULL CHECK (minutes BETWEEN 1 AND 480),
    -- The minutes of the item (会议纪要): what was reported and said.
    summary    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX meeting_agenda_items_meeting ON meeting_agenda_items (meeting_id, position);

-- A venue's roll call: each expected unit present, absent or on leave (with the reason), as its
-- host last recorded it.
CREATE TABLE meeting_attendance (
    meeting_id  BIGINT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    venue_id    BIGINT NOT NULL,
    unit_id     BIGINT NOT NULL,
    attendance  TEXT NOT NULL CHECK (attendance IN ('present', 'absent', 'leave')),
    reason      TEXT NOT NULL DEFAULT '',
    recorded_by BIGINT NOT NULL REFERENCES users (id),
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (meeting_id, unit_id),
    FOREIGN KEY (venue_id, unit_id) REFERENCES meeting_expected (venue_id, unit_id) ON DELETE CASCADE
);
CREATE INDEX meeting_attendance_venue ON meeting_attendance (venue_id);

-- Corrections after a meeting closed, kept beside what they correct: of an agenda item's
-- minutes, or (no item) of the roll call.
CREATE TABLE meeting_amendments (
    id             INTEGER PRIMARY KEY,
    meeting_id     BIGINT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    agenda_item_id BIGINT REFERENCES meeting_agenda_items (id) ON DELETE CASCADE,
    text           TEXT NOT NULL,
    created_by     BIGINT NOT NULL REFERENCES users (id),
    created_at     TEXT NOT NULL
);
CREATE INDEX meeting_amendments_meeting ON meeting_amendments (meeting_id, id);
