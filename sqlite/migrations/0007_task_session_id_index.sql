-- The task sessions' ids are random, so a table keyed by them takes each new
-- row at a scattered place of the key's B-tree: a bulk load of a million
-- rows dirties nearly every page of the key in each transaction. With the id
-- a plain column, unique through an index of its own, the rows are appended
-- in the order they are written, and a bulk load can drop that index with
-- the secondary ones and build it once from a sort at the end (sqlite/bulk.go).
-- Reads and writes by id use the index as they used the key. The table is
-- rebuilt with the same columns in the same order and its rows keep their
-- rowids; its indexes go with the old table and are created again.
CREATE TABLE task_sessions_new (
    id                  BLOB NOT NULL CHECK (length(id) = 16),
    name                TEXT NOT NULL COLLATE NOCASE,
    policy_session_id   BLOB NOT NULL,
    policy_session_name TEXT NOT NULL COLLATE NOCASE,
    policy_id           BLOB NOT NULL,
    backup_server_id    BLOB NOT NULL,
    backup_server_name  TEXT NOT NULL COLLATE NOCASE,
    vm_display_name     TEXT NOT NULL COLLATE NOCASE,
    creation_time       INTEGER NOT NULL,
    end_time            INTEGER,
    state               INTEGER NOT NULL,
    result              INTEGER NOT NULL,
    reason              TEXT COLLATE NOCASE,
    total_size          INTEGER NOT NULL
);
INSERT INTO task_sessions_new (rowid, id, name, policy_session_id, policy_session_name, policy_id, backup_server_id,
    backup_server_name, vm_display_name, creation_time, end_time, state, result, reason, total_size)
SELECT rowid, id, name, policy_session_id, policy_session_name, policy_id, backup_server_id,
    backup_server_name, vm_display_name, creation_time, end_time, state, result, reason, total_size
FROM task_sessions ORDER BY rowid;
DROP TABLE task_sessions;
ALTER TABLE task_sessions_new RENAME TO task_sessions;
CREATE UNIQUE INDEX task_sessions_id ON task_sessions (id);
CREATE INDEX task_sessions_created ON task_sessions (creation_time, id);
CREATE INDEX task_sessions_created_desc ON task_sessions (creation_time DESC, id);
CREATE INDEX task_sessions_vm ON task_sessions (vm_display_name, creation_time, id);
CREATE INDEX task_sessions_policy_session ON task_sessions (policy_session_id, creation_time, id);
CREATE INDEX task_sessions_server ON task_sessions (backup_server_id, creation_time, id);
CREATE INDEX task_sessions_state ON task_sessions (state, creation_time, id);
CREATE INDEX task_sessions_result ON task_sessions (result, creation_time, id);
CREATE INDEX task_sessions_histogram ON task_sessions (creation_time, policy_id, result, end_time);
CREATE INDEX task_sessions_refs ON task_sessions (creation_time DESC, id, name, policy_session_id,
    policy_session_name, backup_server_id, backup_server_name);
