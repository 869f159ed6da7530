package postgres

import (
	"context"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/sqlgen"
)

// Clear empties the store of everything but its users, in one transaction:
// readers see the whole world or none, and every replica hears of it on the
// change feed at commit. The control plane's reset uses it before seeding
// the world again.
func (db *DB) Clear(ctx context.Context) error {
	if err := db.check(); err != nil {
		return err
	}
	defer db.Changed(emcdp.Change{All: true})
	tx, err := db.pool.BeginTx(ctx, writeTx)
	if err != nil {
		return mapErr(err, "begin clear")
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	for _, c := range sqlgen.ClearStmts() {
		if _, err := tx.Exec(ctx, c.SQL); err != nil {
			return mapErr(err, c.Op)
		}
	}
	if err := notify(ctx, tx, emcdp.Change{All: true}); err != nil {
		return mapErr(err, "notify clear")
	}
	return mapErr(tx.Commit(ctx), "commit clear")
}
