package sqlite

import (
	"context"
	"database/sql"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/sqlgen"
)

// Query runs a filtered, sorted, paged read. The page and its Total come from
// one read transaction, so they agree with each other. Total is counted only
// when the page does not already tell it: an unpaged read, or a page that
// holds the last row, gives it away.
func (db *DB) Query(ctx context.Context, q *emcdp.Query) (*emcdp.QueryResult, error) {
	if err := db.check(); err != nil {
		return nil, err
	}
	stmt, c, err := selectStmt(q)
	if err != nil {
		return nil, err
	}
	t := sqlgen.Tables[q.Kind]

	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, mapErr(err, "begin read")
	}
	defer tx.Rollback()
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
	case q.PageSize == 0 || q.NoTotal:
		res.Total = c.Offset + n
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
	return res, nil
}

// selectStmt compiles q into the statement that reads its page.
func selectStmt(q *emcdp.Query) (string, *sqlgen.Clauses, error) {
	c, err := sqlgen.Compile(&sqlgen.SQLite, q)
	if err != nil {
		return "", nil, err
	}
	t := sqlgen.Tables[q.Kind]
	where := ""
	if c.Where != "" {
		where = " WHERE " + c.Where
	}
	if c.Offset > 0 {
		// A deep page: skip the offset over the ordering index alone (the
		// subquery needs only rowids, which every index carries), then
		// read the page's rows by rowid. Reading whole rows while
		// skipping would touch the table for every skipped row.
		stmt := "SELECT " + t.Cols + " FROM " + t.Name + " WHERE rowid IN (SELECT rowid FROM " + t.Name +
			where + " ORDER BY " + c.OrderBy + " " + c.Limit + ") ORDER BY " + c.OrderBy
		return stmt, c, nil
	}
	stmt := "SELECT " + t.Cols + " FROM " + t.Name + where + " ORDER BY " + c.OrderBy
	if c.Limit != "" {
		stmt += " " + c.Limit
	}
	return stmt, c, nil
}

// count counts the rows matching the compiled filter: from row_counts when
// there is no filter, otherwise with count(*), which SQLite answers from an
// index whenever one covers the filter.
func count(ctx context.Context, tx *sql.Tx, t sqlgen.Table, c *sqlgen.Clauses) (int, error) {
	var n int
	var err error
	switch {
	case c.Where == "" && t.Counted:
		err = tx.QueryRowContext(ctx, "SELECT n FROM row_counts WHERE tbl = ?", t.Name).Scan(&n)
	case c.Where == "":
		err = tx.QueryRowContext(ctx, "SELECT count(*) FROM "+t.Name).Scan(&n)
	default:
		err = tx.QueryRowContext(ctx, "SELECT count(*) FROM "+t.Name+" WHERE "+c.Where, c.Args[:c.WhereArgs]...).Scan(&n)
	}
	return n, mapErr(err, "count "+t.Name)
}

// scanPolicies runs stmt and appends the rows to res.CdpPolicies.
func scanPolicies(ctx context.Context, tx *sql.Tx, stmt string, args []any, res *emcdp.QueryResult) error {
	rows, err := tx.QueryContext(ctx, stmt, args...)
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
