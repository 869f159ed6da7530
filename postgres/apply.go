package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/sqlgen"
	"github.com/jackc/pgx/v5"
)

// Statements of Apply that are not derived from a description. An upsert of
// a policy replaces every column.
const (
	upsertPolicy = `INSERT INTO cdp_policies (` + policyCols + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, backup_server_id = excluded.backup_server_id,
		backup_server_name = excluded.backup_server_name, platform = excluded.platform,
		description = excluded.description, schedule_configured = excluded.schedule_configured,
		schedule_enabled = excluded.schedule_enabled, next_run = excluded.next_run,
		schedule_options = excluded.schedule_options, guest_options = excluded.guest_options`
	deleteObjects = `DELETE FROM policy_objects WHERE policy_id = $1`
	insertObject  = `INSERT INTO policy_objects (` + objectCols + `) VALUES ($1, $2, $3, $4, $5, $6, $7)`
	upsertMeta    = `INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`
	addCount      = `UPDATE row_counts SET n = n + $1 WHERE tbl = $2`
)

// addDays adds to the count of a table's rows created on one day.
var addDays = sqlgen.AddCount(&sqlgen.Postgres)

// Apply writes the batch in one transaction: all of it or none of it. The
// order is: policies (with their Includes), the new sessions (COPY), the
// other rows of the described kinds (Batch.EachWrite), the removal of old
// sessions, then meta. Updating a session that does
// not exist fails the batch with an error wrapping emcdp.ErrNotFound;
// inserting one that exists fails it with an error wrapping ErrDuplicate.
func (db *DB) Apply(ctx context.Context, b *emcdp.Batch) error {
	if err := db.check(); err != nil {
		return err
	}
	if b == nil || b.Len() == 0 && b.DeleteSessionsBefore.IsZero() {
		return nil
	}
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return mapErr(err, "begin write")
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	a := applier{ctx: ctx, tx: tx}
	for _, step := range []func(*emcdp.Batch) error{a.finishTasks, a.policies, a.kinds, a.meta} {
		if err := step(b); err != nil {
			return err
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

// policies upserts the policies, replacing each policy's includes.
func (a *applier) policies(b *emcdp.Batch) error {
	pb := &pgx.Batch{}
	var qs []queued
	for i := range b.CdpPolicies {
		v := &b.CdpPolicies[i]
		opts, err := json.Marshal(v.Options)
		if err != nil {
			return fmt.Errorf("postgres: schedule options of policy %s: %w", v.ID, err)
		}
		guest, err := json.Marshal(v.Guest)
		if err != nil {
			return fmt.Errorf("postgres: guest options of policy %s: %w", v.ID, err)
		}
		pb.Queue(upsertPolicy, uid(&v.ID), v.Name, uid(&v.BackupServerID), v.BackupServerName, v.Platform,
			optStr(v.Description), v.ScheduleConfigured, v.ScheduleEnabled, optTime(v.NextRun), string(opts), string(guest))
		pb.Queue(deleteObjects, uid(&v.ID))
		qs = append(qs, queued{op: "write policy " + v.ID.String()}, queued{op: "replace includes of policy " + v.ID.String()})
		for j := range v.Includes {
			o := &v.Includes[j]
			g, err := json.Marshal(o.Guest)
			if err != nil {
				return fmt.Errorf("postgres: guest options of object %s: %w", o.ID, err)
			}
			// The object belongs to the policy it is written with.
			pb.Queue(insertObject, uid(&v.ID), uid(&o.ID), o.HierarchyObjRef, o.Name, o.DisplayName, string(g), o.TotalSize)
			qs = append(qs, queued{op: "write object " + o.ID.String() + " of policy " + v.ID.String()})
		}
	}
	_, err := a.send(pb, qs)
	return err
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
