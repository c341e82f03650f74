-- Audit guards: each record keeps the encoding it was hashed with.

-- Records written before this migration were hashed with encoding 1; the application writes 2.
ALTER TABLE audit_log ADD COLUMN hash_version BIGINT NOT NULL DEFAULT 1;
