package sqlite

import (
	"context"
	"os"
	"path/filepath"
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

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) emcdp.Store { return openTemp(t) })
}

// TestIdleCheckpoint checks that a pause after a large write moves the WAL
// into the database file and truncates it, and that the data stays readable.
func TestIdleCheckpoint(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	defer db.Close()
	if err := generate(ctx, db, 2*idleCheckpointRows, 4000); err != nil {
		t.Fatal(err)
	}
	wal := db.Path() + "-wal"
	if fi, err := os.Stat(wal); err != nil || fi.Size() == 0 {
		t.Fatalf("no WAL after the write: %v", err)
	}
	deadline := time.Now().Add(10 * idleCheckpointWait)
	for {
		fi, err := os.Stat(wal)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the WAL still holds %d bytes %v after the last write", fi.Size(), 10*idleCheckpointWait)
		}
		time.Sleep(50 * time.Millisecond)
	}
	res, err := db.Query(ctx, &emcdp.Query{Kind: emcdp.KindCdpReplicaTaskSession, PageSize: 1, Page: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 2*idleCheckpointRows {
		t.Fatalf("total %d after the checkpoint, want %d", res.Total, 2*idleCheckpointRows)
	}
}
