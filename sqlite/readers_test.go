package sqlite

import (
	"context"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/storetest"
)

// TestReadersConcurrentCancel reads pages and sessions by id from many
// goroutines at once through the reader pool, cancelling some reads while
// SQLite steps. The readers are opened without SQLite's own locking (Open):
// each connection must be used by one goroutine at a time, with only the
// driver's interrupt coming from another, and a read that is not cancelled
// must still return exactly what it returns alone.
func TestReadersConcurrentCancel(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "readers.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := storetest.Generate(ctx, db, 12000, 6000, false); err != nil {
		t.Fatal(err)
	}
	k := emcdp.KindCdpReplicaTaskSession
	created, _ := emcdp.LookupField(k, "CreationTimeUTC")
	queries := []*emcdp.Query{
		{Kind: k, Sort: &created, Desc: true, PageSize: 100, Page: 57},
		{Kind: k, Sort: &created, PageSize: 100, Page: 80},
		{Kind: k, PageSize: 500, Page: 1},
	}
	want := make([]*emcdp.QueryResult, len(queries))
	for i, q := range queries {
		if want[i], err = db.Query(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	one := want[0].TaskSessions[3]

	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 30 {
				rctx, cancel := context.WithCancel(ctx)
				if (g+i)%3 == 0 {
					// Cancel while the read runs, at a varying point.
					time.AfterFunc(time.Duration(i%7)*50*time.Microsecond, cancel)
				}
				qi := (g + i) % len(queries)
				res, err := db.Query(rctx, queries[qi])
				switch {
				case err != nil && rctx.Err() == nil:
					t.Errorf("query %d: %v", qi, err)
				case err == nil && !reflect.DeepEqual(res, want[qi]):
					t.Errorf("query %d: a concurrent read returned another page", qi)
				}
				ts, err := db.TaskSession(rctx, one.ID)
				switch {
				case err != nil && rctx.Err() == nil:
					t.Errorf("task session %s: %v", one.ID, err)
				case err == nil && *ts != one:
					t.Errorf("task session %s read concurrently differs", one.ID)
				}
				cancel()
			}
		})
	}
	wg.Wait()
}
