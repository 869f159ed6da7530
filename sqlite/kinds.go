package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/sqlgen"
	"github.com/mattn/go-sqlite3"
)

// This file stores the described kinds (emcdp.AllDescs) generically: their
// tables are created and extended from the descriptions at open, and their
// rows are written, read and pruned by sqlgen's statements for them.

// ensureKinds brings the tables of the described kinds up to their
// descriptions (sqlgen.EnsureKinds) in one transaction, which takes the
// write lock, so that two processes opening a file at once do it once.
func ensureKinds(ctx context.Context, w *sql.DB) error {
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(err, "begin schema")
	}
	defer tx.Rollback()
	columns := func(table string) (map[string]bool, error) {
		rows, err := tx.QueryContext(ctx, "SELECT name FROM pragma_table_info(?)", table)
		if err != nil {
			return nil, mapErr(err, "columns of "+table)
		}
		defer rows.Close()
		m, err := sqlgen.NameSet(rows)
		return m, mapErr(err, "columns of "+table)
	}
	if err := sqlgen.EnsureKinds(&sqlgen.SQLite, columns, execIn(ctx, tx)); err != nil {
		return err
	}
	return mapErr(tx.Commit(), "commit schema")
}

// execIn runs one statement without arguments in tx.
func execIn(ctx context.Context, tx *sql.Tx) func(stmt string) error {
	return func(stmt string) error {
		_, err := tx.ExecContext(ctx, stmt)
		return err
	}
}

// insertChunk is the number of rows that one INSERT statement writes when a
// batch inserts many rows of one kind in a row: one statement (one call
// into SQLite, one set of bound parameters) per chunk instead of per row.
// With the widest described session row it stays far below SQLite's limit
// of 32,766 parameters.
const insertChunk = 64

// kinds writes the rows of described kinds in b, each statement prepared
// once in the transaction. Consecutive inserts of one kind are written
// insertChunk rows per statement.
func (a *applier) kinds(b *emcdp.Batch) error {
	w := kindWriter{a: a, stmts: map[stmtKey]*sql.Stmt{}, inserted: map[string]int64{}, days: sqlgen.Counts{}}
	defer w.close()
	err := b.EachWrite(func(d *emcdp.Desc, op emcdp.WriteOp, item any) error {
		if w.pend != nil && (w.pend != d || op != emcdp.OpInsert) {
			if err := w.flushInserts(); err != nil {
				return err
			}
		}
		if op == emcdp.OpInsert && d.Includes == nil {
			return w.queueInsert(d, item)
		}
		return w.write(d, op, item)
	})
	if err == nil {
		err = w.flushInserts()
	}
	if err != nil {
		return err
	}
	for tbl, n := range w.inserted {
		if err := a.count(tbl, n); err != nil {
			return err
		}
	}
	if len(w.days) > 0 {
		st := a.stmt(a.st.addDays)
		for k, n := range w.days {
			if _, err := st.ExecContext(a.ctx, k.Table, k.Bucket, n); err != nil {
				return mapErr(err, "count "+k.Table+" by day")
			}
		}
	}
	return nil
}

// stmtKey names a statement of kindWriter: an operation on a kind, for
// inserts the number of rows it writes (0 for one row), and for the clearing
// that follows a removal the cascade's place in emcdp.Cleared plus one.
type stmtKey struct {
	d     *emcdp.Desc
	op    emcdp.WriteOp
	rows  int
	clear int
}

// kindWriter writes the described rows of one batch: inserts of one kind
// are queued and written in chunks, everything else row by row.
type kindWriter struct {
	a        *applier
	stmts    map[stmtKey]*sql.Stmt
	inserted map[string]int64 // rows inserted into counted tables
	days     sqlgen.Counts    // rows inserted into bucketed tables, by day of creation

	pend  *emcdp.Desc // the kind of the queued inserts; nil: none queued
	args  []any       // the queued rows' arguments, row after row
	ids   []emcdp.ID  // the queued rows' ids
	items []any       // the queued rows
	one   []any       // arguments of a single row
}

func (w *kindWriter) close() {
	for _, s := range w.stmts {
		s.Close()
	}
}

// stmt returns the statement for k, prepared on first use.
func (w *kindWriter) stmt(k stmtKey) (*sql.Stmt, error) {
	if st := w.stmts[k]; st != nil {
		return st, nil
	}
	q := sqlgen.Upsert(&sqlgen.SQLite, k.d, k.op == emcdp.OpUpsert)
	switch {
	case k.op == emcdp.OpUpdate:
		q = sqlgen.Update(&sqlgen.SQLite, k.d)
	case k.op == emcdp.OpDelete:
		q = sqlgen.Delete(&sqlgen.SQLite, k.d)
	case k.rows > 1:
		q = sqlgen.InsertRows(&sqlgen.SQLite, k.d, k.rows)
	}
	if k.clear > 0 {
		q = sqlgen.Clear(&sqlgen.SQLite, emcdp.Cleared(k.d.Kind)[k.clear-1])
	}
	st, err := w.a.tx.PrepareContext(w.a.ctx, q)
	if err != nil {
		return nil, mapErr(err, "prepare "+k.d.Type)
	}
	w.stmts[k] = st
	return st, nil
}

// queueInsert queues the insert of item, a row of d, writing the queue
// once it holds insertChunk rows.
func (w *kindWriter) queueInsert(d *emcdp.Desc, item any) error {
	var err error
	if w.args, err = sqlgen.Args(&sqlgen.SQLite, d, item, false, w.args); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	w.pend = d
	w.ids = append(w.ids, d.ID(item))
	w.items = append(w.items, item)
	if len(w.ids) == insertChunk {
		return w.flushInserts()
	}
	return nil
}

// flushInserts writes the queued inserts in one statement. When it fails,
// the statement has changed nothing, and the rows are written one by one so
// that the error names the row at fault.
func (w *kindWriter) flushInserts() error {
	d, n := w.pend, len(w.ids)
	if n == 0 {
		return nil
	}
	defer func() {
		clear(w.items)
		w.pend, w.args, w.ids, w.items = nil, w.args[:0], w.ids[:0], w.items[:0]
	}()
	st, err := w.stmt(stmtKey{d: d, op: emcdp.OpInsert, rows: n})
	if err != nil {
		return err
	}
	if n > 1 {
		if _, err := st.ExecContext(w.a.ctx, w.args...); err == nil {
			w.count(d, w.items...)
			return nil
		}
		for _, it := range w.items {
			if err := w.write(d, emcdp.OpInsert, it); err != nil {
				return err
			}
		}
		return nil
	}
	if _, err := st.ExecContext(w.a.ctx, w.args...); err != nil {
		return mapErr(err, "write "+d.Type+" "+w.ids[0].String())
	}
	w.count(d, w.items...)
	return nil
}

// count adds the inserted rows items of d to its table's counts: the row
// count when the table is counted, and the counts by day when it is bucketed.
func (w *kindWriter) count(d *emcdp.Desc, items ...any) {
	if !sqlgen.Tables[d.Kind].Counted {
		return
	}
	w.inserted[d.Table] += int64(len(items))
	for _, it := range items {
		w.days.Insert(d, it)
	}
}

// write writes one row of d.
func (w *kindWriter) write(d *emcdp.Desc, op emcdp.WriteOp, item any) error {
	st, err := w.stmt(stmtKey{d: d, op: op, rows: 1})
	if err != nil {
		return err
	}
	id := d.ID(item)
	if op == emcdp.OpDelete {
		if _, err := st.ExecContext(w.a.ctx, sqlgen.SQLite.IDValue(id)); err != nil {
			return mapErr(err, "remove "+d.Type+" "+id.String())
		}
		// Prepared once per batch: a seed's retention removes tens of
		// thousands of VM restore points, and compiling the clearing for
		// each cost about 5 % of the VBR world's CPU (measured).
		for i, c := range emcdp.Cleared(d.Kind) {
			cst, err := w.stmt(stmtKey{d: d, op: op, clear: i + 1})
			if err != nil {
				return err
			}
			if _, err := cst.ExecContext(w.a.ctx, sqlgen.SQLite.IDValue(id)); err != nil {
				return mapErr(err, "clear "+c.Column+" of "+id.String())
			}
		}
		return nil
	}
	if w.one, err = sqlgen.Args(&sqlgen.SQLite, d, item, op == emcdp.OpUpdate, w.one[:0]); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	r, err := st.ExecContext(w.a.ctx, w.one...)
	if op == emcdp.OpUpdate {
		return updated(r, err, d.Type, id)
	}
	if err != nil {
		return mapErr(err, "write "+d.Type+" "+id.String())
	}
	if op == emcdp.OpInsert {
		w.count(d, item)
	}
	if d.Includes != nil {
		return w.a.objects(d, id, *d.Includes(item))
	}
	return nil
}

// objects replaces the includes of the owner id, an item of d.
func (a *applier) objects(d *emcdp.Desc, owner emcdp.ID, objs []emcdp.ObjectInJob) error {
	tbl := sqlgen.IncludeTable(d)
	if _, err := a.tx.ExecContext(a.ctx, "DELETE FROM "+tbl+" WHERE policy_id = ?", owner[:]); err != nil {
		return mapErr(err, "replace includes of "+owner.String())
	}
	for i := range objs {
		o := &objs[i]
		g, err := json.Marshal(o.Guest)
		if err != nil {
			return fmt.Errorf("sqlite: guest options of object %s: %w", o.ID, err)
		}
		if _, err := a.tx.ExecContext(a.ctx, "INSERT INTO "+tbl+" ("+objectCols+") VALUES (?, ?, ?, ?, ?, ?, ?)",
			owner[:], o.ID[:], o.HierarchyObjRef, o.Name, o.DisplayName, string(g), o.TotalSize); err != nil {
			return mapErr(err, "write object "+o.ID.String()+" of "+owner.String())
		}
	}
	return nil
}

// pruneKinds removes the sessions of described kinds created before
// b.DeleteSessionsBefore.
func (a *applier) pruneKinds(b *emcdp.Batch) error {
	if b.DeleteSessionsBefore.IsZero() {
		return nil
	}
	for _, d := range emcdp.AllDescs {
		if !d.Session {
			continue
		}
		r, err := a.tx.ExecContext(a.ctx, "DELETE FROM "+d.Table+" WHERE creation_time < ?", sqlgen.Nanos(b.DeleteSessionsBefore))
		if err != nil {
			return mapErr(err, "prune "+d.Table)
		}
		n, err := r.RowsAffected()
		if err != nil {
			return mapErr(err, "prune "+d.Table)
		}
		if n > 0 && sqlgen.Tables[d.Kind].Counted {
			if err := a.count(d.Table, -n); err != nil {
				return err
			}
		}
		if n > 0 && sqlgen.Tables[d.Kind].Bucketed {
			stmts, args := sqlgen.PruneCounts(&sqlgen.SQLite, d, sqlgen.Nanos(b.DeleteSessionsBefore))
			for i, q := range stmts {
				if _, err := a.tx.ExecContext(a.ctx, q, args[i]...); err != nil {
					return mapErr(err, "prune the counts of "+d.Table)
				}
			}
		}
	}
	return nil
}

// Resource reads one item of a described kind by id: with the statements
// prepared for it (and its related rows) on the reader pool, or, for a kind
// with includes, in one read transaction with them. The related rows need
// no transaction with the item: they are read after it, so a link never
// names a row removed before the read.
func (db *DB) Resource(ctx context.Context, k emcdp.Kind, id emcdp.ID) (any, error) {
	if err := db.check(); err != nil {
		return nil, err
	}
	d := emcdp.DescOf(k)
	if d == nil {
		return nil, emcdp.Errorf(emcdp.EInvalid, "%s is not a described kind", k)
	}
	if d.Includes == nil {
		return db.byID(ctx, d, id)
	}
	return db.withIncludes(ctx, d, id)
}

// withIncludes reads one item of d, a kind with includes, and its includes
// in one read transaction, so that they agree.
func (db *DB) withIncludes(ctx context.Context, d *emcdp.Desc, id emcdp.ID) (any, error) {
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, mapErr(err, "begin read")
	}
	defer tx.Rollback()
	it := d.New()
	sr := sqlgen.GetScanRow(d)
	defer sr.Put(d)
	row := tx.QueryRowContext(ctx, "SELECT "+sqlgen.Tables[d.Kind].Cols+" FROM "+d.Table+" WHERE id = ?", id[:])
	if err := row.Scan(sr.Into(it)...); err != nil {
		return nil, notFound(err, "read "+d.Type)
	}
	if err := loadObjects(ctx, tx, d, []any{it}); err != nil {
		return nil, err
	}
	return it, nil
}

// byID reads one item of d, a kind without includes, with the statement
// prepared for it on the reader pool, then its related rows with theirs.
func (db *DB) byID(ctx context.Context, d *emcdp.Desc, id emcdp.ID) (any, error) {
	it := d.New()
	sr := sqlgen.GetScanRow(d)
	defer sr.Put(d)
	if err := db.rs.byID[d.Kind].QueryRowContext(ctx, id[:]).Scan(sr.Into(it)...); err != nil {
		return nil, notFound(err, "read "+d.Type)
	}
	if d.Related != nil {
		rows, err := db.rs.related[d.Kind].QueryContext(ctx, id[:])
		if err := addRelated(d.Related, rows, err, sqlgen.NewRelated(d, it)); err != nil {
			return nil, err
		}
	}
	return it, nil
}

// scanDesc runs stmt, a read of q, and adds the rows, items of d, to res
// (Desc.Add).
func scanDesc(ctx context.Context, tx *sql.Tx, d *emcdp.Desc, q *emcdp.Query, stmt string, args []any, res *emcdp.QueryResult) error {
	rows, err := tx.QueryContext(ctx, stmt, args...)
	if err != nil {
		return mapErr(err, "query "+d.Type)
	}
	defer rows.Close()
	sr := sqlgen.GetQueryScanRow(d, q)
	defer sr.Put(d)
	for rows.Next() {
		if err := rows.Scan(sr.Into(d.Add(res))...); err != nil {
			return mapErr(err, "read "+d.Type)
		}
	}
	return mapErr(rows.Err(), "query "+d.Type)
}

// loadObjects fills the includes of items of d, when d has them, with one
// query per chunk of items.
func loadObjects(ctx context.Context, tx *sql.Tx, d *emcdp.Desc, items []any) error {
	if d.Includes == nil {
		return nil
	}
	const chunk = 500
	for len(items) > 0 {
		part := items[:min(chunk, len(items))]
		items = items[len(part):]
		byID := make(map[emcdp.ID]*[]emcdp.ObjectInJob, len(part))
		args := make([]any, len(part))
		for i, it := range part {
			id := d.ID(it)
			objs := d.Includes(it)
			*objs = nil
			byID[id] = objs
			args[i] = id[:]
		}
		q := "SELECT " + objectCols + " FROM " + sqlgen.IncludeTable(d) + " WHERE policy_id IN (?" +
			strings.Repeat(", ?", len(part)-1) + ") ORDER BY " + objectOrder
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return mapErr(err, "read includes")
		}
		for rows.Next() {
			var o emcdp.ObjectInJob
			if err := scanObject(rows, &o); err != nil {
				rows.Close()
				return mapErr(err, "read includes")
			}
			objs := byID[o.PolicyID]
			*objs = append(*objs, o)
		}
		if err := rows.Close(); err != nil {
			return mapErr(err, "read includes")
		}
		if err := rows.Err(); err != nil {
			return mapErr(err, "read includes")
		}
	}
	return nil
}

// loadRelated fills the related refs of items of d, when d has them, with
// one query per chunk of items over the index on the related column.
func loadRelated(ctx context.Context, tx *sql.Tx, d *emcdp.Desc, items []any) error {
	if d.Related == nil {
		return nil
	}
	const chunk = 500
	for len(items) > 0 {
		part := items[:min(chunk, len(items))]
		items = items[len(part):]
		m := sqlgen.NewRelated(d, part...)
		args := make([]any, 0, len(part))
		for _, id := range m.IDs() {
			args = append(args, id[:])
		}
		rows, err := tx.QueryContext(ctx, relatedStmt(d.Related, len(args)), args...)
		if err := addRelated(d.Related, rows, err, m); err != nil {
			return err
		}
	}
	return nil
}

// addRelated reads the value of relatedStmt (or its error) into m.
func addRelated(rel *emcdp.Related, rows *sql.Rows, err error, m *sqlgen.Related) error {
	op := "read " + rel.Of.Type
	p, err := readPacked(rows, err, op)
	if err == nil {
		err = mapErr(m.AddPacked(p), op)
	}
	m.Sort()
	return err
}

// readPacked returns the value of the one row of rows, the result of a
// read of one packed value (or its error, for op), as a string of its own;
// "" when it is NULL. A value longer than SQLite's limit of a string is
// sqlgen.ErrLongString: its rows are to be read one by one.
func readPacked(rows *sql.Rows, err error, op string) (string, error) {
	if err != nil {
		return "", packedErr(err, op)
	}
	defer rows.Close()
	var packed sql.RawBytes
	if rows.Next() {
		if err := rows.Scan(&packed); err != nil {
			return "", packedErr(err, op)
		}
	}
	return string(packed), packedErr(rows.Err(), op)
}

// packedErr is mapErr for the read of a packed value.
func packedErr(err error, op string) error {
	var se sqlite3.Error
	if errors.As(err, &se) && se.Code == sqlite3.ErrTooBig {
		return sqlgen.ErrLongString
	}
	return mapErr(err, op)
}

// relatedStmt reads the related rows of n items as one value in the form
// sqlgen.Related.AddPacked reads (NULL when there are none): one row
// through the driver instead of one per related row, each of which cost
// three boxed and copied values. || and group_concat keep the bytes of the
// ids as they are.
func relatedStmt(rel *emcdp.Related, n int) string {
	return "SELECT CAST(group_concat(" + rel.Column + " || id || char(octet_length(name) >> 16, octet_length(name) & 65535) || name, '') AS BLOB) FROM " +
		rel.Of.Table + " WHERE " + rel.Column + " IN (?" + strings.Repeat(", ?", n-1) + ")"
}
