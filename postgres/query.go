package postgres

import (
	"context"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/sqlgen"
	"github.com/jackc/pgx/v5"
)

// Query runs a filtered, sorted, paged read. The page and its Total come from
// one repeatable-read transaction, so they agree with each other. Total is
// counted only when the page does not already tell it (sqlgen.PageTotal).
func (db *DB) Query(ctx context.Context, q *emcdp.Query) (*emcdp.QueryResult, error) {
	if err := db.check(); err != nil {
		return nil, err
	}
	c, err := sqlgen.Compile(&sqlgen.Postgres, q)
	if err != nil {
		return nil, err
	}
	t := sqlgen.Tables[q.Kind]

	tx, err := db.pool.BeginTx(ctx, readTx)
	if err != nil {
		return nil, mapErr(err, "begin read")
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	res := &emcdp.QueryResult{}
	page, err := seek(ctx, tx, q, c)
	if err != nil {
		return nil, err
	}
	if page != nil { // nil: the page starts past the last row
		stmt := selectStmt(t, q, page)
		d := emcdp.KindDesc(q.Kind)
		err = scanDesc(ctx, tx, d, q, stmt, page.Args, res)
		if err == nil {
			err = loadObjects(ctx, tx, d, sqlgen.IncludeOwners(d, res))
		}
		if err == nil {
			err = loadRelated(ctx, tx, d, res.Items)
		}
		if err != nil {
			return nil, err
		}
	}
	var told bool
	if res.Total, told = sqlgen.PageTotal(q, c, res.Len()); !told {
		if res.Total, err = count(ctx, tx, q, t, c); err != nil {
			return nil, err
		}
	}
	return res, mapErr(tx.Commit(ctx), "end read")
}

// seek returns the clauses that read q's page (c, compiled from q). A deep
// page in creation order without a filter starts inside the day that the
// counts by day (sqlgen.CountsTable) place its first row in, instead of
// skipping every earlier row of the index; it is nil when the page starts
// past the last row.
func seek(ctx context.Context, tx pgx.Tx, q *emcdp.Query, c *sqlgen.Clauses) (*sqlgen.Clauses, error) {
	if !sqlgen.SeekByCounts(q) {
		return c, nil
	}
	var usable bool
	var bucket, before *int64
	err := tx.QueryRow(ctx, sqlgen.SeekBucket(&sqlgen.Postgres, q), sqlgen.Tables[q.Kind].Name, int64(c.Offset)).Scan(&usable, &bucket, &before)
	if err != nil {
		return nil, mapErr(err, "seek "+sqlgen.Tables[q.Kind].Name)
	}
	return sqlgen.Seek(&sqlgen.Postgres, q, c, usable, bucket, before)
}

// selectStmt is the statement that reads the page of q (compiled into c)
// from t: every column, or those of a reference (Table.QueryCols).
//
// A page after the first is read as a deferred join: the ids of the page are
// found first, skipping the earlier rows inside an index (an index-only scan
// when the filter and order are covered by one), and only the page's rows are
// then read from the table. Reading whole rows just to skip them would visit
// the table once per skipped row.
func selectStmt(t sqlgen.Table, q *emcdp.Query, c *sqlgen.Clauses) string {
	cols := t.QueryCols(q)
	where := ""
	if c.Where != "" {
		where = " WHERE " + c.Where
	}
	if c.Offset > 0 {
		inner := "SELECT id FROM " + t.Name + where + " ORDER BY " + c.OrderBy + " " + c.Limit
		return "SELECT " + cols + " FROM " + t.Name + " WHERE id IN (" + inner + ") ORDER BY " + c.OrderBy
	}
	stmt := "SELECT " + cols + " FROM " + t.Name + where + " ORDER BY " + c.OrderBy
	if c.Limit != "" {
		stmt += " " + c.Limit
	}
	return stmt
}

// countStmt returns the statement that counts the rows matching the compiled
// filter: row_counts when there is no filter on a counted table, otherwise
// count(*), which PostgreSQL answers from an index (index-only for a time
// window) whenever one covers the filter.
func countStmt(t sqlgen.Table, c *sqlgen.Clauses) (string, []any) {
	switch {
	case c.Where == "" && t.Counted:
		return "SELECT n FROM row_counts WHERE tbl = $1", []any{t.Name}
	case c.Where == "":
		return "SELECT count(*) FROM " + t.Name, nil
	}
	return "SELECT count(*) FROM " + t.Name + " WHERE " + c.Where, c.Args[:c.WhereArgs]
}

// count counts the rows of q (compiled into c): from the counts by day for
// a window of creation times that holds whole days, while they can be used,
// otherwise with countStmt.
func count(ctx context.Context, tx pgx.Tx, q *emcdp.Query, t sqlgen.Table, c *sqlgen.Clauses) (int, error) {
	var n int64
	if w, ok := sqlgen.CreationWindow(q.Kind, q.Filter); ok {
		if stmt, args, ok := sqlgen.CountWindow(&sqlgen.Postgres, t, w); ok {
			var usable bool
			if err := tx.QueryRow(ctx, stmt, args...).Scan(&usable, &n); err != nil || usable {
				return int(n), mapErr(err, "count "+t.Name)
			}
		}
	}
	stmt, args := countStmt(t, c)
	err := tx.QueryRow(ctx, stmt, args...).Scan(&n)
	return int(n), mapErr(err, "count "+t.Name)
}
