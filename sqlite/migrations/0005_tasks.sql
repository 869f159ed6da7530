-- Tasks of the write side (actions.md §3): one row per write. num comes from
-- the table's own counter (AUTOINCREMENT never reuses a number, also after a
-- delete or a restart). Ids are GUID text here: the table is small and read
-- by number. owner is "s:<hex of the logon session key>" or "user:<name>".
CREATE TABLE tasks (
    num          INTEGER PRIMARY KEY AUTOINCREMENT,
    owner        TEXT NOT NULL,
    state        INTEGER NOT NULL,
    operation    TEXT NOT NULL,
    action       TEXT NOT NULL,
    target       TEXT NOT NULL,
    object       TEXT NOT NULL,
    params       TEXT NOT NULL,
    created      INTEGER NOT NULL,
    apply_at     INTEGER NOT NULL,
    finished     INTEGER,
    success      INTEGER NOT NULL,
    message      TEXT NOT NULL,
    related_type TEXT NOT NULL,
    related_id   TEXT NOT NULL,
    related_name TEXT NOT NULL
);
CREATE INDEX tasks_owner ON tasks (owner, num);
CREATE INDEX tasks_due ON tasks (state, apply_at);
CREATE INDEX tasks_target ON tasks (target, state, num);
