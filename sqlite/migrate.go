package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"time"

	"github.com/emcdp/emcdp/migration"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrations returns the embedded migrations ordered by version.
func migrations() ([]migration.Step, error) {
	ms, err := migration.Load(migrationFS, "migrations")
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	return ms, nil
}

// SchemaVersion is the version of the newest embedded migration.
func SchemaVersion() int { return migration.Latest(migrationFS, "migrations") }

// migrate applies the pending migrations in order, each in its own
// transaction together with its record in schema_migrations. A database that
// records a migration this release lacks is refused (migration.CheckApplied). Transactions
// take the write lock first, so that two processes opening a new file at once
// apply each migration once.
func migrate(ctx context.Context, w *sql.DB) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	if _, err := w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`); err != nil {
		return mapErr(err, "create the migrations table")
	}
	var applied int
	if err := w.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&applied); err != nil {
		return mapErr(err, "read the migrations table")
	}
	if err := migration.CheckApplied(applied, ms); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	for _, m := range ms {
		if err := apply1(ctx, w, m); err != nil {
			return err
		}
	}
	return nil
}

func apply1(ctx context.Context, w *sql.DB, m migration.Step) error {
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(err, "begin migration "+m.Name)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations WHERE version = ?", m.Version).Scan(&n); err != nil {
		return mapErr(err, "read the migrations table")
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return mapErr(err, "migration "+m.Name)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
		m.Version, m.Name, time.Now().UnixNano()); err != nil {
		return mapErr(err, "record migration "+m.Name)
	}
	return mapErr(tx.Commit(), "commit migration "+m.Name)
}
