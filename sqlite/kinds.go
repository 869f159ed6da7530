package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/sqlgen"
)

// This file stores the described kinds (emcdp.AllDescs) generically: their
// tables are created and extended from the descriptions at open, and their
// rows are written, read and pruned by sqlgen's statements for them.

// ensureKinds creates the tables and indexes of the described kinds that do
// not exist yet and adds the columns a description gained since, in one
// transaction. The tables of the numbered migrations (Desc.Migrated) are not
// made here, only extended.
func ensureKinds(ctx context.Context, w *sql.DB) error {
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(err, "begin schema")
	}
	defer tx.Rollback()
	exec := func(stmt string) error {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("sqlite: %s: %w", firstLine(stmt), err)
		}
		return nil
	}
	for _, d := range emcdp.AllDescs {
		if !d.Migrated {
			for _, stmt := range sqlgen.CreateTable(&sqlgen.SQLite, d) {
				if err := exec(stmt); err != nil {
					return err
				}
			}
		}
		have, err := columns(ctx, tx, d.Table)
		if err != nil {
			return err
		}
		for _, p := range sqlgen.StoredProps(d) {
			if !have[p.Column] {
				if err := exec(sqlgen.AddColumn(&sqlgen.SQLite, d, p)); err != nil {
					return err
				}
			}
		}
		if sqlgen.Tables[d.Kind].Counted && !d.Migrated {
			if err := exec(sqlgen.InitCount(d)); err != nil {
				return err
			}
		}
	}
	for _, stmt := range sqlgen.CreateObjects(&sqlgen.SQLite) {
		if err := exec(stmt + " WITHOUT ROWID"); err != nil {
			return err
		}
	}
	if err := exec(sqlgen.CreateCounts(&sqlgen.SQLite) + " WITHOUT ROWID"); err != nil {
		return err
	}
	for _, d := range emcdp.AllDescs {
		if sqlgen.Tables[d.Kind].Bucketed {
			if err := exec(sqlgen.InitCounts(d)); err != nil {
				return err
			}
		}
	}
	return mapErr(tx.Commit(), "commit schema")
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// columns returns the column names of a table.
func columns(ctx context.Context, tx *sql.Tx, table string) (map[string]bool, error) {
	rows, err := tx.QueryContext(ctx, "SELECT name FROM pragma_table_info(?)", table)
	if err != nil {
		return nil, mapErr(err, "columns of "+table)
	}
	defer rows.Close()
	m := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, mapErr(err, "columns of "+table)
		}
		m[n] = true
	}
	return m, mapErr(rows.Err(), "columns of "+table)
}

// kinds writes the rows of described kinds in b, each statement prepared
// once in the transaction.
func (a *applier) kinds(b *emcdp.Batch) error {
	type key struct {
		d  *emcdp.Desc
		op emcdp.WriteOp
	}
	stmts := map[key]*sql.Stmt{}
	defer func() {
		for _, s := range stmts {
			s.Close()
		}
	}()
	var args []any
	inserted := map[string]int64{}
	days := sqlgen.Counts{}
	err := b.EachWrite(func(d *emcdp.Desc, op emcdp.WriteOp, item any) error {
		k := key{d, op}
		st := stmts[k]
		if st == nil {
			q := sqlgen.Upsert(&sqlgen.SQLite, d, op == emcdp.OpUpsert)
			switch op {
			case emcdp.OpUpdate:
				q = sqlgen.Update(&sqlgen.SQLite, d)
			case emcdp.OpDelete:
				q = sqlgen.Delete(&sqlgen.SQLite, d)
			}
			var err error
			if st, err = a.tx.PrepareContext(a.ctx, q); err != nil {
				return mapErr(err, "prepare "+d.Type)
			}
			stmts[k] = st
		}
		if op == emcdp.OpDelete {
			id := d.ID(item)
			if _, err := st.ExecContext(a.ctx, sqlgen.SQLite.IDValue(id)); err != nil {
				return mapErr(err, "remove "+d.Type+" "+id.String())
			}
			for _, c := range emcdp.Cleared(d.Kind) {
				if _, err := a.tx.ExecContext(a.ctx, sqlgen.Clear(&sqlgen.SQLite, c), sqlgen.SQLite.IDValue(id)); err != nil {
					return mapErr(err, "clear "+c.Column+" of "+id.String())
				}
			}
			return nil
		}
		var err error
		if args, err = sqlgen.Args(&sqlgen.SQLite, d, item, op == emcdp.OpUpdate, args[:0]); err != nil {
			return fmt.Errorf("sqlite: %w", err)
		}
		id := d.ID(item)
		r, err := st.ExecContext(a.ctx, args...)
		if op == emcdp.OpUpdate {
			return updated(r, err, d.Type, id)
		}
		if err != nil {
			return mapErr(err, "write "+d.Type+" "+id.String())
		}
		if op == emcdp.OpInsert && sqlgen.Tables[d.Kind].Counted {
			inserted[d.Table]++
			days.Insert(d, item)
		}
		if d.Includes != nil {
			return a.objects(d, id, *d.Includes(item))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for tbl, n := range inserted {
		if err := a.count(tbl, n); err != nil {
			return err
		}
	}
	if len(days) > 0 {
		st := a.stmt(a.st.addDays)
		for k, n := range days {
			if _, err := st.ExecContext(a.ctx, k.Table, k.Bucket, n); err != nil {
				return mapErr(err, "count "+k.Table+" by day")
			}
		}
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

// scanDesc runs stmt and adds the rows, items of d, to res (Desc.Add).
func scanDesc(ctx context.Context, tx *sql.Tx, d *emcdp.Desc, stmt string, args []any, res *emcdp.QueryResult) error {
	rows, err := tx.QueryContext(ctx, stmt, args...)
	if err != nil {
		return mapErr(err, "query "+d.Type)
	}
	defer rows.Close()
	sr := sqlgen.GetScanRow(d)
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

// addRelated reads rows of relatedStmt (or its error) into m.
func addRelated(rel *emcdp.Related, rows *sql.Rows, err error, m sqlgen.Related) error {
	if err != nil {
		return mapErr(err, "read "+rel.Of.Type)
	}
	defer rows.Close()
	for rows.Next() {
		var owner emcdp.ID
		var r emcdp.Ref
		if err := rows.Scan(idScan{&owner}, idScan{&r.ID}, &r.Name); err != nil {
			return mapErr(err, "read "+rel.Of.Type)
		}
		m.Add(owner, r)
	}
	m.Sort()
	return mapErr(rows.Err(), "read "+rel.Of.Type)
}

// relatedStmt reads the related rows of n items: owner id, id and name.
func relatedStmt(rel *emcdp.Related, n int) string {
	return "SELECT " + rel.Column + ", id, name FROM " + rel.Of.Table + " WHERE " + rel.Column + " IN (?" +
		strings.Repeat(", ?", n-1) + ")"
}
