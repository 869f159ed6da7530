-- Logon sessions are kept under the SHA-256 of their id's 16 bytes, so that a
-- copy of the database does not hold live tokens (a token is the base64 of
-- the id). Open sessions are carried over under their hash. A user's
-- sessions are no longer listed, so the index by user goes.
CREATE TABLE logon_sessions_hashed (
    id_hash   bytea  NOT NULL PRIMARY KEY CHECK (length(id_hash) = 32),
    user_name text   NOT NULL,
    user_key  text   NOT NULL,
    created   bigint NOT NULL,
    last_seen bigint NOT NULL
);
INSERT INTO logon_sessions_hashed (id_hash, user_name, user_key, created, last_seen)
    SELECT sha256(uuid_send(id)), user_name, user_key, created, last_seen FROM logon_sessions;
DROP TABLE logon_sessions;
ALTER TABLE logon_sessions_hashed RENAME TO logon_sessions;
ALTER TABLE logon_sessions RENAME CONSTRAINT logon_sessions_hashed_pkey TO logon_sessions_pkey;
CREATE INDEX logon_sessions_last_seen ON logon_sessions (last_seen);

-- Failed logons are pruned by time (oldest first).
CREATE INDEX logon_failures_at ON logon_failures (at);
