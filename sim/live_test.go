package sim

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
)

// TestLive steps a world on a manual clock, polling it as a client would,
// restarts the stepper part-way, catches up after a long pause, and finally
// compares the result with a history seeded in one go up to the same instant.
func TestLive(t *testing.T) {
	ctx := context.Background()
	st := newMemStore()
	clk := emcdp.NewManualClock(t0)
	live := &Live{Store: st, Clock: clk, Config: Demo()}
	if err := live.Step(ctx); err != nil {
		t.Fatal(err)
	}
	prev := readAll(t, st)
	checkWorld(t, prev, clk.Now())
	var appeared, completed, rolled int
	for i := 0; i < 80; i++ {
		clk.Advance(37 * time.Minute)
		if i == 40 { // a restart: a new process on the same store
			live = &Live{Store: st, Clock: clk, Config: Demo()}
		}
		if err := live.Step(ctx); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		cur := readAll(t, st)
		checkWorld(t, cur, clk.Now())
		was := map[emcdp.ID]bool{}
		for _, ts := range prev.TSess {
			was[ts.ID] = ts.Running()
		}
		for _, ts := range cur.TSess {
			running, ok := was[ts.ID]
			switch {
			case !ok:
				appeared++
			case running && !ts.Running():
				completed++
			}
		}
		wasPS := map[emcdp.ID]bool{}
		for _, ps := range prev.PSess {
			wasPS[ps.ID] = ps.Running()
		}
		for _, ps := range cur.PSess {
			if wasPS[ps.ID] && !ps.Running() {
				rolled++
			}
		}
		prev = cur
	}
	if appeared == 0 || completed == 0 || rolled == 0 {
		t.Fatalf("polling saw %d new task sessions, %d completed, %d policy sessions roll over", appeared, completed, rolled)
	}
	t.Logf("polling saw %d new task sessions, %d completed, %d policy session rollovers", appeared, completed, rolled)

	// a long pause, then one step catches up
	clk.Advance(5*day + 3*time.Hour)
	if err := live.Step(ctx); err != nil {
		t.Fatal(err)
	}
	got := readAll(t, st)
	checkWorld(t, got, clk.Now())

	// history and live stepping are the same world
	start, _ := st.Meta(ctx, MetaStart)
	cfg := Demo()
	cfg.Start, _ = time.Parse(time.RFC3339Nano, start)
	want := readAll(t, seedMem(t, cfg, clk.Now()))
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("live stepping and seeding differ: %d/%d task sessions, %d/%d policy sessions",
			len(got.TSess), len(want.TSess), len(got.PSess), len(want.PSess))
	}
}

// TestLiveStepInterrupted crashes a large catch-up step and checks that the
// next step completes it without duplicates.
func TestLiveStepInterrupted(t *testing.T) {
	ctx := context.Background()
	cfg := Demo()
	cfg.BatchSize = 20
	st := newMemStore()
	clk := emcdp.NewManualClock(t0)
	if err := (&Live{Store: st, Clock: clk, Config: cfg}).Step(ctx); err != nil {
		t.Fatal(err)
	}
	clk.Advance(4 * day)
	st.failAfter = st.applies + 4
	if err := (&Live{Store: st, Clock: clk, Config: cfg}).Step(ctx); err == nil {
		t.Fatal("the crash did not happen")
	}
	st.failAfter = 0
	clk.Advance(time.Hour)
	if err := (&Live{Store: st, Clock: clk, Config: cfg}).Step(ctx); err != nil {
		t.Fatal(err)
	}
	got := readAll(t, st)
	checkWorld(t, got, clk.Now())
	start, _ := st.Meta(ctx, MetaStart)
	cfg.Start, _ = time.Parse(time.RFC3339Nano, start)
	if want := readAll(t, seedMem(t, cfg, clk.Now())); !reflect.DeepEqual(got, want) {
		t.Fatal("an interrupted step did not complete to the same world")
	}
}

func TestLiveRunStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	st := newMemStore()
	l := &Live{Store: st, Clock: &scaledClock{origin: t0, wallStart: time.Now(), scale: 3600}, Config: Demo(), Interval: 10 * time.Millisecond}
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx) }()
	// Wait until the world has advanced past its start (however slow the
	// machine), then check that cancelling stops Run without an error.
	deadline := time.Now().Add(time.Minute)
	for {
		until, _ := st.Meta(context.Background(), MetaUntil)
		if u, err := time.Parse(time.RFC3339Nano, until); err == nil && u.After(t0) {
			break
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("Run did not advance the world within a minute: until %q", until)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute):
		t.Fatal("Run did not stop within a minute of its context being cancelled")
	}
}

// scaledClock runs scale times faster than the wall clock from origin.
type scaledClock struct {
	origin, wallStart time.Time
	scale             float64
}

func (c *scaledClock) Now() time.Time {
	return c.origin.Add(time.Duration(float64(time.Since(c.wallStart)) * c.scale))
}
