package postgres

import (
	"context"
	"embed"
	"fmt"
	"time"

	"github.com/emcdp/emcdp/migration"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrations returns the embedded migrations ordered by version.
func migrations() ([]migration.Step, error) {
	ms, err := migration.Load(migrationFS, "migrations")
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return ms, nil
}

// SchemaVersion is the version of the newest embedded migration.
func SchemaVersion() int { return migration.Latest(migrationFS, "migrations") }

// migrationLock is the first key of the advisory lock that serialises
// migrations; the second is derived from the schema the connection writes
// to, so that stores in different schemas of one database do not wait for
// each other.
const migrationLock = 0x656d6364 // "emcd"

// migrate applies the pending migrations in order, each in its own
// transaction together with its record in schema_migrations. Every
// transaction first takes a transaction-scoped advisory lock and then reads
// what is applied, so replicas that start at once apply each migration once:
// the others wait on the lock and then find it recorded. A schema that
// records a migration this release lacks is refused (migration.CheckApplied).
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	var recorded bool
	if err := pool.QueryRow(ctx, "SELECT to_regclass('schema_migrations') IS NOT NULL").Scan(&recorded); err != nil {
		return mapErr(err, "find the migrations table")
	}
	var applied int
	if recorded {
		if err := pool.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&applied); err != nil {
			return mapErr(err, "read the migrations table")
		}
	}
	if err := migration.CheckApplied(applied, ms); err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	for _, m := range ms {
		if err := apply1(ctx, pool, m); err != nil {
			return err
		}
	}
	return nil
}

func apply1(ctx context.Context, pool *pgxpool.Pool, m migration.Step) error {
	return pgx.BeginTxFunc(ctx, pool, writeTx, func(tx pgx.Tx) error {
		var schema *string
		if err := tx.QueryRow(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
			return mapErr(err, "read the current schema")
		}
		if schema == nil {
			return fmt.Errorf("postgres: no schema of the search_path exists; create it first")
		}
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1, hashtext($2))", int32(migrationLock), *schema); err != nil {
			return mapErr(err, "take the migration lock")
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version integer NOT NULL PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)`); err != nil {
			return mapErr(err, "create the migrations table")
		}
		var n int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM schema_migrations WHERE version = $1", m.Version).Scan(&n); err != nil {
			return mapErr(err, "read the migrations table")
		}
		if n > 0 {
			return nil
		}
		// Without arguments the script goes through the simple protocol,
		// which runs several statements in one call.
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return mapErr(err, "migration "+m.Name)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
			m.Version, m.Name, time.Now().UnixNano()); err != nil {
			return mapErr(err, "record migration "+m.Name)
		}
		return nil
	})
}
