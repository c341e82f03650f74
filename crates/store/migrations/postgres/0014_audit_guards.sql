-- Audit guards: the log cannot be truncated, its head cannot be removed or moved back and
-- always names a record of the log, and each record keeps the encoding it was hashed with.

CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

CREATE FUNCTION audit_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION 'audit_head cannot be removed';
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.seq <= OLD.seq THEN
        RAISE EXCEPTION 'audit_head only moves forward';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM audit_log WHERE seq = NEW.seq AND hash = NEW.hash) THEN
        RAISE EXCEPTION 'audit_head must name a record of audit_log';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER audit_head_guard BEFORE INSERT OR UPDATE OR DELETE ON audit_head
    FOR EACH ROW EXECUTE FUNCTION audit_head_forward_only();
CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
    FOR EACH STATEMENT EXECUTE FUNCTION audit_head_forward_only();

-- Records written before this migration were hashed with encoding 1; the application writes 2.
ALTER TABLE audit_log ADD COLUMN hash_version BIGINT NOT NULL DEFAULT 1;
