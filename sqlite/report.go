package sqlite

import (
	"context"
	"database/sql"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/sqlgen"
)

// ensureReports creates the report tables and the triggers that keep them
// (sqlgen.EnsureReports) and, when the tables are new, fills them from the
// rows already stored, in one transaction.
func ensureReports(ctx context.Context, w *sql.DB) error {
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(err, "begin report schema")
	}
	defer tx.Rollback()
	var have int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
		sqlgen.ReportTables[0]).Scan(&have); err != nil {
		return mapErr(err, "report schema")
	}
	if err := sqlgen.EnsureReports(&sqlgen.SQLite, have == 0, execIn(ctx, tx)); err != nil {
		return err
	}
	return mapErr(tx.Commit(), "commit report schema")
}

// ReportFacts reads the figures of one report in one read transaction.
func (db *DB) ReportFacts(ctx context.Context, p emcdp.ReportPeriod) (*emcdp.ReportFacts, error) {
	if err := db.check(); err != nil {
		return nil, err
	}
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, mapErr(err, "begin report")
	}
	defer tx.Rollback()
	f, err := sqlgen.ReadReportFacts(&sqlgen.SQLite, p, func(q string, args []any, row func(func(...any) error) error) error {
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return mapErr(err, "report")
		}
		defer rows.Close()
		return mapErr(sqlgen.EachRow(rows, row), "report")
	})
	if err != nil {
		return nil, err
	}
	return f, mapErr(tx.Commit(), "end report")
}
