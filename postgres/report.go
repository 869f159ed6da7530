package postgres

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/sqlgen"
)

// ensureReports creates the report tables and the triggers that keep them
// (sqlgen.EnsureReports) and, when the tables are new, fills them from the
// rows already stored, in one transaction under the schema lock, so that
// replicas opening together do it once.
func ensureReports(ctx context.Context, pool *pgxpool.Pool) error {
	tx, err := pool.BeginTx(ctx, writeTx)
	if err != nil {
		return mapErr(err, "begin report schema")
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := lockSchema(ctx, tx); err != nil {
		return err
	}
	var have bool
	if err := tx.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", sqlgen.ReportTables[0]).Scan(&have); err != nil {
		return mapErr(err, "report schema")
	}
	if err := sqlgen.EnsureReports(&sqlgen.Postgres, !have, execIn(ctx, tx)); err != nil {
		return err
	}
	return mapErr(tx.Commit(ctx), "commit report schema")
}

// ReportFacts reads the figures of one report in one snapshot.
func (db *DB) ReportFacts(ctx context.Context, p emcdp.ReportPeriod) (*emcdp.ReportFacts, error) {
	if err := db.check(); err != nil {
		return nil, err
	}
	tx, err := db.pool.BeginTx(ctx, readTx)
	if err != nil {
		return nil, mapErr(err, "begin report")
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	f, err := sqlgen.ReadReportFacts(&sqlgen.Postgres, p, func(q string, args []any, row func(func(...any) error) error) error {
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return mapErr(err, "report")
		}
		defer rows.Close()
		return mapErr(sqlgen.EachRow(rows, row), "report")
	})
	if err != nil {
		return nil, err
	}
	return f, mapErr(tx.Commit(ctx), "end report")
}
