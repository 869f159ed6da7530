package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/sqlgen"
)

// Query runs a filtered, sorted, paged read. The page and its Total come from
// one read transaction, so they agree with each other. Total is counted only
// when the page does not already tell it (sqlgen.PageTotal).
func (db *DB) Query(ctx context.Context, q *emcdp.Query) (*emcdp.QueryResult, error) {
	res := &emcdp.QueryResult{}
	total, err := db.query(ctx, q, func(tx *sql.Tx, d *emcdp.Desc, t sqlgen.Table, page *sqlgen.Clauses, at *pageStart) (int, error) {
		err := readPage(ctx, tx, d, q, t, page, res)
		if err == nil && at != nil {
			db.remember(d, q, res, at)
		}
		if err == nil {
			err = loadObjects(ctx, tx, d, sqlgen.IncludeOwners(d, res))
		}
		if err == nil {
			err = loadRelated(ctx, tx, d, res.Items)
		}
		return res.Len(), err
	})
	if err != nil {
		return nil, err
	}
	res.Total = total
	return res, nil
}

// query runs the read of q in one read transaction: read reads the page
// (page, its clauses; at as seek returns it) and returns the number of its
// rows, unless the page starts past the last row; query returns the total,
// counted only when the page does not already tell it
// (sqlgen.PageTotal).
func (db *DB) query(ctx context.Context, q *emcdp.Query,
	read func(tx *sql.Tx, d *emcdp.Desc, t sqlgen.Table, page *sqlgen.Clauses, at *pageStart) (int, error)) (int, error) {
	if err := db.check(); err != nil {
		return 0, err
	}
	c, err := sqlgen.Compile(&sqlgen.SQLite, q)
	if err != nil {
		return 0, err
	}
	t := sqlgen.Tables[q.Kind]

	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return 0, mapErr(err, "begin read")
	}
	defer tx.Rollback()
	page, at, err := db.seek(ctx, tx, q, c)
	if err != nil {
		return 0, err
	}
	n := 0
	if page != nil { // nil: the page starts past the last row
		if n, err = read(tx, emcdp.KindDesc(q.Kind), t, page, at); err != nil {
			return 0, err
		}
	}
	total, told := sqlgen.PageTotal(q, c, n)
	if !told {
		if total, err = count(ctx, tx, q, t, c); err != nil {
			return 0, err
		}
	}
	return total, nil
}

// Versioned reports whether the items of k are versioned
// (sqlgen.ItemVersions), so that QueryVersioned reads them.
func (db *DB) Versioned(k emcdp.Kind) bool {
	d := emcdp.KindDesc(k)
	return d != nil && sqlgen.Versioned(d)
}

// versionedCols are the columns of a versioned page's first read: the id
// and version of each row, and the creation time of a page that seek placed
// in its day (for rememberKey).
const versionedCols, versionedColsPlaced = "id, ver", "id, ver, creation_time"

// QueryVersioned runs q, a query of entities of a Versioned kind: it reads
// the page's ids and versions over the index that orders them, asks have
// about each, and reads in full (with their related rows) only the rows
// have lacks, by id, in the same read transaction as the page and its
// count, so all agree.
func (db *DB) QueryVersioned(ctx context.Context, q *emcdp.Query, have func(id emcdp.ID, ver int64) bool) (*emcdp.VersionedPage, error) {
	if !db.Versioned(q.Kind) || q.Refs {
		return nil, fmt.Errorf("sqlite: no versioned query of %v", q.Kind)
	}
	vp := &emcdp.VersionedPage{Res: &emcdp.QueryResult{}}
	total, err := db.query(ctx, q, func(tx *sql.Tx, d *emcdp.Desc, t sqlgen.Table, page *sqlgen.Clauses, at *pageStart) (int, error) {
		cols := versionedCols
		if at != nil {
			cols = versionedColsPlaced
		}
		missing, first, err := readVersions(ctx, tx, d, selectFrom(t, cols, page), page.Args, at != nil, vp, have)
		if err != nil {
			return 0, err
		}
		if at != nil && len(vp.IDs) > 0 {
			db.rememberKey(at, sqlgen.Key{Created: first, ID: vp.IDs[0]})
		}
		return len(vp.IDs), readByID(ctx, tx, d, t, q, missing, vp.Res)
	})
	if err != nil {
		return nil, err
	}
	vp.Res.Total = total
	return vp, nil
}

// readVersions reads the ids and versions of a page (stmt: versionedCols,
// or versionedColsPlaced when placed) into vp, and returns the ids that have
// lacks, in page order, and the creation time of the page's first row when
// placed.
func readVersions(ctx context.Context, tx *sql.Tx, d *emcdp.Desc, stmt string, args []any, placed bool,
	vp *emcdp.VersionedPage, have func(id emcdp.ID, ver int64) bool) (missing []emcdp.ID, first int64, err error) {
	rows, err := tx.QueryContext(ctx, stmt, args...)
	if err != nil {
		return nil, 0, mapErr(err, "query "+d.Type)
	}
	defer rows.Close()
	var raw sql.RawBytes
	var ver, created int64
	into := []any{&raw, &ver}
	if placed {
		into = append(into, &created)
	}
	for rows.Next() {
		if err := rows.Scan(into...); err != nil {
			return nil, 0, mapErr(err, "read "+d.Type)
		}
		var id emcdp.ID
		if len(raw) != len(id) {
			return nil, 0, fmt.Errorf("sqlite: read %s: an id of %d bytes", d.Type, len(raw))
		}
		copy(id[:], raw)
		if len(vp.IDs) == 0 {
			first = created
		}
		vp.IDs = append(vp.IDs, id)
		vp.Vers = append(vp.Vers, ver)
		if !have(id, ver) {
			missing = append(missing, id)
		}
	}
	return missing, first, mapErr(rows.Err(), "query "+d.Type)
}

// readByID reads the rows of ids (of d, in t; q's columns) into res in the
// order of ids, with their includes and related rows, a chunk of ids per
// statement.
func readByID(ctx context.Context, tx *sql.Tx, d *emcdp.Desc, t sqlgen.Table, q *emcdp.Query, ids []emcdp.ID, res *emcdp.QueryResult) error {
	const chunk = 500
	for part := range slices.Chunk(ids, chunk) {
		args := make([]any, len(part))
		for i := range part {
			args[i] = part[i][:]
		}
		stmt := "SELECT " + t.QueryCols(q) + " FROM " + t.Name + " WHERE id IN (?" + strings.Repeat(", ?", len(part)-1) + ")"
		if err := scanDesc(ctx, tx, d, q, stmt, args, res); err != nil {
			return err
		}
	}
	if len(res.Items) != len(ids) {
		return fmt.Errorf("sqlite: read %s: %d rows of %d", d.Type, len(res.Items), len(ids))
	}
	at := make(map[emcdp.ID]int, len(ids))
	for i, id := range ids {
		at[id] = i
	}
	slices.SortFunc(res.Items, func(a, b any) int { return at[d.ID(a)] - at[d.ID(b)] })
	if err := loadObjects(ctx, tx, d, res.Items); err != nil {
		return err
	}
	return loadRelated(ctx, tx, d, res.Items)
}

// readPage adds the rows of q's page (compiled into page), items of d in
// t, to res, which is empty. References are read packed when d's can be
// (see selectStmt); rows whose strings are too long for that are read one
// by one.
func readPage(ctx context.Context, tx *sql.Tx, d *emcdp.Desc, q *emcdp.Query, t sqlgen.Table, page *sqlgen.Clauses, res *emcdp.QueryResult) error {
	stmt := selectStmt(t, q, page)
	if pr := packedRefs(q); pr != nil {
		op := "read " + d.Type
		rows, err := tx.QueryContext(ctx, stmt, page.Args...)
		p, err := readPacked(rows, err, op)
		if err == nil {
			err = mapErr(pr.Add(res, p, q.PageSize), op)
		}
		if !errors.Is(err, sqlgen.ErrLongString) {
			return err
		}
		*res = emcdp.QueryResult{}
		stmt = selectFrom(t, t.QueryCols(q), page)
	}
	return scanDesc(ctx, tx, d, q, stmt, page.Args, res)
}

// packedRefs returns the packed read of q's references, or nil when q
// reads every column or its kind's references cannot be read packed.
func packedRefs(q *emcdp.Query) *sqlgen.PackedRefs {
	if !q.Refs {
		return nil
	}
	return sqlgen.PackedRefsOf(emcdp.KindDesc(q.Kind))
}

// seek returns the clauses that read q's page (c, compiled from q). A deep
// page in creation order without a filter starts inside the day that the
// counts by day (sqlgen.CountsTable, read through the store's copy, days)
// place its first row in, instead of skipping every earlier row of the
// index, and from the day's nearest anchor at or before its first row when
// one is remembered (anchors); it is nil when the page starts past the last
// row. at, when not nil, names the page's first row inside its day, for
// remember.
func (db *DB) seek(ctx context.Context, tx *sql.Tx, q *emcdp.Query, c *sqlgen.Clauses) (*sqlgen.Clauses, *pageStart, error) {
	if !sqlgen.SeekByCounts(q) {
		return c, nil, nil
	}
	name := sqlgen.Tables[q.Kind].Name
	dc, rows, err := db.days.read(ctx, tx, name)
	if err != nil {
		return nil, nil, err
	}
	// The counts serve when they agree with the row count (see
	// sqlgen.SeekBucket).
	usable := rows != nil && *rows == dc.sum
	bucket, before, ver, placed := dc.place(q.Desc, int64(c.Offset))
	if !placed {
		page, err := sqlgen.Seek(&sqlgen.SQLite, q, c, usable, nil, nil)
		return page, nil, err
	}
	page, err := sqlgen.Seek(&sqlgen.SQLite, q, c, usable, &bucket, &before)
	if err != nil || page == nil || page == c {
		return page, nil, err
	}
	// Placed in its day: anchors are taken of such pages only.
	at := &pageStart{day: anchorDay{table: name, bucket: bucket, desc: q.Desc}, ver: ver, k: int64(c.Offset) - before}
	if a, ok := db.anchors.find(at.day, at.ver, at.k); ok {
		page = sqlgen.SeekFrom(&sqlgen.SQLite, q, c, a.key, at.k-a.k)
	}
	return page, at, nil
}

// pageStart is the place of a deep page's first row: row k of a day whose
// count has version ver.
type pageStart struct {
	day    anchorDay
	ver, k int64
}

// remember keeps the key of the first row of res, a page of d read for q
// from at, as an anchor of its day. The row is of that day unless the store
// is broken; a row of another day is not remembered, nor a page whose
// columns left its creation time out.
func (db *DB) remember(d *emcdp.Desc, q *emcdp.Query, res *emcdp.QueryResult, at *pageStart) {
	created := d.Column("creation_time")
	if d.Len(res) == 0 || created == nil || q.Refs && len(d.RefCols) > 0 && !slices.Contains(d.RefCols, created.Column) {
		return
	}
	it := d.At(res, 0)
	db.rememberKey(at, sqlgen.Key{Created: sqlgen.Nanos(created.Get(it).Time), ID: d.ID(it)})
}

// rememberKey keeps key, that of a page's first row read from at, as an
// anchor of its day, unless the row is of another day.
func (db *DB) rememberKey(at *pageStart, key sqlgen.Key) {
	if sqlgen.Bucket(key.Created) != at.day.bucket {
		return
	}
	db.anchors.add(at.day, at.ver, at.k, key)
}

// selectStmt is the statement that reads the page of q (compiled into c)
// from t: every column, or those of a reference (Table.QueryCols), which
// are packed into one value when the kind's can be (sqlgen.PackedRefs):
// one value through the driver instead of one per column of every row.
func selectStmt(t sqlgen.Table, q *emcdp.Query, c *sqlgen.Clauses) string {
	if pr := packedRefs(q); pr != nil {
		return pr.Stmt(selectFrom(t, pr.Col, c))
	}
	return selectFrom(t, t.QueryCols(q), c)
}

// selectFrom is the statement that reads the result columns cols of the
// page compiled into c from t.
func selectFrom(t sqlgen.Table, cols string, c *sqlgen.Clauses) string {
	where := ""
	if c.Where != "" {
		where = " WHERE " + c.Where
	}
	if c.Skip > 0 {
		// A deep page: skip the offset over the ordering index alone (the
		// subquery needs only rowids, which every index carries), then
		// read the page's rows by rowid. Reading whole rows while
		// skipping would touch the table for every skipped row. A page
		// that starts where the statement starts (at the start of its day,
		// or at its anchor) reads its rows directly, newest first from
		// the index of references alone.
		return "SELECT " + cols + " FROM " + t.Name + " WHERE rowid IN (SELECT rowid FROM " + t.Name +
			where + " ORDER BY " + c.OrderBy + " " + c.Limit + ") ORDER BY " + c.OrderBy
	}
	stmt := "SELECT " + cols + " FROM " + t.Name + where + " ORDER BY " + c.OrderBy
	if c.Limit != "" {
		stmt += " " + c.Limit
	}
	return stmt
}

// count counts the rows matching the compiled filter: from row_counts when
// there is no filter, from the counts by day for a window of creation times
// that holds whole days, otherwise with count(*), which SQLite answers from
// an index whenever one covers the filter.
func count(ctx context.Context, tx *sql.Tx, q *emcdp.Query, t sqlgen.Table, c *sqlgen.Clauses) (int, error) {
	var n int
	var err error
	w, window := sqlgen.CreationWindow(q.Kind, q.Filter)
	stmt, args, byDay := "", []any(nil), false
	if window {
		stmt, args, byDay = sqlgen.CountWindow(&sqlgen.SQLite, t, w)
	}
	switch {
	case byDay:
		var usable bool
		if err = tx.QueryRowContext(ctx, stmt, args...).Scan(&usable, &n); err == nil && !usable {
			err = tx.QueryRowContext(ctx, "SELECT count(*) FROM "+t.Name+" WHERE "+c.Where, c.Args[:c.WhereArgs]...).Scan(&n)
		}
	case c.Where == "" && t.Counted:
		err = tx.QueryRowContext(ctx, "SELECT n FROM row_counts WHERE tbl = ?", t.Name).Scan(&n)
	case c.Where == "":
		err = tx.QueryRowContext(ctx, "SELECT count(*) FROM "+t.Name).Scan(&n)
	default:
		err = tx.QueryRowContext(ctx, "SELECT count(*) FROM "+t.Name+" WHERE "+c.Where, c.Args[:c.WhereArgs]...).Scan(&n)
	}
	return n, mapErr(err, "count "+t.Name)
}
