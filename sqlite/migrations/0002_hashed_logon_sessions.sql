-- Logon sessions are kept under the SHA-256 of their id, so that a copy of
-- the database does not hold live tokens (a token is the base64 of the id).
-- SQLite has no SHA-256 function: the sessions open at the upgrade end, and
-- their clients log on again. A user's sessions are no longer listed, so the
-- index by user goes.
DROP TABLE logon_sessions;
CREATE TABLE logon_sessions (
    id_hash   BLOB NOT NULL PRIMARY KEY CHECK (length(id_hash) = 32),
    user_name TEXT NOT NULL,
    user_key  TEXT NOT NULL,
    created   INTEGER NOT NULL,
    last_seen INTEGER NOT NULL
);
CREATE INDEX logon_sessions_last_seen ON logon_sessions (last_seen);

-- Failed logons are pruned by time (oldest first).
CREATE INDEX logon_failures_at ON logon_failures (at);
