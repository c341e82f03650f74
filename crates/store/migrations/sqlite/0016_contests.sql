-- Contests judged live (演讲比赛, PRODUCT.md C8, SCORING.md §2): a contest of a campaign, tied to
-- its plan task, with the rules that turn judges' scores into a ranking; its rounds (heats,
-- semi-final, final) with criteria, a judge panel and entries in a drawn running order; and the
-- judges' scores, never changed: a correction is a new score that supersedes, with a reason.

CREATE TABLE contests (
    id            INTEGER PRIMARY KEY,
    campaign_id   BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    plan_item_id  BIGINT REFERENCES plan_items (id),
    name          TEXT NOT NULL,
    trim_high     BIGINT NOT NULL DEFAULT 1 CHECK (trim_high >= 0),
    trim_low      BIGINT NOT NULL DEFAULT 1 CHECK (trim_low >= 0),
    precision_dp  BIGINT NOT NULL DEFAULT 2 CHECK (precision_dp BETWEEN 0 AND 4),
    rounding      TEXT NOT NULL DEFAULT 'half_up' CHECK (rounding IN ('half_up', 'half_even')),
    -- The criterion that breaks a tie the untrimmed scores leave, by its code.
    tie_criterion TEXT,
    reveal        TEXT NOT NULL DEFAULT 'at_once' CHECK (reveal IN ('at_once', 'after_next')),
    created_by    BIGINT NOT NULL REFERENCES users (id),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    version       BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX contests_campaign ON contests (campaign_id, id);

CREATE TABLE contest_rounds (
    id            INTEGER PRIMARY KEY,
    contest_id    BIGINT NOT NULL REFERENCES contests (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    stage         TEXT NOT NULL CHECK (stage IN ('heat', 'semifinal', 'final')),
    -- A heat's prefecture, whose contestants it hears.
    unit_id       BIGINT REFERENCES units (id),
    position      BIGINT NOT NULL,
    -- How many of its best go on to the next round.
    advance       BIGINT NOT NULL DEFAULT 0 CHECK (advance >= 0),
    -- The seed the running order was drawn from, kept so that the draw can be shown fair.
    draw_seed     BIGINT CHECK (draw_seed >= 0),
    status        TEXT NOT NULL DEFAULT 'setup' CHECK (status IN ('setup', 'open', 'closed')),
    -- The running order of the contestant on stage, while the round is open.
    current_order BIGINT,
    version       BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX contest_rounds_contest ON contest_rounds (contest_id, position);

CREATE TABLE contest_criteria (
    round_id   BIGINT NOT NULL REFERENCES contest_rounds (id) ON DELETE CASCADE,
    code       TEXT NOT NULL,
    name       TEXT NOT NULL,
    -- A decimal, as text.
    max_points TEXT NOT NULL,
    position   BIGINT NOT NULL,
    PRIMARY KEY (round_id, code)
);

CREATE TABLE contest_judges (
    round_id BIGINT NOT NULL REFERENCES contest_rounds (id) ON DELETE CASCADE,
    user_id  BIGINT NOT NULL REFERENCES users (id),
    -- The judge's unit when seated: a judge never scores a contestant of it.
    unit_id  BIGINT NOT NULL REFERENCES units (id),
    seat     BIGINT NOT NULL,
    PRIMARY KEY (round_id, user_id)
);
CREATE INDEX contest_judges_user ON contest_judges (user_id);

CREATE TABLE contest_entries (
    id            INTEGER PRIMARY KEY,
    round_id      BIGINT NOT NULL REFERENCES contest_rounds (id) ON DELETE CASCADE,
    contestant    TEXT NOT NULL,
    unit_id       BIGINT NOT NULL REFERENCES units (id),
    title         TEXT NOT NULL DEFAULT '',
    running_order BIGINT,
    UNIQUE (round_id, running_order)
);
CREATE INDEX contest_entries_round ON contest_entries (round_id, id);

CREATE TABLE contest_scores (
    id              INTEGER PRIMARY KEY,
    entry_id        BIGINT NOT NULL REFERENCES contest_entries (id) ON DELETE CASCADE,
    judge_id        BIGINT NOT NULL REFERENCES users (id),
    -- The criteria scores as a JSON object of decimals as text, and their sum.
    criteria        TEXT NOT NULL,
    total           TEXT NOT NULL,
    -- The phone's key for this submission: sent again, it finds the score already kept.
    idempotency_key TEXT NOT NULL UNIQUE,
    supersedes_id   BIGINT REFERENCES contest_scores (id),
    reason          TEXT,
    created_by      BIGINT NOT NULL REFERENCES users (id),
    created_at      TEXT NOT NULL,
    CHECK ((supersedes_id IS NULL) = (reason IS NULL))
);
-- A judge scores an entry once; corrections supersede that score.
CREATE UNIQUE INDEX contest_scores_first ON contest_scores (entry_id, judge_id) WHERE supersedes_id IS NULL;
CREATE INDEX contest_scores_entry ON contest_scores (entry_id, id);
