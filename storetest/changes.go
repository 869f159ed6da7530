package storetest

import (
	"context"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
)

// RunChanges checks that a store tells its listeners (emcdp.ChangeNotifier)
// of every write that alters or removes existing CDP task sessions, and of
// nothing else: the body cache of the API relies on it.
func RunChanges(t *testing.T, st Clearer) {
	ctx := context.Background()
	n, ok := st.(emcdp.ChangeNotifier)
	if !ok {
		t.Fatalf("%T does not report its changes", st)
	}
	var mu sync.Mutex
	var got []emcdp.Change
	n.OnChange(func(ch emcdp.Change) {
		mu.Lock()
		got = append(got, ch)
		mu.Unlock()
	})
	take := func() []emcdp.Change {
		mu.Lock()
		defer mu.Unlock()
		g := got
		got = nil
		return g
	}
	d := standard()
	if err := st.Apply(ctx, d.Batch(rand.New(rand.NewPCG(1, 2)))); err != nil {
		t.Fatal(err)
	}
	if g := take(); len(g) != 0 {
		t.Errorf("inserting a world reported %+v; new rows change nothing read before", g)
	}

	upd := d.Tasks[0]
	upd.Result, upd.Reason = emcdp.ResultFailed, "changed"
	if err := st.Apply(ctx, &emcdp.Batch{UpdTaskSessions: []emcdp.TaskSession{upd}}); err != nil {
		t.Fatal(err)
	}
	if g := take(); len(g) != 1 || !slices.Equal(g[0].TaskSessions, []emcdp.ID{upd.ID}) || g[0].All {
		t.Errorf("update of task session %v reported %+v", upd.ID, g)
	}

	before := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := st.Apply(ctx, &emcdp.Batch{DeleteSessionsBefore: before}); err != nil {
		t.Fatal(err)
	}
	if g := take(); len(g) != 1 || !g[0].Before.Equal(before) {
		t.Errorf("removal of sessions before %v reported %+v", before, g)
	}

	if err := st.Clear(ctx); err != nil {
		t.Fatal(err)
	}
	if g := take(); len(g) != 1 || !g[0].All {
		t.Errorf("Clear reported %+v, want All", g)
	}
}
