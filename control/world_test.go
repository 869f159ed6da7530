package control

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/auth"
	"github.com/emcdp/emcdp/sqlite"
)

// TestResetWithoutWorld: a reset of a store that holds no simulated world
// cannot write it anew, but ends the logon sessions and forgets the failed
// logons all the same, so that a locked-out user can log on again, as after
// the reset of a world.
func TestResetWithoutWorld(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	clock := NewClock(now, 1, true)
	w, err := NewWorld(ctx, WorldConfig{Store: db, Auth: &auth.Service{Store: db, Clock: clock}, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	ls := &emcdp.LogonSession{ID: emcdp.NewID(), UserKey: "alice", UserName: "alice", Created: now, LastSeen: now}
	if err := db.CreateLogonSession(ctx, ls); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if _, err := db.AddLogonFailure(ctx, "alice", now, now.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok, err := db.ReserveLogonFailure(ctx, "bob", now, now.Add(-time.Hour), 5); err != nil || !ok {
		t.Fatalf("reserve: %v, %v", ok, err)
	}
	if _, err := w.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.LogonSession(ctx, ls.ID); !errors.Is(err, emcdp.ErrNotFound) {
		t.Errorf("logon session after reset: %v, want ErrNotFound", err)
	}
	if n, err := db.LogonFailures(ctx, "alice", now.Add(-time.Hour)); err != nil || n != 0 {
		t.Errorf("failed logons after reset = %d, %v; want 0", n, err)
	}
	if n, err := db.PruneLogonFailures(ctx, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), 0); err != nil || n != 0 {
		t.Errorf("%d failure records left after reset (%v)", n, err)
	}
}
