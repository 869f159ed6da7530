-- The timeline's per-bucket counts (TaskSessionHistogram) read a window of
-- creation times grouped by policy, result and whether the session ended:
-- this index holds all of it, so a week of a million task sessions is
-- counted from the index alone, without a read of the table per row.
CREATE INDEX task_sessions_histogram ON task_sessions (creation_time, policy_id, result, end_time);
