package sqlite

import "context"

// clearedTables are emptied by Clear: the world, its meta data, the logon
// sessions and the failed-logon records; users stay.
var clearedTables = []string{"task_sessions", "policy_sessions", "policy_objects", "cdp_policies", "backup_servers",
	"meta", "logon_sessions", "logon_failures"}

// Clear empties the store of everything but its users, in one transaction:
// readers see the whole world or none. The control plane's reset uses it
// before seeding the world again.
func (db *DB) Clear(ctx context.Context) error {
	if err := db.check(); err != nil {
		return err
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(err, "begin clear")
	}
	defer tx.Rollback()
	for _, t := range clearedTables {
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+t); err != nil {
			return mapErr(err, "clear "+t)
		}
	}
	if _, err := tx.ExecContext(ctx, "UPDATE row_counts SET n = 0"); err != nil {
		return mapErr(err, "clear row counts")
	}
	return mapErr(tx.Commit(), "commit clear")
}
