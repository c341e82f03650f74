-- Inspections (调研督导, PRODUCT.md C6): rounds of a campaign with their teams and target units,
-- the checklist each target is checked against (built from its assigned tasks and evaluation
-- indicators), the unit's self-inspection and the inspectors' checks of each item, findings
-- (问题) with photos, and each finding's rectification item (整改) through to closure (销号),
-- every step kept.

CREATE TABLE inspection_rounds (
    id          INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    starts_on   TEXT NOT NULL,
    ends_on     TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'planning' CHECK (status IN ('planning', 'active', 'completed')),
    -- The evaluation scheme the inspectors also score, if any.
    scheme_id   BIGINT REFERENCES evaluation_schemes (id),
    created_by  BIGINT NOT NULL REFERENCES users (id),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    version     BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX inspection_rounds_campaign ON inspection_rounds (campaign_id, id);

CREATE TABLE inspection_teams (
    id        INTEGER PRIMARY KEY,
    round_id  BIGINT NOT NULL REFERENCES inspection_rounds (id) ON DELETE CASCADE,
    name      TEXT NOT NULL,
    leader_id BIGINT NOT NULL REFERENCES users (id)
);
CREATE INDEX inspection_teams_round ON inspection_teams (round_id, id);

CREATE TABLE inspection_team_members (
    team_id BIGINT NOT NULL REFERENCES inspection_teams (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id),
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX inspection_team_members_user ON inspection_team_members (user_id);

-- The units a round visits, each by one team; `self_submitted_at` marks its self-inspection
-- handed in.
CREATE TABLE inspection_targets (
    round_id          BIGINT NOT NULL REFERENCES inspection_rounds (id) ON DELETE CASCADE,
    unit_id           BIGINT NOT NULL REFERENCES units (id),
    team_id           BIGINT REFERENCES inspection_teams (id) ON DELETE SET NULL,
    self_submitted_at TEXT,
    PRIMARY KEY (round_id, unit_id)
);
CREATE INDEX inspection_targets_unit ON inspection_targets (unit_id);

-- The checklist of a round: an assigned task, an evaluation indicator, or a point the office
-- wrote, with the evidence it asks for.
CREATE TABLE inspection_items (
    id               INTEGER PRIMARY KEY,
    round_id         BIGINT NOT NULL REFERENCES inspection_rounds (id) ON DELETE CASCADE,
    position         BIGINT NOT NULL,
    title            TEXT NOT NULL,
    plan_item_id     BIGINT REFERENCES plan_items (id),
    indicator_code   TEXT,
    evidence_request TEXT
);
CREATE INDEX inspection_items_round ON inspection_items (round_id, position);

-- One answer per target, item and source: the unit's self-inspection or the inspectors' check.
CREATE TABLE inspection_checks (
    round_id     BIGINT NOT NULL,
    unit_id      BIGINT NOT NULL,
    item_id      BIGINT NOT NULL REFERENCES inspection_items (id) ON DELETE CASCADE,
    source       TEXT NOT NULL CHECK (source IN ('self', 'inspector')),
    status       TEXT NOT NULL CHECK (status IN ('met', 'partly', 'unmet', 'not_applicable')),
    comment      TEXT,
    -- Evidence ids of the unit's library, comma-separated, in the order given.
    evidence_ids TEXT NOT NULL DEFAULT '',
    checked_by   BIGINT NOT NULL REFERENCES users (id),
    checked_at   TEXT NOT NULL,
    PRIMARY KEY (round_id, unit_id, item_id, source),
    FOREIGN KEY (round_id, unit_id) REFERENCES inspection_targets (round_id, unit_id) ON DELETE CASCADE
);

CREATE TABLE findings (
    id             INTEGER PRIMARY KEY,
    round_id       BIGINT NOT NULL REFERENCES inspection_rounds (id),
    unit_id        BIGINT NOT NULL REFERENCES units (id),
    item_id        BIGINT REFERENCES inspection_items (id) ON DELETE SET NULL,
    plan_item_id   BIGINT REFERENCES plan_items (id),
    indicator_code TEXT,
    severity       TEXT NOT NULL CHECK (severity IN ('minor', 'major', 'serious')),
    category       TEXT NOT NULL,
    description    TEXT NOT NULL,
    created_by     BIGINT NOT NULL REFERENCES users (id),
    created_at     TEXT NOT NULL
);
CREATE INDEX findings_round ON findings (round_id, id);
CREATE INDEX findings_unit ON findings (unit_id, id);

-- Photos of a finding, stored by content hash like evidence files (location metadata stripped).
CREATE TABLE finding_photos (
    finding_id   BIGINT NOT NULL REFERENCES findings (id) ON DELETE CASCADE,
    sha256       TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes   BIGINT NOT NULL,
    position     BIGINT NOT NULL,
    PRIMARY KEY (finding_id, sha256)
);

-- A finding's rectification item: the responsible unit, the measure and the deadline; its
-- state moves by `domain::inspection::RectificationState::after`.
CREATE TABLE rectifications (
    id          INTEGER PRIMARY KEY,
    finding_id  BIGINT NOT NULL UNIQUE REFERENCES findings (id),
    unit_id     BIGINT NOT NULL REFERENCES units (id),
    measure     TEXT NOT NULL,
    given_on    TEXT NOT NULL,
    due_on      TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'responded', 'closed', 'reopened')),
    version     BIGINT NOT NULL DEFAULT 1,
    updated_at  TEXT NOT NULL
);
CREATE INDEX rectifications_unit ON rectifications (unit_id, state);
CREATE INDEX rectifications_due ON rectifications (state, due_on);

-- Every step taken on a rectification item, with its text and evidence.
CREATE TABLE rectification_steps (
    id               INTEGER PRIMARY KEY,
    rectification_id BIGINT NOT NULL REFERENCES rectifications (id) ON DELETE CASCADE,
    step             TEXT NOT NULL CHECK (step IN ('respond', 'close', 'reopen')),
    text             TEXT NOT NULL,
    evidence_ids     TEXT NOT NULL DEFAULT '',
    taken_by         BIGINT NOT NULL REFERENCES users (id),
    taken_at         TEXT NOT NULL
);
CREATE INDEX rectification_steps_item ON rectification_steps (rectification_id, id);
