package postgres

import (
	"context"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/storetest"
)

var _ emcdp.LogonTaskSessionReader = (*DB)(nil)

// TestTaskSessionWithLogon checks the one-round-trip read against what a
// second process sharing the database writes: it reads the task session and
// the logon session as the separate reads do, and sees a logoff and a
// changed task session at once.
func TestTaskSessionWithLogon(t *testing.T) {
	u := freshSchema(t)
	ctx := context.Background()
	open := func() *DB {
		db, err := Open(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	reader, writer := open(), open()
	d := storetest.NewDataset(7, 1, 1, 2, 4)
	if err := writer.Apply(ctx, d.Batch(rand.New(rand.NewPCG(7, 8)))); err != nil {
		t.Fatal(err)
	}
	now := emcdp.Ticks(time.Now())
	ls := &emcdp.LogonSession{ID: emcdp.NewID(), UserName: `LAB\operator`, UserKey: "operator", Created: now, LastSeen: now}
	if err := writer.CreateLogonSession(ctx, ls); err != nil {
		t.Fatal(err)
	}
	task := d.Tasks[0]

	check := func(what string, wantLogon bool) {
		t.Helper()
		gotLS, gotTS, err := reader.TaskSessionWithLogon(ctx, ls.ID, task.ID)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if wantLogon != (gotLS != nil) || wantLogon && !reflect.DeepEqual(gotLS, ls) {
			t.Errorf("%s: logon session %+v; want %+v (present %v)", what, gotLS, ls, wantLogon)
		}
		ts, err := reader.TaskSession(ctx, task.ID)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if gotTS == nil || !reflect.DeepEqual(gotTS, ts) {
			t.Errorf("%s: task session %+v; the separate read gives %+v", what, gotTS, ts)
		}
	}
	check("as written", true)

	task.Result, task.Reason = emcdp.ResultFailed, "changed by the other process"
	if err := writer.Apply(ctx, &emcdp.Batch{UpdTaskSessions: []emcdp.TaskSession{task}}); err != nil {
		t.Fatal(err)
	}
	check("after the update", true)
	if _, ts, _ := reader.TaskSessionWithLogon(ctx, ls.ID, task.ID); ts == nil || ts.Reason != task.Reason {
		t.Errorf("after the update the task session reads %+v; want reason %q", ts, task.Reason)
	}

	if err := writer.DeleteLogonSession(ctx, ls.ID); err != nil {
		t.Fatal(err)
	}
	check("after the logoff", false)

	if gotLS, gotTS, err := reader.TaskSessionWithLogon(ctx, emcdp.NewID(), emcdp.NewID()); err != nil || gotLS != nil || gotTS != nil {
		t.Errorf("unknown ids: %+v, %+v, %v; want nothing", gotLS, gotTS, err)
	}
}
