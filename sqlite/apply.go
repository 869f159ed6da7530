package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/sqlgen"
)

// Statements of Apply that are not derived from a description.
const (
	upsertMeta = `INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`
	addCount   = `UPDATE row_counts SET n = n + ? WHERE tbl = ?`
)

// addDays adds to the count of a table's rows created on one day.
var addDays = sqlgen.AddCount(&sqlgen.SQLite)

// writeStmts are the statements of Apply, prepared once on the writer
// connection when the store opens and reused by every transaction.
type writeStmts struct {
	upsertMeta, addCount, addDays *sql.Stmt
	all                           []*sql.Stmt
}

func prepareWriteStmts(ctx context.Context, w *sql.DB) (*writeStmts, error) {
	s := &writeStmts{}
	type job struct {
		dst **sql.Stmt
		q   string
	}
	jobs := []job{{&s.upsertMeta, upsertMeta}, {&s.addCount, addCount}, {&s.addDays, addDays}}
	for _, j := range jobs {
		st, err := w.PrepareContext(ctx, j.q)
		if err != nil {
			s.close()
			return nil, mapErr(err, "prepare")
		}
		*j.dst = st
		s.all = append(s.all, st)
	}
	return s, nil
}

func (s *writeStmts) close() error {
	var errs []error
	for _, st := range s.all {
		errs = append(errs, st.Close())
	}
	return errors.Join(errs...)
}

// analyzeEvery is how many inserted rows trigger a refresh of the planner
// statistics, so that index choices follow the data as it grows.
const analyzeEvery = 50000

// Apply writes the batch in one transaction: all of it or none of it. The
// order is: the rows of the described kinds with their includes
// (Batch.EachWrite), meta, then the removal of old sessions. Updating a
// session that does not exist fails the batch with an error wrapping
// emcdp.ErrNotFound; inserting one that exists fails it with an error
// wrapping ErrDuplicate.
func (db *DB) Apply(ctx context.Context, b *emcdp.Batch) error {
	if err := db.check(); err != nil {
		return err
	}
	if b == nil {
		return nil
	}
	defer db.Applied(b)
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(err, "begin write")
	}
	defer tx.Rollback()
	a := applier{ctx: ctx, tx: tx, st: db.st}
	if err := a.run(b); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return mapErr(err, "commit")
	}
	db.afterWrite(ctx, len(b.NewPolicySessions)+len(b.NewTaskSessions)+len(b.NewJobSessions)+len(b.NewJobTaskSessions), b.Len())
	return nil
}

// afterWrite refreshes the planner statistics once enough rows were added,
// and schedules the idle checkpoint once enough rows were written. A failure
// only leaves older statistics in place, so it is not reported.
func (db *DB) afterWrite(ctx context.Context, inserted, written int) {
	db.mu.Lock()
	db.sinceStats += inserted
	due := db.sinceStats >= analyzeEvery
	if due {
		db.sinceStats = 0
	}
	db.sinceCkpt += written
	switch {
	case db.ckptTimer != nil:
		// Every write postpones the checkpoint: it runs when writing pauses.
		db.ckptTimer.Reset(idleCheckpointWait)
	case db.sinceCkpt >= idleCheckpointRows:
		db.ckptTimer = time.AfterFunc(idleCheckpointWait, db.idleCheckpoint)
	}
	db.mu.Unlock()
	if due {
		_, _ = db.w.ExecContext(ctx, "PRAGMA optimize")
	}
}

// idleCheckpoint copies the WAL into the database file and truncates it once
// writing has paused after a large write, and frees the writer's page cache.
// It does not wait for readers (it runs with no busy timeout). A failure
// leaves the WAL to the automatic checkpoint, so it is not reported.
//
// A bulk load is not idle between its batches, though a batch of 50,000 rows
// takes longer to write than idleCheckpointWait: the checkpoint, waiting for
// the writer, ran after most of them, and dropped the cache that holds the
// primary keys the next batch writes into, which then read them back from the
// file. It waits for EndBulk, which schedules it.
//
// A read under way keeps the checkpoint from truncating the WAL (it reports
// itself busy rather than wait): the checkpoint is then tried again once
// writing has paused for idleCheckpointWait anew, until it truncates.
func (db *DB) idleCheckpoint() {
	db.mu.Lock()
	run := (db.sinceCkpt >= idleCheckpointRows || db.ckptRetry) && !db.bulk.Load()
	if run {
		db.sinceCkpt, db.ckptRetry = 0, false
	}
	db.mu.Unlock()
	if !run || db.closed.Load() {
		return
	}
	ctx := context.Background()
	c, err := db.w.Conn(ctx)
	if err != nil {
		return
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, "PRAGMA busy_timeout=0"); err != nil {
		return
	}
	var busy, logPages, done int
	err = c.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logPages, &done)
	if busy != 0 || isBusy(err) {
		db.mu.Lock()
		db.ckptRetry = true
		db.ckptTimer.Reset(idleCheckpointWait)
		db.mu.Unlock()
	}
	// Writing has paused: give back the page cache it filled (see
	// releaseWriterCache).
	_, _ = c.ExecContext(ctx, "PRAGMA shrink_memory")
	releaseFreed()
	if _, err := c.ExecContext(ctx, "PRAGMA busy_timeout="+strconv.Itoa(busyTimeoutMillis)); err != nil {
		// Never hand the writer back without its busy timeout: drop it,
		// and the pool opens a fresh one with the full settings.
		_ = c.Raw(func(any) error { return driver.ErrBadConn })
	}
}

type applier struct {
	ctx context.Context
	tx  *sql.Tx
	st  *writeStmts
}

// stmt returns the prepared statement s bound to the transaction; on the
// writer connection that prepared it, it is reused without preparing again.
func (a *applier) stmt(s *sql.Stmt) *sql.Stmt { return a.tx.StmtContext(a.ctx, s) }

func (a *applier) run(b *emcdp.Batch) error {
	steps := []func(*emcdp.Batch) error{a.kinds, a.meta, a.pruneKinds, a.finishTasks}
	for _, step := range steps {
		if err := step(b); err != nil {
			return err
		}
	}
	return nil
}

// updated checks that an UPDATE by id found its row.
func updated(r sql.Result, err error, what string, id emcdp.ID) error {
	if err != nil {
		return mapErr(err, "update "+what+" "+id.String())
	}
	n, err := r.RowsAffected()
	if err != nil {
		return mapErr(err, "update "+what+" "+id.String())
	}
	if n == 0 {
		return fmt.Errorf("sqlite: update %s %s: %w", what, id, emcdp.ErrNotFound)
	}
	return nil
}

func (a *applier) count(tbl string, delta int64) error {
	_, err := a.stmt(a.st.addCount).ExecContext(a.ctx, delta, tbl)
	return mapErr(err, "count "+tbl)
}

func (a *applier) meta(b *emcdp.Batch) error {
	if len(b.Meta) == 0 {
		return nil
	}
	st := a.stmt(a.st.upsertMeta)
	for k, v := range b.Meta {
		if _, err := st.ExecContext(a.ctx, k, v); err != nil {
			return mapErr(err, "write meta")
		}
	}
	return nil
}
