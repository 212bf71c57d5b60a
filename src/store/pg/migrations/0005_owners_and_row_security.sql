-- Each member sees what is theirs. A thread's owner is the role that first synced (or created)
-- it; row-level security lets a role see and edit its own threads, members of
-- codex_threads_readers see every thread, members of codex_threads_editors may also edit them,
-- and codex_threads_members carries the table rights a member needs. The policies bind the
-- members; the table's owner (the role that created the schema), superusers, and a role an
-- admin granted table rights directly (as before this migration) are not bound by them.
--
-- Roles are cluster-wide: a second database on the server finds them made, and two databases
-- migrating at once both succeed. A connecting role that may not create roles stops here with
-- what an admin runs instead.
DO $roles$
DECLARE
    name text;
BEGIN
    FOREACH name IN ARRAY ARRAY['codex_threads_members', 'codex_threads_readers',
                                'codex_threads_editors'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = name) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', name);
            EXCEPTION
                WHEN duplicate_object OR unique_violation THEN NULL;
                WHEN insufficient_privilege THEN
                    RAISE EXCEPTION 'the store needs the roles codex_threads_members, codex_threads_readers and codex_threads_editors, and this role may not create them'
                        USING ERRCODE = 'insufficient_privilege',
                              HINT = 'an admin runs once per server: CREATE ROLE codex_threads_members NOLOGIN; CREATE ROLE codex_threads_readers NOLOGIN IN ROLE codex_threads_members; CREATE ROLE codex_threads_editors NOLOGIN IN ROLE codex_threads_members;';
            END;
        END IF;
    END LOOP;
END
$roles$;

-- Readers and editors are members too (a role granted either needs nothing else). Granting
-- again is a no-op; a role that may not grant leaves it to the admin's `IN ROLE`.
DO $grants$
BEGIN
    GRANT codex_threads_members TO codex_threads_readers, codex_threads_editors;
EXCEPTION
    WHEN insufficient_privilege OR invalid_grant_operation THEN NULL;
END
$grants$;

ALTER TABLE ct_threads ADD COLUMN IF NOT EXISTS owner_role text NOT NULL DEFAULT current_user;
CREATE INDEX IF NOT EXISTS ct_threads_by_owner ON ct_threads (owner_role);

GRANT USAGE ON SCHEMA public TO codex_threads_members;
GRANT SELECT, INSERT, UPDATE, DELETE ON ct_threads, ct_lines TO codex_threads_members;
GRANT SELECT ON ct_migrations TO codex_threads_members;

ALTER TABLE ct_threads ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS ct_threads_read ON ct_threads;
DROP POLICY IF EXISTS ct_threads_insert ON ct_threads;
DROP POLICY IF EXISTS ct_threads_update ON ct_threads;
DROP POLICY IF EXISTS ct_threads_delete ON ct_threads;
CREATE POLICY ct_threads_read ON ct_threads FOR SELECT
    USING (owner_role = current_user
           OR NOT pg_has_role('codex_threads_members', 'MEMBER')
           OR pg_has_role('codex_threads_readers', 'MEMBER')
           OR pg_has_role('codex_threads_editors', 'MEMBER'));
CREATE POLICY ct_threads_insert ON ct_threads FOR INSERT
    WITH CHECK (owner_role = current_user
                OR NOT pg_has_role('codex_threads_members', 'MEMBER'));
CREATE POLICY ct_threads_update ON ct_threads FOR UPDATE
    USING (owner_role = current_user
           OR NOT pg_has_role('codex_threads_members', 'MEMBER')
           OR pg_has_role('codex_threads_editors', 'MEMBER'));
CREATE POLICY ct_threads_delete ON ct_threads FOR DELETE
    USING (owner_role = current_user
           OR NOT pg_has_role('codex_threads_members', 'MEMBER')
           OR pg_has_role('codex_threads_editors', 'MEMBER'));

-- A line is seen with its thread (the thread's own policy applies inside), and written by who
-- may write the thread.
ALTER TABLE ct_lines ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS ct_lines_read ON ct_lines;
DROP POLICY IF EXISTS ct_lines_write ON ct_lines;
CREATE POLICY ct_lines_read ON ct_lines FOR SELECT
    USING (EXISTS (SELECT 1 FROM ct_threads t WHERE t.thread_id = ct_lines.thread_id));
CREATE POLICY ct_lines_write ON ct_lines FOR INSERT
    WITH CHECK (EXISTS (SELECT 1 FROM ct_threads t
                        WHERE t.thread_id = ct_lines.thread_id
                          AND (t.owner_role = current_user
                               OR NOT pg_has_role('codex_threads_members', 'MEMBER')
                               OR pg_has_role('codex_threads_editors', 'MEMBER'))));

-- Whose a thread is, whoever asks: a sync of an id another role owns is skipped by name, and an
-- edit refused for want of a right says so, without showing the thread itself.
CREATE OR REPLACE FUNCTION ct_thread_owner(id text) RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
    AS $$ SELECT owner_role FROM ct_threads WHERE thread_id = id $$;
