package sqlite

import (
	"context"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/sqlgen"
)

// Clear empties the store of everything but its users, in one transaction:
// readers see the whole world or none. The control plane's reset uses it
// before seeding the world again.
func (db *DB) Clear(ctx context.Context) error {
	if err := db.check(); err != nil {
		return err
	}
	defer db.Changed(emcdp.Change{All: true})
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(err, "begin clear")
	}
	defer tx.Rollback()
	for _, c := range sqlgen.ClearStmts() {
		if _, err := tx.ExecContext(ctx, c.SQL); err != nil {
			return mapErr(err, c.Op)
		}
	}
	return mapErr(tx.Commit(), "commit clear")
}
