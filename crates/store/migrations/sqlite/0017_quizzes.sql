-- Knowledge quizzes between teams (知识竞赛, PRODUCT.md C8, SCORING.md §3): a quiz of a campaign,
-- tied to its plan task, with its points; its teams, each representing a unit; and its answers,
-- each an event of the standings, never deleted: a mistaken one is voided with a reason.

CREATE TABLE quizzes (
    id                 INTEGER PRIMARY KEY,
    campaign_id        BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    plan_item_id       BIGINT REFERENCES plan_items (id),
    name               TEXT NOT NULL,
    -- Decimals, as text.
    base               TEXT NOT NULL,
    compulsory_points  TEXT NOT NULL,
    compulsory_penalty TEXT NOT NULL,
    buzzer_points      TEXT NOT NULL,
    early_buzz_penalty TEXT,
    -- The stakes a team may choose for a risk question, as a JSON array of decimals as text.
    risk_values        TEXT NOT NULL,
    status             TEXT NOT NULL DEFAULT 'setup' CHECK (status IN ('setup', 'open', 'closed')),
    created_by         BIGINT NOT NULL REFERENCES users (id),
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    version            BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX quizzes_campaign ON quizzes (campaign_id, id);

CREATE TABLE quiz_teams (
    id       INTEGER PRIMARY KEY,
    quiz_id  BIGINT NOT NULL REFERENCES quizzes (id) ON DELETE CASCADE,
    unit_id  BIGINT NOT NULL REFERENCES units (id),
    name     TEXT NOT NULL,
    position BIGINT NOT NULL,
    UNIQUE (quiz_id, unit_id)
);
CREATE INDEX quiz_teams_quiz ON quiz_teams (quiz_id, position);

CREATE TABLE quiz_events (
    id              INTEGER PRIMARY KEY,
    quiz_id         BIGINT NOT NULL REFERENCES quizzes (id) ON DELETE CASCADE,
    team_id         BIGINT NOT NULL REFERENCES quiz_teams (id) ON DELETE CASCADE,
    question        BIGINT NOT NULL CHECK (question >= 1),
    kind            TEXT NOT NULL CHECK (kind IN ('compulsory', 'buzzer', 'risk', 'playoff')),
    outcome         TEXT NOT NULL CHECK (outcome IN ('correct', 'wrong', 'early_buzz')),
    stake           TEXT,
    points          TEXT NOT NULL,
    -- The console's key for this answer: sent again, it finds the answer already kept.
    idempotency_key TEXT NOT NULL UNIQUE,
    void_reason     TEXT,
    voided_by       BIGINT REFERENCES users (id),
    voided_at       TEXT,
    created_by      BIGINT NOT NULL REFERENCES users (id),
    created_at      TEXT NOT NULL,
    CHECK ((void_reason IS NULL) = (voided_at IS NULL) AND (voided_at IS NULL) = (voided_by IS NULL))
);
CREATE INDEX quiz_events_quiz ON quiz_events (quiz_id, id);
