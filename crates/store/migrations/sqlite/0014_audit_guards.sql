-- Audit guards: the head of the log cannot be removed or moved back and always names a record
-- of the log, and each record keeps the encoding it was hashed with. (SQLite has no TRUNCATE:
-- an unqualified DELETE runs the log's delete trigger.)

CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
BEGIN
    SELECT RAISE(ABORT, 'audit_head cannot be removed');
END;
CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_head
    WHEN NEW.seq <= OLD.seq OR NEW.id <> OLD.id
BEGIN
    SELECT RAISE(ABORT, 'audit_head only moves forward');
END;
CREATE TRIGGER audit_head_names_a_record BEFORE UPDATE ON audit_head
    WHEN NOT EXISTS (SELECT 1 FROM audit_log WHERE seq = NEW.seq AND hash = NEW.hash)
BEGIN
    SELECT RAISE(ABORT, 'audit_head must name a record of audit_log');
END;
-- Also stops INSERT OR REPLACE, whose implicit delete runs no delete trigger.
CREATE TRIGGER audit_head_one_insert BEFORE INSERT ON audit_head
    WHEN EXISTS (SELECT 1 FROM audit_head)
      OR NOT EXISTS (SELECT 1 FROM audit_log WHERE seq = NEW.seq AND hash = NEW.hash)
BEGIN
    SELECT RAISE(ABORT, 'audit_head must name a record of audit_log, once');
END;

-- Records written before this migration were hashed with encoding 1; the application writes 2.
ALTER TABLE audit_log ADD COLUMN hash_version BIGINT NOT NULL DEFAULT 1;
