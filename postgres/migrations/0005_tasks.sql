-- Tasks of the write side (actions.md §3): one row per write. num comes from
-- the table's own counter (an identity never reuses a number, also after a
-- delete or a restart). Ids are GUID text here: the table is small and read
-- by number. owner is "s:<hex of the logon session key>" or "user:<name>".
CREATE TABLE tasks (
    num          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner        text NOT NULL,
    state        smallint NOT NULL,
    operation    text NOT NULL,
    action       text NOT NULL,
    target       text NOT NULL,
    object       text NOT NULL,
    params       text NOT NULL,
    created      bigint NOT NULL,
    apply_at     bigint NOT NULL,
    finished     bigint,
    success      boolean NOT NULL,
    message      text NOT NULL,
    related_type text NOT NULL,
    related_id   text NOT NULL,
    related_name text NOT NULL
);
CREATE INDEX tasks_owner ON tasks (owner, num);
CREATE INDEX tasks_due ON tasks (state, apply_at);
CREATE INDEX tasks_target ON tasks (target, state, num);
