-- Campaigns and their plans: levels with names and roll-up rules, a tree of plan items whose
-- leaves at the task level are key tasks, each fanned out to units as assignments, with the
-- history of every step taken on an assignment.

CREATE TABLE campaigns (
    id                INTEGER PRIMARY KEY,
    name              TEXT NOT NULL,
    name_bo           TEXT,
    year              BIGINT NOT NULL,
    starts_on         TEXT NOT NULL,
    ends_on           TEXT NOT NULL,
    office_unit_id    BIGINT NOT NULL REFERENCES units (id),
    yellow_at         BIGINT NOT NULL DEFAULT 10,
    red_at            BIGINT NOT NULL DEFAULT 30,
    approval_required BIGINT NOT NULL DEFAULT 0 CHECK (approval_required IN (0, 1)),
    public_page       BIGINT NOT NULL DEFAULT 0 CHECK (public_page IN (0, 1)),
    -- The day the lights are computed for; NULL means today (the demo pins a day).
    as_of             TEXT,
    carried_from_id   BIGINT REFERENCES campaigns (id),
    version           BIGINT NOT NULL DEFAULT 1,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);

CREATE TABLE plan_levels (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    depth       BIGINT NOT NULL CHECK (depth BETWEEN 1 AND 6),
    name        TEXT NOT NULL,
    name_bo     TEXT,
    rollup      TEXT NOT NULL CHECK (rollup IN ('weighted_mean', 'minimum', 'worst_light')),
    is_task     BIGINT NOT NULL DEFAULT 0 CHECK (is_task IN (0, 1)),
    PRIMARY KEY (campaign_id, depth)
);

CREATE TABLE plan_items (
    id           INTEGER PRIMARY KEY,
    campaign_id  BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    parent_id    BIGINT REFERENCES plan_items (id),
    depth        BIGINT NOT NULL,
    code         TEXT,
    title        TEXT NOT NULL,
    title_bo     TEXT,
    description  TEXT,
    weight       BIGINT NOT NULL DEFAULT 1 CHECK (weight >= 0),
    lead_unit_id BIGINT REFERENCES units (id),
    starts_on    TEXT,
    due_on       TEXT,
    position     BIGINT NOT NULL DEFAULT 0,
    version      BIGINT NOT NULL DEFAULT 1,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    UNIQUE (campaign_id, code)
);
CREATE INDEX plan_items_parent ON plan_items (campaign_id, parent_id, position);

-- Co-implementing units of a task (责任单位), beside its lead unit (牵头单位).
CREATE TABLE task_co_units (
    item_id BIGINT NOT NULL REFERENCES plan_items (id) ON DELETE CASCADE,
    unit_id BIGINT NOT NULL REFERENCES units (id),
    PRIMARY KEY (item_id, unit_id)
);

CREATE TABLE assignments (
    id             INTEGER PRIMARY KEY,
    item_id        BIGINT NOT NULL REFERENCES plan_items (id) ON DELETE CASCADE,
    unit_id        BIGINT NOT NULL REFERENCES units (id),
    state          TEXT NOT NULL CHECK (state IN ('assigned', 'acknowledged', 'in_progress', 'reported', 'reviewed', 'returned', 'closed')),
    percent        BIGINT NOT NULL DEFAULT 0 CHECK (percent BETWEEN 0 AND 100),
    -- Julian day numbers, so that both databases compute lights and overdue lists with
    -- the same integer arithmetic.
    starts_day     BIGINT NOT NULL,
    due_day        BIGINT NOT NULL,
    last_update_at TEXT,
    version        BIGINT NOT NULL DEFAULT 1,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    UNIQUE (item_id, unit_id)
);
CREATE INDEX assignments_unit ON assignments (unit_id, state, due_day);
CREATE INDEX assignments_due ON assignments (state, due_day);

CREATE TABLE assignment_events (
    id            INTEGER PRIMARY KEY,
    assignment_id BIGINT NOT NULL REFERENCES assignments (id) ON DELETE CASCADE,
    step          TEXT NOT NULL,
    from_state    TEXT NOT NULL,
    to_state      TEXT NOT NULL,
    percent       BIGINT,
    comment       TEXT,
    actor_id      BIGINT NOT NULL REFERENCES users (id),
    at            TEXT NOT NULL
);
CREATE INDEX assignment_events_assignment ON assignment_events (assignment_id, id);
