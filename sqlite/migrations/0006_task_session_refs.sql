-- The collection of task sessions (a month of them, newest first, read in
-- chunks after the last row's position) is written as references, which
-- need only the id, the name and the names and ids of the policy session and
-- the backup server. An index in the collection's order that holds them lets
-- it read the index alone, in order, instead of one table row per session at
-- a scattered place (the table is in the order the rows were written, one
-- policy's history after another when seeded). The id keeps every entry
-- unique, so the columns after it do not change the order. It is an index
-- of its own so that task_sessions_created_desc stays small for the reads
-- of whole rows and of ids that walk it.
CREATE INDEX task_sessions_refs ON task_sessions (creation_time DESC, id, name, policy_session_id,
    policy_session_name, backup_server_id, backup_server_name);
