package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/sqlgen"
	"github.com/emcdp/emcdp/storetest"
	"github.com/jackc/pgx/v5"
)

// repeatableReadURL returns a fresh schema's URL whose connections default
// to repeatable read, as a server configured that way gives them.
func repeatableReadURL(t *testing.T) string {
	u := freshSchema(t)
	if len(u) > 0 && u[0] == 'p' { // a postgres:// URL
		return u + "&default_transaction_isolation=repeatable%20read"
	}
	return u + " default_transaction_isolation='repeatable read'"
}

// repeatableReadReplicas opens a store on a fresh schema whose connections
// default to repeatable read, a connection that plays another replica, and
// one that watches the locks; the test's end closes them.
func repeatableReadReplicas(t *testing.T) (db *DB, other, watch *pgx.Conn) {
	ctx := context.Background()
	u := repeatableReadURL(t)
	db, err := Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	conns := [2]*pgx.Conn{}
	for i := range conns {
		if conns[i], err = pgx.Connect(ctx, u); err != nil {
			t.Fatal(err)
		}
		c := conns[i]
		t.Cleanup(func() { c.Close(ctx) })
	}
	return db, conns[0], conns[1]
}

// waitForLockWaiter waits until some session waits for an advisory lock.
func waitForLockWaiter(t *testing.T, conn *pgx.Conn) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var n int
		if err := conn.QueryRow(context.Background(),
			"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no write waits for the advisory lock")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestFailuresCountedUnderRepeatableRead: where the server's default
// isolation is repeatable read, a failed logon that waits for the user's
// advisory lock still counts the failure that the lock's previous holder
// (another replica) recorded, so that the lockout cannot be outrun by
// failing at several replicas at once.
func TestFailuresCountedUnderRepeatableRead(t *testing.T) {
	ctx := context.Background()
	db, other, watch := repeatableReadReplicas(t)

	at := storetest.Base
	tx, err := other.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1, hashtext($2))", int32(failureLock), "operator"); err != nil {
		t.Fatal(err)
	}
	type result struct {
		n   int
		err error
	}
	done := make(chan result, 1)
	go func() {
		n, err := db.AddLogonFailure(ctx, "operator", at, at)
		done <- result{n, err}
	}()
	waitForLockWaiter(t, watch)
	if _, err := tx.Exec(ctx, "INSERT INTO logon_failures (user_key, at) VALUES ($1, $2)", "operator", sqlgen.Nanos(at)); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if r := <-done; r.err != nil || r.n != 2 {
		t.Errorf("AddLogonFailure after another replica's failure = %d, %v; want 2", r.n, r.err)
	}
}

// TestTaskFinishedUnderRepeatableRead: where the server's default isolation
// is repeatable read, a write to an object that waits for the object's
// advisory lock sees the write that the lock's previous holder (another
// replica) finished, and so finds its own task next in line rather than gone.
func TestTaskFinishedUnderRepeatableRead(t *testing.T) {
	ctx := context.Background()
	db, other, watch := repeatableReadReplicas(t)

	at := storetest.Base
	target := emcdp.NewID()
	first := emcdp.Task{Owner: "user:operator", Operation: "StartJob", Action: "start", Target: target, Created: at, ApplyAt: at}
	second := first
	for _, tk := range []*emcdp.Task{&first, &second} {
		if err := db.CreateTask(ctx, tk, 10); err != nil {
			t.Fatal(err)
		}
	}
	tx, err := other.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, lockTarget, target.String()); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		fin := second
		fin.Finished, fin.Success = at.Add(time.Second), true
		done <- db.Apply(ctx, &emcdp.Batch{FinishTasks: []emcdp.Task{fin}})
	}()
	waitForLockWaiter(t, watch)
	if _, err := tx.Exec(ctx, "UPDATE tasks SET state = $1, finished = $2, success = true WHERE num = $3",
		int16(emcdp.OpFinished), sqlgen.Nanos(at), first.Num); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Errorf("finishing the next task of the object after another replica finished the first: %v", err)
	}
}
