package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/storetest"
)

func openTemp(t testing.TB) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "emcdp.db"))
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// openGenerated opens a store in a temporary folder that holds the 30,000
// task sessions of storetest.Generate: five whole days of 6,000 before
// storetest.BenchEnd. The test closes it at its end.
func openGenerated(t *testing.T) *DB {
	t.Helper()
	db := openTemp(t)
	t.Cleanup(func() { db.Close() })
	if err := storetest.Generate(context.Background(), db, 30000, 10000, false); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) emcdp.Store { return openTemp(t) })
}

// TestIdleCheckpoint checks that a pause after a large write moves the WAL
// into the database file and truncates it, and that the data stays readable.
// The rows go in one batch: written in several, a batch that took longer
// than idleCheckpointWait (on a loaded machine, or under the race detector)
// let the checkpoint run between them, and the rows written after it, fewer
// than idleCheckpointRows, rightly stayed in the WAL.
func TestIdleCheckpoint(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	defer db.Close()
	if err := storetest.Generate(ctx, db, 2*idleCheckpointRows, 2*idleCheckpointRows, false); err != nil {
		t.Fatal(err)
	}
	wal := db.Path() + "-wal"
	if fi, err := os.Stat(wal); err != nil || fi.Size() == 0 {
		t.Fatalf("no WAL after the write: %v", err)
	}
	waitWALEmpty(t, wal, "the last write")
	res, err := db.Query(ctx, &emcdp.Query{Kind: emcdp.KindCdpReplicaTaskSession, PageSize: 1, Page: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 2*idleCheckpointRows {
		t.Fatalf("total %d after the checkpoint, want %d", res.Total, 2*idleCheckpointRows)
	}
}

// TestIdleCheckpointAfterReader: a read that is under way when the idle
// checkpoint comes keeps it from truncating the WAL; the checkpoint is
// tried again once writing has paused anew, and truncates it after the read.
func TestIdleCheckpointAfterReader(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	defer db.Close()
	// A read that begins before the write and lasts past its checkpoint.
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM task_sessions").Scan(&n); err != nil || n != 0 {
		t.Fatalf("the read sees %d task sessions, %v", n, err)
	}
	if err := storetest.Generate(ctx, db, 2*idleCheckpointRows, 4000, false); err != nil {
		t.Fatal(err)
	}
	// Wait until the checkpoint has found the read in its way.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		db.mu.Lock()
		retry := db.ckptRetry
		db.mu.Unlock()
		if retry {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no idle checkpoint met the read")
		}
		time.Sleep(20 * time.Millisecond)
	}
	wal := db.Path() + "-wal"
	if fi, err := os.Stat(wal); err != nil || fi.Size() == 0 {
		t.Fatalf("the WAL was truncated under a read (%v)", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	waitWALEmpty(t, wal, "the read ended")
}

// TestBulkHoldsIdleCheckpoint: pauses between the batches of a bulk load do
// not checkpoint the WAL (nor drop the writer's cache); EndBulk schedules the
// checkpoint, which then truncates it.
func TestBulkHoldsIdleCheckpoint(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	defer db.Close()
	if err := db.BeginBulk(ctx); err != nil {
		t.Fatal(err)
	}
	if err := storetest.Generate(ctx, db, 2*idleCheckpointRows, 2*idleCheckpointRows, false); err != nil {
		t.Fatal(err)
	}
	wal := db.Path() + "-wal"
	time.Sleep(3 * idleCheckpointWait)
	if fi, err := os.Stat(wal); err != nil || fi.Size() == 0 {
		t.Fatalf("the WAL was checkpointed during the bulk load (%v)", err)
	}
	if err := db.EndBulk(ctx); err != nil {
		t.Fatal(err)
	}
	waitWALEmpty(t, wal, "EndBulk")
}

// TestApplyErrors checks the errors of a failed batch and that it leaves
// nothing behind: rows, row counts and meta stay as they were, and the
// prepared statements keep working for the next batch.
func TestApplyErrors(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	defer db.Close()
	if err := storetest.Generate(ctx, db, 100, 50, false); err != nil {
		t.Fatal(err)
	}
	res, err := db.Query(ctx, &emcdp.Query{Kind: emcdp.KindCdpReplicaTaskSession, PageSize: 1, Page: 1})
	if err != nil || len(res.TaskSessions) != 1 {
		t.Fatalf("query: %v", err)
	}
	ts := res.TaskSessions[0]
	fresh := ts
	fresh.ID = emcdp.NewID()
	count := func() int {
		res, err := db.Query(ctx, &emcdp.Query{Kind: emcdp.KindCdpReplicaTaskSession, PageSize: 1, Page: 1})
		if err != nil {
			t.Fatal(err)
		}
		return res.Total
	}
	before := count()

	err = db.Apply(ctx, &emcdp.Batch{NewTaskSessions: []emcdp.TaskSession{fresh, ts}, Meta: map[string]string{"k": "v"}})
	if !errors.Is(err, ErrDuplicate) || !strings.Contains(err.Error(), ts.ID.String()) {
		t.Errorf("insert of a stored id: %v, want ErrDuplicate naming %s", err, ts.ID)
	}
	// inserts go insertChunk rows per statement: a stored id inside a full
	// chunk, and an id repeated within the batch, are named all the same
	many := make([]emcdp.TaskSession, insertChunk+5)
	for i := range many {
		many[i] = fresh
		many[i].ID = emcdp.NewID()
	}
	many[insertChunk/2] = ts
	err = db.Apply(ctx, &emcdp.Batch{NewTaskSessions: many})
	if !errors.Is(err, ErrDuplicate) || !strings.Contains(err.Error(), ts.ID.String()) {
		t.Errorf("insert of a stored id inside a chunk: %v, want ErrDuplicate naming %s", err, ts.ID)
	}
	many[insertChunk/2] = fresh
	many[insertChunk+2] = fresh
	err = db.Apply(ctx, &emcdp.Batch{NewTaskSessions: many})
	if !errors.Is(err, ErrDuplicate) || !strings.Contains(err.Error(), fresh.ID.String()) {
		t.Errorf("an id inserted twice in a batch: %v, want ErrDuplicate naming %s", err, fresh.ID)
	}
	missing := ts
	missing.ID = emcdp.NewID()
	err = db.Apply(ctx, &emcdp.Batch{NewTaskSessions: []emcdp.TaskSession{fresh}, UpdTaskSessions: []emcdp.TaskSession{missing}})
	if !errors.Is(err, emcdp.ErrNotFound) || !strings.Contains(err.Error(), missing.ID.String()) {
		t.Errorf("update of a missing id: %v, want ErrNotFound naming %s", err, missing.ID)
	}
	if _, err := db.TaskSession(ctx, fresh.ID); !errors.Is(err, emcdp.ErrNotFound) {
		t.Errorf("a row of a failed batch is stored: %v", err)
	}
	if got, _ := db.Meta(ctx, "k"); got != "" {
		t.Errorf("meta of a failed batch is stored: %q", got)
	}
	if got := count(); got != before {
		t.Errorf("row count %d after failed batches, want %d", got, before)
	}
	if err := db.Apply(ctx, &emcdp.Batch{NewTaskSessions: []emcdp.TaskSession{fresh}}); err != nil {
		t.Fatalf("batch after the failed ones: %v", err)
	}
	if got := count(); got != before+1 {
		t.Errorf("row count %d, want %d", got, before+1)
	}
	many[insertChunk/2].ID, many[insertChunk+2].ID = emcdp.NewID(), emcdp.NewID()
	if err := db.Apply(ctx, &emcdp.Batch{NewTaskSessions: many}); err != nil {
		t.Fatalf("a batch of more than a chunk: %v", err)
	}
	if got := count(); got != before+1+len(many) {
		t.Errorf("row count %d, want %d", got, before+1+len(many))
	}
	for _, w := range many {
		if got, err := db.TaskSession(ctx, w.ID); err != nil || got.ID != w.ID {
			t.Fatalf("task session %s of the batch: %v", w.ID, err)
		}
	}
}

func TestClear(t *testing.T) {
	db := openTemp(t)
	defer db.Close()
	storetest.RunClear(t, db)
}

func TestChanges(t *testing.T) {
	db := openTemp(t)
	defer db.Close()
	storetest.RunChanges(t, db)
}

// waitWALEmpty waits until the checkpoint scheduled after what has emptied
// the WAL file wal. The bound only ends a test whose checkpoint never comes;
// it is generous because on a loaded machine the checkpoint of a few
// thousand rows can take seconds.
func waitWALEmpty(t *testing.T, wal, after string) {
	t.Helper()
	const bound = 2 * time.Minute
	deadline := time.Now().Add(bound)
	for {
		fi, err := os.Stat(wal)
		if errors.Is(err, os.ErrNotExist) {
			return // none since the index builds left WAL mode (leaveWAL)
		}
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the WAL still holds %d bytes %v after %s", fi.Size(), bound, after)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
