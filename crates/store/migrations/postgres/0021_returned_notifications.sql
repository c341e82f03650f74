-- A report sent back tells the unit's liaisons why (issue 19): notifications of kind
-- 'returned'.

ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('due_soon', 'overdue', 'escalation', 'returned'));
