-- Indicators of a key task (举办场次, 培训人数…) with their unit and target, and the values a
-- progress update reports for them. Values and targets are decimals kept as canonical text
-- ("12", "95.5"), so both databases store and compare them the same way.

CREATE TABLE task_indicators (
    id       INTEGER PRIMARY KEY,
    item_id  BIGINT NOT NULL REFERENCES plan_items (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    name     TEXT NOT NULL,
    unit     TEXT,
    target   TEXT,
    UNIQUE (item_id, name)
);

CREATE TABLE indicator_values (
    event_id     BIGINT NOT NULL REFERENCES assignment_events (id) ON DELETE CASCADE,
    indicator_id BIGINT NOT NULL REFERENCES task_indicators (id) ON DELETE CASCADE,
    value        TEXT NOT NULL,
    PRIMARY KEY (event_id, indicator_id)
);
