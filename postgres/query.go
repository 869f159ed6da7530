package postgres

import (
	"context"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/sqlgen"
	"github.com/jackc/pgx/v5"
)

// Query runs a filtered, sorted, paged read. The page and its Total come from
// one repeatable-read transaction, so they agree with each other. Total is
// counted only when the page does not already tell it: an unpaged read, or a
// page that holds the last row, gives it away.
func (db *DB) Query(ctx context.Context, q *emcdp.Query) (*emcdp.QueryResult, error) {
	if err := db.check(); err != nil {
		return nil, err
	}
	stmt, c, err := selectStmt(q)
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
	if d := emcdp.KindDesc(q.Kind); d != nil {
		err = scanDesc(ctx, tx, d, stmt, c.Args, res)
		if err == nil {
			err = loadObjects(ctx, tx, d, res.Items)
		}
		if err == nil {
			err = loadRelated(ctx, tx, d, res.Items)
		}
	} else {
		err = scanPolicies(ctx, tx, stmt, c.Args, res)
	}
	if err != nil {
		return nil, err
	}
	n := res.Len()
	switch {
	case q.PageSize == 0:
		res.Total = n
	case n > 0 && n < q.PageSize, n == 0 && c.Offset == 0:
		res.Total = c.Offset + n
	default:
		if res.Total, err = count(ctx, tx, t, c); err != nil {
			return nil, err
		}
	}
	if q.Kind == emcdp.KindCdpPolicy && len(res.CdpPolicies) > 0 {
		ps := make([]*emcdp.CdpPolicy, len(res.CdpPolicies))
		for i := range res.CdpPolicies {
			ps[i] = &res.CdpPolicies[i]
		}
		if err := loadIncludes(ctx, tx, ps); err != nil {
			return nil, err
		}
	}
	return res, mapErr(tx.Commit(ctx), "end read")
}

// selectStmt compiles q into the statement that reads its page.
//
// A page after the first is read as a deferred join: the ids of the page are
// found first, skipping the earlier rows inside an index (an index-only scan
// when the filter and order are covered by one), and only the page's rows are
// then read from the table. Reading whole rows just to skip them would visit
// the table once per skipped row.
func selectStmt(q *emcdp.Query) (string, *sqlgen.Clauses, error) {
	c, err := sqlgen.Compile(&sqlgen.Postgres, q)
	if err != nil {
		return "", nil, err
	}
	t := sqlgen.Tables[q.Kind]
	where := ""
	if c.Where != "" {
		where = " WHERE " + c.Where
	}
	if c.Offset > 0 {
		inner := "SELECT id FROM " + t.Name + where + " ORDER BY " + c.OrderBy + " " + c.Limit
		return "SELECT " + t.Cols + " FROM " + t.Name + " WHERE id IN (" + inner + ") ORDER BY " + c.OrderBy, c, nil
	}
	stmt := "SELECT " + t.Cols + " FROM " + t.Name + where + " ORDER BY " + c.OrderBy
	if c.Limit != "" {
		stmt += " " + c.Limit
	}
	return stmt, c, nil
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

func count(ctx context.Context, tx pgx.Tx, t sqlgen.Table, c *sqlgen.Clauses) (int, error) {
	stmt, args := countStmt(t, c)
	var n int64
	err := tx.QueryRow(ctx, stmt, args...).Scan(&n)
	return int(n), mapErr(err, "count "+t.Name)
}

// scanPolicies runs stmt and appends the rows to res.CdpPolicies.
func scanPolicies(ctx context.Context, tx pgx.Tx, stmt string, args []any, res *emcdp.QueryResult) error {
	rows, err := tx.Query(ctx, stmt, args...)
	if err != nil {
		return mapErr(err, "query CdpPolicy")
	}
	defer rows.Close()
	for rows.Next() {
		res.CdpPolicies = append(res.CdpPolicies, emcdp.CdpPolicy{})
		if err := scanPolicy(rows, &res.CdpPolicies[len(res.CdpPolicies)-1]); err != nil {
			return mapErr(err, "read CdpPolicy")
		}
	}
	return mapErr(rows.Err(), "query CdpPolicy")
}
