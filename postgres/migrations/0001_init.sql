-- Initial schema of the shared store. It mirrors the embedded store's schema
-- column for column, so that both answer every query alike.
--
-- Ids are uuid: PostgreSQL compares uuids byte by byte, which is the order of
-- the lower-case GUID strings. Times are bigint nanoseconds since the Unix
-- epoch (UTC). Enums are smallint positions in the documented order.
-- Optional strings and times are NULL when absent. Case-insensitive string
-- comparison is lower(col COLLATE "C"): under the "C" collation lower() folds
-- ASCII letters only and comparisons are byte order; the indexes that serve
-- such comparisons are built on that same expression.
-- Session rows carry their parents' names so that a read never needs a join.

CREATE TABLE meta (
    key   text NOT NULL PRIMARY KEY,
    value text NOT NULL
);

-- Row counts of the large tables, kept by Apply in the same transaction as
-- the rows, so that an unfiltered count does not scan the table.
CREATE TABLE row_counts (
    tbl text   NOT NULL PRIMARY KEY,
    n   bigint NOT NULL
);
INSERT INTO row_counts (tbl, n) VALUES ('policy_sessions', 0), ('task_sessions', 0);

CREATE TABLE backup_servers (
    id          uuid   NOT NULL PRIMARY KEY,
    name        text   NOT NULL,
    description text,
    port        bigint NOT NULL,
    version     text   NOT NULL
);

CREATE TABLE cdp_policies (
    id                  uuid    NOT NULL PRIMARY KEY,
    name                text    NOT NULL,
    backup_server_id    uuid    NOT NULL,
    backup_server_name  text    NOT NULL,
    platform            text    NOT NULL,
    description         text,
    schedule_configured boolean NOT NULL,
    schedule_enabled    boolean NOT NULL,
    next_run            bigint,
    schedule_options    text    NOT NULL, -- JSON of emcdp.CdpScheduleOptions
    guest_options       text    NOT NULL  -- JSON of emcdp.GuestProcessingOptions
);
CREATE INDEX cdp_policies_server ON cdp_policies (backup_server_id);

CREATE TABLE policy_objects (
    policy_id         uuid   NOT NULL REFERENCES cdp_policies (id) ON DELETE CASCADE,
    id                uuid   NOT NULL,
    hierarchy_obj_ref text   NOT NULL,
    name              text   NOT NULL,
    display_name      text   NOT NULL,
    guest_options     text   NOT NULL, -- JSON of emcdp.GuestProcessingOptions
    total_size        bigint NOT NULL,
    PRIMARY KEY (policy_id, id)
);

CREATE TABLE policy_sessions (
    id                 uuid     NOT NULL PRIMARY KEY,
    name               text     NOT NULL,
    policy_id          uuid     NOT NULL,
    policy_name        text     NOT NULL,
    backup_server_id   uuid     NOT NULL,
    backup_server_name text     NOT NULL,
    creation_time      bigint   NOT NULL,
    end_time           bigint,
    state              smallint NOT NULL,
    result             smallint NOT NULL,
    progress           integer  NOT NULL,
    failure_message    text,
    is_retry           boolean  NOT NULL
);
CREATE INDEX policy_sessions_created ON policy_sessions (creation_time, id);
CREATE INDEX policy_sessions_created_desc ON policy_sessions (creation_time DESC, id);
CREATE INDEX policy_sessions_policy ON policy_sessions (policy_id, creation_time, id);
CREATE INDEX policy_sessions_server ON policy_sessions (backup_server_id, creation_time, id);
CREATE INDEX policy_sessions_state ON policy_sessions (state, creation_time, id);

CREATE TABLE task_sessions (
    id                  uuid     NOT NULL PRIMARY KEY,
    name                text     NOT NULL,
    policy_session_id   uuid     NOT NULL,
    policy_session_name text     NOT NULL,
    policy_id           uuid     NOT NULL,
    backup_server_id    uuid     NOT NULL,
    backup_server_name  text     NOT NULL,
    vm_display_name     text     NOT NULL,
    creation_time       bigint   NOT NULL,
    end_time            bigint,
    state               smallint NOT NULL,
    result              smallint NOT NULL,
    reason              text,
    total_size          bigint   NOT NULL
);
-- Time windows and the default order, in both directions with id ascending;
-- these also serve deep pages, whose skipped rows are read from the index
-- alone (an index-only scan once VACUUM has marked the pages all-visible).
CREATE INDEX task_sessions_created ON task_sessions (creation_time, id);
CREATE INDEX task_sessions_created_desc ON task_sessions (creation_time DESC, id);
-- Equality filters, each followed by the default order; the VM name is
-- compared case-insensitively, so its index is on the folded expression.
CREATE INDEX task_sessions_vm ON task_sessions (lower(vm_display_name COLLATE "C"), creation_time, id);
CREATE INDEX task_sessions_policy_session ON task_sessions (policy_session_id, creation_time, id);
CREATE INDEX task_sessions_server ON task_sessions (backup_server_id, creation_time, id);
CREATE INDEX task_sessions_state ON task_sessions (state, creation_time, id);
CREATE INDEX task_sessions_result ON task_sessions (result, creation_time, id);

-- The session tables only grow between prunes: let autovacuum visit them
-- after a smaller share of inserts than by default, so that the visibility
-- map (index-only scans) and the planner statistics follow the data.
ALTER TABLE task_sessions SET (autovacuum_vacuum_insert_scale_factor = 0.05, autovacuum_analyze_scale_factor = 0.02);
ALTER TABLE policy_sessions SET (autovacuum_vacuum_insert_scale_factor = 0.05, autovacuum_analyze_scale_factor = 0.02);

CREATE TABLE users (
    name          text   NOT NULL PRIMARY KEY,
    password_hash text   NOT NULL,
    role          text   NOT NULL,
    created       bigint NOT NULL
);

CREATE TABLE logon_sessions (
    id        uuid   NOT NULL PRIMARY KEY,
    user_name text   NOT NULL,
    user_key  text   NOT NULL,
    created   bigint NOT NULL,
    last_seen bigint NOT NULL
);
CREATE INDEX logon_sessions_user ON logon_sessions (user_key, last_seen);
CREATE INDEX logon_sessions_last_seen ON logon_sessions (last_seen);

CREATE TABLE logon_failures (
    user_key text   NOT NULL,
    at       bigint NOT NULL
);
CREATE INDEX logon_failures_user ON logon_failures (user_key, at);
