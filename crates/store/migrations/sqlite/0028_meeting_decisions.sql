-- What a progress meeting decided (议定事项, issue 15), each followed up (督办) as a key task of
-- the campaign's plan (decision 0021): the task's lead unit, co-units, deadline and assignments
-- are the decision's; this row links the task to its meeting and keeps the decision's words.

CREATE TABLE meeting_decisions (
    id             INTEGER PRIMARY KEY,
    meeting_id     BIGINT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    agenda_item_id BIGINT REFERENCES meeting_agenda_items (id) ON DELETE SET NULL,
    item_id        BIGINT NOT NULL UNIQUE REFERENCES plan_items (id),
    text           TEXT NOT NULL DEFAULT '',
    created_by     BIGINT NOT NULL REFERENCES users (id),
    created_at     TEXT NOT NULL
);
CREATE INDEX meeting_decisions_meeting ON meeting_decisions (meeting_id, id);

-- The days by which the lead unit reports back (反馈节点), earliest first.
CREATE TABLE meeting_decision_checkpoints (
    decision_id BIGINT NOT NULL REFERENCES meeting_decisions (id) ON DELETE CASCADE,
    position    BIGINT NOT NULL,
    label       TEXT NOT NULL,
    due_on      TEXT NOT NULL,
    PRIMARY KEY (decision_id, position)
);
