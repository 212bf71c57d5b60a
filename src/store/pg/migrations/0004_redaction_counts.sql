-- How many secrets `sync` replaced by `[redacted: KIND]` markers: per line, and per thread (the
-- sum over its lines, kept by `push_lines`). The values themselves are never stored. Idempotent
-- (a store whose later migrations are run again keeps its counts).
ALTER TABLE ct_lines ADD COLUMN IF NOT EXISTS redactions integer NOT NULL DEFAULT 0;
ALTER TABLE ct_threads ADD COLUMN IF NOT EXISTS redactions bigint NOT NULL DEFAULT 0;
