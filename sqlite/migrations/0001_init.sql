-- Initial schema of the embedded store.
--
-- Ids are BLOB(16), the raw id bytes: their byte order (memcmp) is the order
-- of the lower-case GUID strings. Times are int64 nanoseconds since the Unix
-- epoch (UTC). Enums are their positions in the documented order. Optional
-- strings and times are NULL when absent. Every string column that the query
-- service compares is COLLATE NOCASE: ASCII letters folded, then byte order.
-- Session rows carry their parents' names so that a read never needs a join.

CREATE TABLE meta (
    key   TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- Row counts of the large tables, kept by Apply in the same transaction as
-- the rows, so that an unfiltered count does not scan the table.
CREATE TABLE row_counts (
    tbl TEXT NOT NULL PRIMARY KEY,
    n   INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO row_counts (tbl, n) VALUES ('policy_sessions', 0), ('task_sessions', 0);

CREATE TABLE backup_servers (
    id          BLOB NOT NULL PRIMARY KEY CHECK (length(id) = 16),
    name        TEXT NOT NULL COLLATE NOCASE,
    description TEXT COLLATE NOCASE,
    port        INTEGER NOT NULL,
    version     TEXT NOT NULL COLLATE NOCASE
);

CREATE TABLE cdp_policies (
    id                  BLOB NOT NULL PRIMARY KEY CHECK (length(id) = 16),
    name                TEXT NOT NULL COLLATE NOCASE,
    backup_server_id    BLOB NOT NULL,
    backup_server_name  TEXT NOT NULL COLLATE NOCASE,
    platform            TEXT NOT NULL,
    description         TEXT COLLATE NOCASE,
    schedule_configured INTEGER NOT NULL,
    schedule_enabled    INTEGER NOT NULL,
    next_run            INTEGER,
    schedule_options    TEXT NOT NULL, -- JSON of emcdp.CdpScheduleOptions
    guest_options       TEXT NOT NULL  -- JSON of emcdp.GuestProcessingOptions
);
CREATE INDEX cdp_policies_server ON cdp_policies (backup_server_id);

CREATE TABLE policy_objects (
    policy_id         BLOB NOT NULL REFERENCES cdp_policies (id) ON DELETE CASCADE,
    id                BLOB NOT NULL CHECK (length(id) = 16),
    hierarchy_obj_ref TEXT NOT NULL,
    name              TEXT NOT NULL COLLATE NOCASE,
    display_name      TEXT NOT NULL,
    guest_options     TEXT NOT NULL, -- JSON of emcdp.GuestProcessingOptions
    total_size        INTEGER NOT NULL,
    PRIMARY KEY (policy_id, id)
) WITHOUT ROWID;

CREATE TABLE policy_sessions (
    id                 BLOB NOT NULL PRIMARY KEY CHECK (length(id) = 16),
    name               TEXT NOT NULL COLLATE NOCASE,
    policy_id          BLOB NOT NULL,
    policy_name        TEXT NOT NULL COLLATE NOCASE,
    backup_server_id   BLOB NOT NULL,
    backup_server_name TEXT NOT NULL COLLATE NOCASE,
    creation_time      INTEGER NOT NULL,
    end_time           INTEGER,
    state              INTEGER NOT NULL,
    result             INTEGER NOT NULL,
    progress           INTEGER NOT NULL,
    failure_message    TEXT COLLATE NOCASE,
    is_retry           INTEGER NOT NULL
);
CREATE INDEX policy_sessions_created ON policy_sessions (creation_time, id);
CREATE INDEX policy_sessions_created_desc ON policy_sessions (creation_time DESC, id);
CREATE INDEX policy_sessions_policy ON policy_sessions (policy_id, creation_time, id);
CREATE INDEX policy_sessions_server ON policy_sessions (backup_server_id, creation_time, id);
CREATE INDEX policy_sessions_state ON policy_sessions (state, creation_time, id);

CREATE TABLE task_sessions (
    id                  BLOB NOT NULL PRIMARY KEY CHECK (length(id) = 16),
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
-- Time windows and the default order, in both directions with id ascending;
-- these also cover deep pages, which skip rows inside the index.
CREATE INDEX task_sessions_created ON task_sessions (creation_time, id);
CREATE INDEX task_sessions_created_desc ON task_sessions (creation_time DESC, id);
-- Equality filters, each followed by the default order.
CREATE INDEX task_sessions_vm ON task_sessions (vm_display_name, creation_time, id);
CREATE INDEX task_sessions_policy_session ON task_sessions (policy_session_id, creation_time, id);
CREATE INDEX task_sessions_server ON task_sessions (backup_server_id, creation_time, id);
CREATE INDEX task_sessions_state ON task_sessions (state, creation_time, id);
CREATE INDEX task_sessions_result ON task_sessions (result, creation_time, id);

CREATE TABLE users (
    name          TEXT NOT NULL PRIMARY KEY,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    created       INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE logon_sessions (
    id        BLOB NOT NULL PRIMARY KEY CHECK (length(id) = 16),
    user_name TEXT NOT NULL,
    user_key  TEXT NOT NULL,
    created   INTEGER NOT NULL,
    last_seen INTEGER NOT NULL
);
CREATE INDEX logon_sessions_user ON logon_sessions (user_key, last_seen);
CREATE INDEX logon_sessions_last_seen ON logon_sessions (last_seen);

CREATE TABLE logon_failures (
    user_key TEXT NOT NULL,
    at       INTEGER NOT NULL
);
CREATE INDEX logon_failures_user ON logon_failures (user_key, at);
