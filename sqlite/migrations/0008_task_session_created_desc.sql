-- task_sessions_created_desc (creation_time DESC, id) is the first two
-- columns of task_sessions_refs, which serves every read it served: the
-- newest-first pages and their offsets within a day, and the 30-day
-- collection. The skip of a deep page costs a step per row whichever index
-- it walks (measured at a million task sessions: no slower on the wider
-- one), while each index is sorted and written again at the end of every
-- seed, about a tenth of the index build. A bulk load that was killed
-- before this migration recorded the index among those to build again: the
-- record forgets it, so that the next open does not bring it back.
DROP INDEX IF EXISTS task_sessions_created_desc;
UPDATE meta SET value = (SELECT json_group_array(j.value) FROM json_each(meta.value) AS j
    WHERE j.value NOT LIKE 'CREATE INDEX task_sessions_created_desc %')
WHERE key = 'sqlite.deferred_indexes';
