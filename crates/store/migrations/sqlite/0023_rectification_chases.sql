-- A rectification item is chased (催办) as an assignment is (issue 19): each chase kept, with
-- its message, for the item's history and its count.

CREATE TABLE rectification_chases (
    id               INTEGER PRIMARY KEY,
    rectification_id BIGINT NOT NULL REFERENCES rectifications (id) ON DELETE CASCADE,
    user_id          BIGINT NOT NULL REFERENCES users (id),
    message          TEXT,
    created_at       TEXT NOT NULL
);
CREATE INDEX rectification_chases_item ON rectification_chases (rectification_id, id);
