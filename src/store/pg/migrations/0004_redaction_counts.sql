-- How many secrets `sync` replaced by `[redacted: KIND]` markers: per line, and per thread (the
-- sum over its lines, kept by `push_lines`). The values themselves are never stored.
ALTER TABLE ct_lines ADD COLUMN redactions integer NOT NULL DEFAULT 0;
ALTER TABLE ct_threads ADD COLUMN redactions bigint NOT NULL DEFAULT 0;
