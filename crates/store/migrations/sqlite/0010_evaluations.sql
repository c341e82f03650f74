-- Evaluation (综合考评, SCORING.md §1): schemes of a campaign, the units they rank (with their
-- category and the leaves each self-assesses), score entries by the unit itself and by
-- inspectors, bonus/deduction/veto items with their source, runs that freeze their inputs and
-- results, and appeals (复核) that lead to a new published version. Exact decimals are stored
-- as text (`rust_decimal`'s own notation), never as floating point.

CREATE TABLE evaluation_schemes (
    id          INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    -- `domain::evaluation::Scheme` as JSON, checked by `Scheme::check` before it is stored.
    scheme_json TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active')),
    version     BIGINT NOT NULL DEFAULT 1,
    created_by  BIGINT NOT NULL REFERENCES users (id),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX evaluation_schemes_campaign ON evaluation_schemes (campaign_id, id);

-- The units a scheme ranks, each in one category (分类考核); `submitted_at` marks a unit's
-- self-assessment as handed in.
CREATE TABLE evaluation_units (
    scheme_id    BIGINT NOT NULL REFERENCES evaluation_schemes (id) ON DELETE CASCADE,
    unit_id      BIGINT NOT NULL REFERENCES units (id),
    category     TEXT NOT NULL,
    submitted_at TEXT,
    submitted_by BIGINT REFERENCES users (id),
    PRIMARY KEY (scheme_id, unit_id)
);
CREATE INDEX evaluation_units_unit ON evaluation_units (unit_id);

-- The leaves a unit must self-assess.
CREATE TABLE evaluation_self_leaves (
    scheme_id BIGINT NOT NULL,
    unit_id   BIGINT NOT NULL,
    leaf_code TEXT NOT NULL,
    PRIMARY KEY (scheme_id, unit_id, leaf_code),
    FOREIGN KEY (scheme_id, unit_id) REFERENCES evaluation_units (scheme_id, unit_id) ON DELETE CASCADE
);

-- One entry per leaf, unit and source; earlier values live in the audit log.
CREATE TABLE evaluation_entries (
    id          INTEGER PRIMARY KEY,
    scheme_id   BIGINT NOT NULL,
    unit_id     BIGINT NOT NULL,
    leaf_code   TEXT NOT NULL,
    source      TEXT NOT NULL CHECK (source IN ('self', 'inspector')),
    -- `domain::evaluation::Answer` as JSON.
    answer_json TEXT NOT NULL,
    comment     TEXT,
    entered_by  BIGINT NOT NULL REFERENCES users (id),
    entered_at  TEXT NOT NULL,
    version     BIGINT NOT NULL DEFAULT 1,
    UNIQUE (scheme_id, unit_id, leaf_code, source),
    -- No cascade: a unit with entries cannot silently leave a scheme.
    FOREIGN KEY (scheme_id, unit_id) REFERENCES evaluation_units (scheme_id, unit_id)
);

CREATE TABLE evaluation_entry_evidence (
    entry_id    BIGINT NOT NULL REFERENCES evaluation_entries (id) ON DELETE CASCADE,
    evidence_id BIGINT NOT NULL REFERENCES evidence (id),
    PRIMARY KEY (entry_id, evidence_id)
);
CREATE INDEX evaluation_entry_evidence_evidence ON evaluation_entry_evidence (evidence_id);

-- Bonus (加分), deduction (扣分) and veto (一票否决) items of a unit, with their source.
CREATE TABLE evaluation_items (
    id           INTEGER PRIMARY KEY,
    scheme_id    BIGINT NOT NULL,
    unit_id      BIGINT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('bonus', 'deduction', 'veto')),
    points       TEXT,
    cap          TEXT,
    count        BIGINT,
    per          TEXT,
    effect       TEXT CHECK (effect IS NULL OR effect IN ('fail', 'cap_grade', 'exclude_from_ranking')),
    effect_grade TEXT,
    source       TEXT NOT NULL,
    source_link  TEXT,
    created_by   BIGINT NOT NULL REFERENCES users (id),
    created_at   TEXT NOT NULL,
    FOREIGN KEY (scheme_id, unit_id) REFERENCES evaluation_units (scheme_id, unit_id)
);
CREATE INDEX evaluation_items_unit ON evaluation_items (scheme_id, unit_id, id);

-- A run stores everything it read (the scheme and every unit's inputs) and what it computed,
-- so that a published run can be re-run to the last digit. `version` numbers the published
-- versions of a scheme (1, 2, … after appeals); drafts and what-ifs have none.
CREATE TABLE evaluation_runs (
    id            INTEGER PRIMARY KEY,
    scheme_id     BIGINT NOT NULL REFERENCES evaluation_schemes (id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('draft', 'published', 'what_if')),
    version       BIGINT,
    parent_run_id BIGINT REFERENCES evaluation_runs (id),
    inputs_json   TEXT NOT NULL,
    results_json  TEXT NOT NULL,
    created_by    BIGINT NOT NULL REFERENCES users (id),
    created_at    TEXT NOT NULL,
    published_by  BIGINT REFERENCES users (id),
    published_at  TEXT,
    UNIQUE (scheme_id, version)
);
CREATE INDEX evaluation_runs_scheme ON evaluation_runs (scheme_id, kind, id);

-- 复核: a unit asks for a published result to be reviewed; upholding it publishes a new
-- version (`new_run_id`) and keeps the old one.
CREATE TABLE evaluation_appeals (
    id          INTEGER PRIMARY KEY,
    run_id      BIGINT NOT NULL REFERENCES evaluation_runs (id) ON DELETE CASCADE,
    unit_id     BIGINT NOT NULL REFERENCES units (id),
    reason      TEXT NOT NULL,
    filed_by    BIGINT NOT NULL REFERENCES users (id),
    created_at  TEXT NOT NULL,
    reviewer_id BIGINT REFERENCES users (id),
    decision    TEXT CHECK (decision IS NULL OR decision IN ('upheld', 'dismissed')),
    note        TEXT,
    decided_at  TEXT,
    new_run_id  BIGINT REFERENCES evaluation_runs (id)
);
CREATE INDEX evaluation_appeals_run ON evaluation_appeals (run_id, unit_id);
