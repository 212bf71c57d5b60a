-- Threads and their history lines, as `codex-threads sync` pushes them and the store edits them.
-- Full-text search uses pg_trgm: the home's search is a substring search (any part of a word,
-- a path, an identifier), which trigram indexes answer for LIKE/ILIKE; text search
-- (tsvector) would stem and split words and find other things than the home's search finds.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE ct_threads (
    thread_id text COLLATE "C" PRIMARY KEY,
    -- Where the thread came from: the host name and the Codex home that `sync` read.
    origin_host text NOT NULL,
    origin_home text NOT NULL,
    rollout_path text,
    forked_from_id text,
    preview text NOT NULL DEFAULT '',
    name text,
    model_provider text NOT NULL DEFAULT '',
    model text,
    reasoning_effort text,
    -- Milliseconds since the epoch: the listing's keyset cursor is (time in ms, id).
    created_ms bigint NOT NULL,
    updated_ms bigint NOT NULL,
    archived boolean NOT NULL DEFAULT false,
    archived_ms bigint,
    cwd text NOT NULL DEFAULT '',
    cli_version text NOT NULL DEFAULT '',
    source text NOT NULL DEFAULT 'unknown',
    thread_source text,
    agent_nickname text,
    agent_role text,
    agent_path text,
    -- JSON documents kept as text: jsonb refuses a \u0000 escape, which rollouts may hold.
    git_info text,
    approval_mode text,
    token_usage text,
    first_user_message text,
    memory_mode text NOT NULL DEFAULT 'enabled',
    history_mode text NOT NULL DEFAULT 'legacy',
    -- What `list --search` matches, lowercased by the writer: title, preview, id, branch, cwd.
    list_search text NOT NULL DEFAULT '',
    -- Last edit wins: when each user-editable field last changed, and what the home had for it
    -- at the last sync (a sync applies the home's value only when the home changed it).
    name_edited_ms bigint,
    memory_edited_ms bigint,
    archive_edited_ms bigint,
    home_name text,
    home_memory_mode text,
    home_archived boolean,
    -- The home's thread as sync last saw it (JSON), and how far its rollout was pushed.
    home_state text,
    synced_offset bigint NOT NULL DEFAULT 0,
    line_count bigint NOT NULL DEFAULT 0
);

CREATE INDEX ct_threads_by_updated ON ct_threads (archived, updated_ms DESC, thread_id DESC);
CREATE INDEX ct_threads_by_created ON ct_threads (archived, created_ms DESC, thread_id DESC);
CREATE INDEX ct_threads_by_cwd ON ct_threads (cwd);
CREATE INDEX ct_threads_by_name ON ct_threads (name) WHERE name IS NOT NULL;
CREATE INDEX ct_threads_by_origin ON ct_threads (origin_host, origin_home);
CREATE INDEX ct_threads_list_search ON ct_threads USING gin (list_search gin_trgm_ops);
-- The primary key (COLLATE "C") already serves id-prefix lookups (`thread_id LIKE 'abc%'`).

CREATE TABLE ct_lines (
    thread_id text COLLATE "C" NOT NULL REFERENCES ct_threads (thread_id) ON DELETE CASCADE,
    -- Where the line starts in the (decompressed) rollout: the history cursor.
    byte_offset bigint NOT NULL,
    seq bigint NOT NULL,
    -- Bytes from this line's start to the next line's start in the rollout.
    byte_len integer NOT NULL,
    -- The line's text as stored in the rollout.
    raw text NOT NULL,
    -- The text a full-text search looks in (message text, command output, tool arguments).
    search_text text,
    PRIMARY KEY (thread_id, byte_offset)
);

CREATE INDEX ct_lines_search ON ct_lines USING gin (search_text gin_trgm_ops)
    WHERE search_text IS NOT NULL;
