package sim

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
)

var t0 = time.Date(2026, 6, 15, 12, 34, 56, 0, time.UTC)

func seedMem(t testing.TB, cfg Config, now time.Time) *memStore {
	t.Helper()
	st := newMemStore()
	if err := Seed(context.Background(), st, cfg, now, nil); err != nil {
		t.Fatalf("Seed: %v", err)
	}
	return st
}

func TestDemoInvariants(t *testing.T) {
	for _, now := range []time.Time{t0, t0.Add(7*time.Hour + 13*time.Minute), t0.Add(40 * day)} {
		st := seedMem(t, Demo(), now)
		s := readAll(t, st)
		checkWorld(t, s, now)
		if len(s.Servers) != 2 || len(s.Policies) != 4 {
			t.Fatalf("demo: %d servers, %d policies", len(s.Servers), len(s.Policies))
		}
		var running, warn, failed int
		for _, ts := range s.TSess {
			switch {
			case ts.Running():
				running++
			case ts.Result == emcdp.ResultWarning:
				warn++
			case ts.Result == emcdp.ResultFailed:
				failed++
			}
		}
		if running != 10 || warn == 0 || failed == 0 {
			t.Errorf("demo at %v: %d running, %d warning, %d failed task sessions of %d", now, running, warn, failed, len(s.TSess))
		}
	}
}

func TestGeneratedInvariantsAndRates(t *testing.T) {
	cfg := Config{Seed: 7, Servers: 3, PoliciesPerServer: 12, Days: 60}
	st := seedMem(t, cfg, t0)
	s := readAll(t, st)
	checkWorld(t, s, t0)
	var ended, warn, failed int
	for _, ts := range s.TSess {
		if ts.Running() {
			continue
		}
		ended++
		switch ts.Result {
		case emcdp.ResultWarning:
			warn++
		case emcdp.ResultFailed:
			failed++
		}
	}
	w, f := float64(warn)/float64(ended), float64(failed)/float64(ended)
	t.Logf("%d VM task sessions ended: %.2f%% Warning, %.2f%% Failed; %d policy sessions", ended, 100*w, 100*f, len(s.PSess))
	if w < 0.03 || w > 0.05 || f < 0.006 || f > 0.015 {
		t.Errorf("result mix %.4f Warning, %.4f Failed; want about 0.04 and 0.01", w, f)
	}
	// VMs per policy: a spread, most policies small
	n := map[emcdp.ID]int{}
	for _, p := range s.Policies {
		n[p.ID] = len(p.Includes)
		if len(p.Includes) < 1 || len(p.Includes) > 50 {
			t.Errorf("policy %s has %d VMs", p.Name, len(p.Includes))
		}
	}
	small := 0
	for _, c := range n {
		if c <= 8 {
			small++
		}
	}
	if small*2 < len(n) {
		t.Errorf("only %d of %d policies have at most 8 VMs", small, len(n))
	}
}

func TestDeterminism(t *testing.T) {
	cfg := Demo()
	a := readAll(t, seedMem(t, cfg, t0))
	cfg.BatchSize = 7 // the batch size must not change the data
	b := readAll(t, seedMem(t, cfg, t0))
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same config and now gave different worlds")
	}
	cfg.Seed++
	c := readAll(t, seedMem(t, cfg, t0))
	if c.TSess[0].ID == a.TSess[0].ID {
		t.Fatal("a different seed gave the same ids")
	}
}

// TestResumeAfterCrash interrupts a seed at every few transactions and checks
// that each partial store is consistent and that rerunning completes it to
// exactly the uninterrupted world.
func TestResumeAfterCrash(t *testing.T) {
	ctx := context.Background()
	cfg := Config{Seed: 3, Servers: 2, PoliciesPerServer: 4, Days: 5, BatchSize: 50}
	full := seedMem(t, cfg, t0)
	want := readAll(t, full)
	if full.applies < 10 {
		t.Fatalf("only %d transactions; make the batches smaller", full.applies)
	}
	for _, n := range []int{1, 2, 3, full.applies / 3, full.applies / 2, full.applies - 1, full.applies} {
		st := newMemStore()
		st.failAfter = n
		if err := Seed(ctx, st, cfg, t0, nil); !errors.Is(err, errCrash) {
			t.Fatalf("crash after %d: %v", n, err)
		}
		if n > 1 {
			checkPartial(t, readAll(t, st))
		}
		st.failAfter = 0
		// a later rerun finishes the interrupted seed, then catches up
		if err := Seed(ctx, st, cfg, t0, nil); err != nil {
			t.Fatalf("resume after %d: %v", n, err)
		}
		if got := readAll(t, st); !reflect.DeepEqual(got, want) {
			t.Fatalf("resume after crash at apply %d: world differs (%d/%d task sessions)", n, len(got.TSess), len(want.TSess))
		}
	}
}

// checkPartial checks what must hold for any prefix of a seed: parents
// exist, nothing overlaps.
func checkPartial(t *testing.T, s *snapshot) {
	t.Helper()
	ps := map[emcdp.ID]bool{}
	for _, p := range s.PSess {
		ps[p.ID] = true
	}
	for _, ts := range s.TSess {
		if !ps[ts.PolicySessionID] {
			t.Errorf("task session %s without its policy session", ts.Name)
		}
	}
}

func TestConfigMismatch(t *testing.T) {
	st := seedMem(t, Demo(), t0)
	cfg := Demo()
	cfg.Seed = 1
	err := Seed(context.Background(), st, cfg, t0.Add(time.Hour), nil)
	if !errors.Is(err, ErrConfigMismatch) {
		t.Fatalf("seeding another config: %v", err)
	}
	// the same config at a later instant catches up instead
	if err := Seed(context.Background(), st, Demo(), t0.Add(30*time.Hour), nil); err != nil {
		t.Fatal(err)
	}
	checkWorld(t, readAll(t, st), t0.Add(30*time.Hour))
}

func TestConfigErrors(t *testing.T) {
	bad := []Config{
		{Days: -1},
		{WarningRate: 0.6},
		{Servers: 1, PoliciesPerServer: 101},
		{Policy: PolicySettings{RPO: time.Second}},
		{Policy: PolicySettings{LongTermRetentionHours: 25}},
		{Catalog: []ServerSpec{{Name: "a", Policies: []PolicySpec{{Name: "p"}}}}},
		{Catalog: []ServerSpec{{Name: "a", Policies: []PolicySpec{{Name: "p", VMs: []VMSpec{{Name: "x"}, {Name: "X"}}}}}}},
		{Episodes: []Episode{{VM: "nope", Result: emcdp.ResultFailed, From: t0, To: t0.Add(time.Hour)}}},
	}
	for i, c := range bad {
		if err := c.Validate(); err == nil {
			t.Errorf("config %d: no error", i)
		} else {
			t.Logf("config %d: %v", i, err)
		}
	}
	if err := Demo().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestProgress(t *testing.T) {
	st := newMemStore()
	cfg := Config{Seed: 9, Servers: 2, PoliciesPerServer: 5, Days: 10, BatchSize: 100}
	var calls, last, lastTotal int
	err := Seed(context.Background(), st, cfg, t0, func(done, total int) {
		calls++
		if done < last || done > total {
			t.Errorf("progress %d of %d after %d", done, total, last)
		}
		last, lastTotal = done, total
	})
	if err != nil {
		t.Fatal(err)
	}
	n := len(readAll(t, st).TSess) + len(st.jtsess)
	if calls < 10 || last != n || lastTotal != n {
		t.Fatalf("%d progress calls ending at %d of %d; %d task sessions written", calls, last, lastTotal, n)
	}
}

func TestSeedCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	st := newMemStore()
	cfg := Config{Seed: 9, Servers: 2, PoliciesPerServer: 5, Days: 10, BatchSize: 100}
	err := Seed(ctx, st, cfg, t0, func(done, total int) {
		if done > 500 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled seed: %v", err)
	}
	checkPartial(t, readAll(t, st))
	if err := Seed(context.Background(), st, cfg, t0, nil); err != nil {
		t.Fatal(err)
	}
	checkWorld(t, readAll(t, st), t0)
}
