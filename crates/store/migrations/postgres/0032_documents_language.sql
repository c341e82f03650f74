-- The language a campaign issues its documents in (issue 18): its bulletin in Chinese, in
-- Tibetan, or in both, each fixed wording in both languages one under the other.

ALTER TABLE campaigns ADD COLUMN documents_language TEXT NOT NULL DEFAULT 'zh' CHECK (documents_language IN ('zh', 'bo', 'both'));
