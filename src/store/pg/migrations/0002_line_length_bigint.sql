-- A line's length as a 64-bit number: a rollout line may pass 2 GiB (the reader never holds
-- such a line; `sync` records its length and an empty text). Rewrites `ct_lines` once.
ALTER TABLE ct_lines ALTER COLUMN byte_len TYPE bigint;
