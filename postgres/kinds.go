package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/sqlgen"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// This file stores the described kinds (emcdp.AllDescs) generically: their
// tables are created and extended from the descriptions at open, and their
// rows are written, read and pruned by sqlgen's statements for them.

// ensureKinds brings the tables of the described kinds up to their
// descriptions (sqlgen.EnsureKinds) in one transaction that holds the
// schema lock, so that replicas opening at once do it once.
func ensureKinds(ctx context.Context, pool *pgxpool.Pool) error {
	tx, err := pool.BeginTx(ctx, writeTx)
	if err != nil {
		return mapErr(err, "begin schema")
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := lockSchema(ctx, tx); err != nil {
		return err
	}
	columns := func(table string) (map[string]bool, error) {
		rows, err := tx.Query(ctx, "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1", table)
		if err != nil {
			return nil, mapErr(err, "columns of "+table)
		}
		defer rows.Close()
		m, err := sqlgen.NameSet(rows)
		return m, mapErr(err, "columns of "+table)
	}
	if err := sqlgen.EnsureKinds(&sqlgen.Postgres, columns, execIn(ctx, tx)); err != nil {
		return err
	}
	return mapErr(tx.Commit(ctx), "commit schema")
}

// schemaLock is the first key of the advisory lock that serialises the
// creation of the described kinds' tables and of the report tables; the
// second is derived from the schema the connection writes to, as the
// migrations' is (migrationLock), so that stores in different schemas of one
// database do not wait for each other.
const schemaLock = 7362001

// lockSchema takes the schema lock for the rest of tx.
func lockSchema(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1, hashtext(coalesce(current_schema(), '')))", int32(schemaLock))
	return mapErr(err, "lock schema")
}

// execIn runs one statement without arguments in tx.
func execIn(ctx context.Context, tx pgx.Tx) func(stmt string) error {
	return func(stmt string) error {
		_, err := tx.Exec(ctx, stmt)
		return err
	}
}

// kinds writes the rows of described kinds in b: the new sessions of the
// counted tables with one COPY per table, then the other rows and the
// removal of old sessions in one round trip.
func (a *applier) kinds(b *emcdp.Batch) error {
	pb := &pgx.Batch{}
	var qs []queued
	stmts := map[[2]any]string{}
	inserted := map[string]int64{}
	days := sqlgen.Counts{}
	copies := map[*emcdp.Desc][][]any{}
	err := b.EachWrite(func(d *emcdp.Desc, op emcdp.WriteOp, item any) error {
		if op == emcdp.OpInsert && sqlgen.Tables[d.Kind].Counted {
			args, err := sqlgen.Args(&sqlgen.Postgres, d, item, false, nil)
			if err != nil {
				return fmt.Errorf("postgres: %w", err)
			}
			copies[d] = append(copies[d], args)
			inserted[d.Table]++
			days.Insert(d, item)
			return nil
		}
		k := [2]any{d, op}
		q, ok := stmts[k]
		if !ok {
			q = sqlgen.Upsert(&sqlgen.Postgres, d, op == emcdp.OpUpsert)
			switch op {
			case emcdp.OpUpdate:
				q = sqlgen.Update(&sqlgen.Postgres, d)
			case emcdp.OpDelete:
				q = sqlgen.Delete(&sqlgen.Postgres, d)
			}
			stmts[k] = q
		}
		if op == emcdp.OpDelete {
			id := d.ID(item)
			pb.Queue(q, sqlgen.Postgres.IDValue(id))
			qs = append(qs, queued{op: "remove " + d.Type + " " + id.String()})
			for _, c := range emcdp.Cleared(d.Kind) {
				pb.Queue(sqlgen.Clear(&sqlgen.Postgres, c), sqlgen.Postgres.IDValue(id))
				qs = append(qs, queued{op: "clear " + c.Column + " of " + id.String()})
			}
			return nil
		}
		args, err := sqlgen.Args(&sqlgen.Postgres, d, item, op == emcdp.OpUpdate, nil)
		if err != nil {
			return fmt.Errorf("postgres: %w", err)
		}
		id := d.ID(item)
		pb.Queue(q, args...)
		if op == emcdp.OpUpdate {
			qs = append(qs, queued{op: "update " + d.Type + " " + id.String(), what: d.Type, id: id})
			return nil
		}
		qs = append(qs, queued{op: "write " + d.Type + " " + id.String()})
		if d.Includes == nil {
			return nil
		}
		tbl := sqlgen.IncludeTable(d)
		pb.Queue("DELETE FROM "+tbl+" WHERE policy_id = $1", id[:])
		qs = append(qs, queued{op: "replace includes of " + id.String()})
		objs := *d.Includes(item)
		for i := range objs {
			o := &objs[i]
			g, err := json.Marshal(o.Guest)
			if err != nil {
				return fmt.Errorf("postgres: guest options of object %s: %w", o.ID, err)
			}
			pb.Queue("INSERT INTO "+tbl+" ("+objectCols+") VALUES ($1, $2, $3, $4, $5, $6, $7)",
				id[:], o.ID[:], o.HierarchyObjRef, o.Name, o.DisplayName, string(g), o.TotalSize)
			qs = append(qs, queued{op: "write object " + o.ID.String() + " of " + id.String()})
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, d := range emcdp.AllDescs {
		if rows := copies[d]; len(rows) > 0 {
			if err := a.copyRows(d.Table, columnsOf(d), rows); err != nil {
				return err
			}
		}
	}
	// The counts by day of the new rows, in key order, so that replicas
	// writing at once lock them in the same order; before the prune, which
	// counts its day again from the rows left.
	for _, k := range days.Keys() {
		pb.Queue(addDays, k.Table, k.Bucket, days[k])
		qs = append(qs, queued{op: "count " + k.Table + " by day"})
	}
	if !b.DeleteSessionsBefore.IsZero() {
		for _, d := range emcdp.AllDescs {
			if d.Session {
				pb.Queue("DELETE FROM "+d.Table+" WHERE creation_time < $1", sqlgen.Nanos(b.DeleteSessionsBefore))
				qs = append(qs, queued{op: "prune " + d.Table, counted: d.Table})
			}
			if sqlgen.Tables[d.Kind].Bucketed {
				stmts, args := sqlgen.PruneCounts(&sqlgen.Postgres, d, sqlgen.Nanos(b.DeleteSessionsBefore))
				for i, q := range stmts {
					pb.Queue(q, args[i]...)
					qs = append(qs, queued{op: "prune the counts of " + d.Table})
				}
			}
		}
	}
	deleted, err := a.send(pb, qs)
	if err != nil {
		return err
	}
	// Tables in order, so that replicas writing at once lock the counts in
	// the same order.
	for _, d := range emcdp.AllDescs {
		if n := inserted[d.Table] - deleted[d.Table]; n != 0 {
			if _, err := a.tx.Exec(a.ctx, addCount, n, d.Table); err != nil {
				return mapErr(err, "count "+d.Table)
			}
		}
	}
	return nil
}

// columnsOf returns the column names of d's table, in DescCols order.
func columnsOf(d *emcdp.Desc) []string {
	ps := sqlgen.StoredProps(d)
	cols := make([]string, len(ps))
	for i, p := range ps {
		cols[i] = p.Column
	}
	return cols
}

// Resource reads one item of a described kind by id: with one statement
// (and one for its related rows), or, for a kind with includes, in one read
// transaction with them. The related rows need no transaction with the
// item: they are read after it, so a link never names a row removed before
// the read.
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
// in one read-only repeatable-read transaction, so that they agree.
func (db *DB) withIncludes(ctx context.Context, d *emcdp.Desc, id emcdp.ID) (any, error) {
	tx, err := db.pool.BeginTx(ctx, readTx)
	if err != nil {
		return nil, mapErr(err, "begin read")
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	it := d.New()
	sr := sqlgen.GetScanRow(d)
	defer sr.Put(d)
	if err := tx.QueryRow(ctx, byIDStmts[d.Kind], id[:]).Scan(sr.Into(it)...); err != nil {
		return nil, notFound(err, "read "+d.Type)
	}
	if err := loadObjects(ctx, tx, d, []any{it}); err != nil {
		return nil, err
	}
	return it, mapErr(tx.Commit(ctx), "end read")
}

// byIDStmts are the statements that read one row of a described kind by id.
var byIDStmts = func() map[emcdp.Kind]string {
	m := map[emcdp.Kind]string{}
	for _, d := range emcdp.AllDescs {
		m[d.Kind] = "SELECT " + sqlgen.DescCols(d) + " FROM " + d.Table + " WHERE id = $1"
	}
	return m
}()

// byID reads one item of d, a kind without includes, with one statement,
// then its related rows with one more.
func (db *DB) byID(ctx context.Context, d *emcdp.Desc, id emcdp.ID) (any, error) {
	it := d.New()
	sr := sqlgen.GetScanRow(d)
	defer sr.Put(d)
	if err := db.pool.QueryRow(ctx, byIDStmts[d.Kind], id[:]).Scan(sr.Into(it)...); err != nil {
		return nil, notFound(err, "read "+d.Type)
	}
	if d.Related != nil {
		rows, err := db.pool.Query(ctx, relatedStmt(d.Related), [][16]byte{id})
		if err := addRelated(d.Related, rows, err, sqlgen.NewRelated(d, it)); err != nil {
			return nil, err
		}
	}
	return it, nil
}

// scanDesc runs stmt, a read of q, and adds the rows, items of d, to res
// (Desc.Add).
func scanDesc(ctx context.Context, tx pgx.Tx, d *emcdp.Desc, q *emcdp.Query, stmt string, args []any, res *emcdp.QueryResult) error {
	rows, err := tx.Query(ctx, stmt, args...)
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
// query.
func loadObjects(ctx context.Context, tx pgx.Tx, d *emcdp.Desc, items []any) error {
	if d.Includes == nil || len(items) == 0 {
		return nil
	}
	byID := make(map[emcdp.ID]*[]emcdp.ObjectInJob, len(items))
	ids := make([][16]byte, len(items))
	for i, it := range items {
		id := d.ID(it)
		objs := d.Includes(it)
		*objs = nil
		byID[id] = objs
		ids[i] = id
	}
	rows, err := tx.Query(ctx, "SELECT "+objectCols+" FROM "+sqlgen.IncludeTable(d)+" WHERE policy_id = ANY($1) ORDER BY "+objectOrder, ids)
	if err != nil {
		return mapErr(err, "read includes")
	}
	defer rows.Close()
	for rows.Next() {
		var o emcdp.ObjectInJob
		if err := scanObject(rows, &o); err != nil {
			return mapErr(err, "read includes")
		}
		objs := byID[o.PolicyID]
		*objs = append(*objs, o)
	}
	return mapErr(rows.Err(), "read includes")
}

// loadRelated fills the related refs of items of d, when d has them, with
// one query over the index on the related column.
func loadRelated(ctx context.Context, tx pgx.Tx, d *emcdp.Desc, items []any) error {
	if d.Related == nil || len(items) == 0 {
		return nil
	}
	m := sqlgen.NewRelated(d, items...)
	rows, err := tx.Query(ctx, relatedStmt(d.Related), relatedIDs(m))
	return addRelated(d.Related, rows, err, m)
}

// relatedIDs binds the owner ids of m as a uuid array.
func relatedIDs(m *sqlgen.Related) [][16]byte {
	ids := m.IDs()
	out := make([][16]byte, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// addRelated reads rows of relatedStmt (or its error) into m.
func addRelated(rel *emcdp.Related, rows pgx.Rows, err error, m *sqlgen.Related) error {
	if rows != nil {
		defer rows.Close()
	}
	if err != nil {
		return mapErr(err, "read "+rel.Of.Type)
	}
	for rows.Next() {
		var owner emcdp.ID
		var r emcdp.Ref
		if err := rows.Scan(uid(&owner), uid(&r.ID), &r.Name); err != nil {
			return mapErr(err, "read "+rel.Of.Type)
		}
		m.Add(owner, r)
	}
	m.Sort()
	return mapErr(rows.Err(), "read "+rel.Of.Type)
}

// relatedStmt reads the related rows of the items whose ids are bound as
// $1: owner id, id and name.
func relatedStmt(rel *emcdp.Related) string {
	return "SELECT " + rel.Column + ", id, name FROM " + rel.Of.Table + " WHERE " + rel.Column + " = ANY($1)"
}
