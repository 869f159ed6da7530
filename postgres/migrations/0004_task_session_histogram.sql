-- The timeline's per-bucket counts (TaskSessionHistogram) read a window of
-- creation times grouped by policy, result and whether the session ended:
-- this index holds all of it, so a week of a million task sessions can be
-- counted by an index-only scan.
CREATE INDEX task_sessions_histogram ON task_sessions (creation_time, policy_id, result, end_time);
