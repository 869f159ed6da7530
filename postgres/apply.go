package postgres

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/sqlgen"
	"github.com/jackc/pgx/v5"
)

// Statements of Apply that are not derived from a description.
const (
	upsertMeta = `INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`
	addCount   = `UPDATE row_counts SET n = n + $1 WHERE tbl = $2`
)

// addDays adds to the count of a table's rows created on one day.
var addDays = sqlgen.AddCount(&sqlgen.Postgres)

// Apply writes the batch in one transaction: all of it or none of it. The
// order is: the new sessions (COPY), the other rows of the described kinds
// with their includes (Batch.EachWrite), the removal of old sessions, then
// meta. Updating a session that does not exist fails the batch with an
// error wrapping emcdp.ErrNotFound; inserting one that exists fails it with
// an error wrapping ErrDuplicate. A batch that changes existing task
// sessions (emcdp.ChangeOf) announces it on the change feed at commit.
func (db *DB) Apply(ctx context.Context, b *emcdp.Batch) error {
	if err := db.check(); err != nil {
		return err
	}
	if b == nil || b.Len() == 0 && b.DeleteSessionsBefore.IsZero() {
		return nil
	}
	defer db.Applied(b)
	tx, err := db.pool.BeginTx(ctx, writeTx)
	if err != nil {
		return mapErr(err, "begin write")
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	a := applier{ctx: ctx, tx: tx}
	for _, step := range []func(*emcdp.Batch) error{a.finishTasks, a.kinds, a.meta} {
		if err := step(b); err != nil {
			return err
		}
	}
	if ch, ok := emcdp.ChangeOf(b); ok {
		if err := notify(ctx, tx, ch); err != nil {
			return mapErr(err, "notify")
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return mapErr(err, "commit")
	}
	db.afterWrite(len(b.NewPolicySessions) + len(b.NewTaskSessions) + len(b.NewJobSessions) + len(b.NewJobTaskSessions))
	return nil
}

type applier struct {
	ctx context.Context
	tx  pgx.Tx
}

// queued is a statement of a pgx.Batch with what its result must be.
type queued struct {
	op      string   // names the statement in errors
	what    string   // for updates: the kind of row, whose absence fails the batch
	id      emcdp.ID // for updates: the row's id
	counted string   // for prunes: the table whose row count falls by the rows deleted
}

// send runs the queued statements in one round trip and checks each result.
// A prune's deleted rows are returned per table.
func (a *applier) send(pb *pgx.Batch, qs []queued) (map[string]int64, error) {
	if len(qs) == 0 {
		return nil, nil
	}
	br := a.tx.SendBatch(a.ctx, pb)
	var deleted map[string]int64
	for _, q := range qs {
		tag, err := br.Exec()
		if err != nil {
			br.Close()
			return nil, mapErr(err, q.op)
		}
		switch {
		case q.what != "" && tag.RowsAffected() == 0:
			br.Close()
			return nil, fmt.Errorf("postgres: update %s %s: %w", q.what, q.id, emcdp.ErrNotFound)
		case q.counted != "":
			if deleted == nil {
				deleted = map[string]int64{}
			}
			deleted[q.counted] += tag.RowsAffected()
		}
	}
	return deleted, mapErr(br.Close(), "write")
}

// copyRows inserts n rows into tbl with COPY. A row whose id exists fails
// the COPY with a unique violation.
func (a *applier) copyRows(tbl string, cols []string, rows [][]any) error {
	got, err := a.tx.CopyFrom(a.ctx, pgx.Identifier{tbl}, cols, pgx.CopyFromRows(rows))
	if err != nil {
		return mapErr(err, "insert into "+tbl)
	}
	if got != int64(len(rows)) {
		return fmt.Errorf("postgres: insert into %s: wrote %d rows of %d", tbl, got, len(rows))
	}
	return nil
}

// meta writes the meta keys.
func (a *applier) meta(b *emcdp.Batch) error {
	pb := &pgx.Batch{}
	var qs []queued
	// Keys in order, so that replicas writing the same keys lock them in
	// the same order and never deadlock.
	for _, k := range slices.Sorted(maps.Keys(b.Meta)) {
		pb.Queue(upsertMeta, k, b.Meta[k])
		qs = append(qs, queued{op: "write meta"})
	}
	_, err := a.send(pb, qs)
	return err
}
