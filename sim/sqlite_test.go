package sim

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/sqlite"
)

func openSQLite(t testing.TB, path string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestSQLiteSeedAndLive runs the demo world into SQLite, steps it live and
// checks that the store holds exactly what the in-memory run holds.
func TestSQLiteSeedAndLive(t *testing.T) {
	ctx := context.Background()
	db := openSQLite(t, filepath.Join(t.TempDir(), "emcdp.db"))
	mem := newMemStore()
	clk := emcdp.NewManualClock(t0)
	lives := []*Live{{Store: db, Clock: clk, Config: Demo()}, {Store: mem, Clock: clk, Config: Demo()}}
	for i := 0; i < 30; i++ {
		if i == 15 { // restart against the same file
			lives[0] = &Live{Store: db, Clock: clk, Config: Demo()}
		}
		for _, l := range lives {
			if err := l.Step(ctx); err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
		}
		got := readAll(t, db)
		checkWorld(t, got, clk.Now())
		if want := readAll(t, mem); !reflect.DeepEqual(got, want) {
			t.Fatalf("step %d: SQLite and memory differ (%d/%d task sessions)", i, len(got.TSess), len(want.TSess))
		}
		clk.Advance(2*time.Hour + 17*time.Minute)
	}
	// a client's poll sees the running task sessions
	res, err := db.Query(ctx, &emcdp.Query{Kind: emcdp.KindCdpReplicaTaskSession,
		Filter: &emcdp.Term{Field: mustField(t, emcdp.KindCdpReplicaTaskSession, "State"), Op: emcdp.OpEq,
			Value: emcdp.Value{Int: int64(emcdp.TaskInProgress)}}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 10 {
		t.Fatalf("%d running task sessions, want one per VM (10)", res.Total)
	}
}

func mustField(t testing.TB, k emcdp.Kind, name string) emcdp.Field {
	f, ok := emcdp.LookupField(k, name)
	if !ok {
		t.Fatalf("no field %s", name)
	}
	return f
}

// killConfig is big enough that seeding it takes a few seconds.
func killConfig() Config {
	return Config{Seed: 11, Servers: 2, PoliciesPerServer: 25, Days: 30, BatchSize: 1000}
}

const childEnv = "EMCDP_SIM_SEED_CHILD"

// TestSeedKilled seeds into a SQLite file in a child process, kills it with
// SIGKILL part-way, checks the file, then reruns the seed and checks that it
// completes to the same world as an uninterrupted seed.
func TestSeedKilled(t *testing.T) {
	if path := os.Getenv(childEnv); path != "" {
		db, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		if err := Seed(context.Background(), db, killConfig(), t0, nil); err != nil {
			t.Fatal(err)
		}
		return
	}
	if testing.Short() {
		t.Skip("starts a child process")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "killed.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestSeedKilled$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+path)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// wait until the child is well into the seed, then kill it
	deadline := time.Now().Add(60 * time.Second)
	for {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the child made no progress")
		}
		time.Sleep(20 * time.Millisecond)
		if _, err := os.Stat(path); err != nil {
			continue
		}
		unit := runUnit(path)
		if unit >= 10 {
			break
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	db := openSQLite(t, path)
	run, err := db.Meta(ctx, MetaRun)
	if err != nil || run == "" {
		t.Fatalf("after the kill: run cursor %q, %v (the child finished before it was killed?)", run, err)
	}
	partial := readAll(t, db)
	checkPartial(t, partial)
	checkNoOverlap(t, partial)
	t.Logf("killed at cursor %s with %d task sessions written", run, len(partial.TSess))

	if err := Seed(ctx, db, killConfig(), t0.Add(time.Minute), nil); err != nil {
		t.Fatalf("rerun: %v", err)
	}
	got := readAll(t, db)
	checkWorld(t, got, t0.Add(time.Minute))
	cfg := killConfig()
	start, _ := db.Meta(ctx, MetaStart)
	cfg.Start, _ = time.Parse(time.RFC3339Nano, start)
	want := readAll(t, seedMem(t, cfg, t0.Add(time.Minute)))
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("the resumed seed differs from an uninterrupted one: %d/%d task sessions", len(got.TSess), len(want.TSess))
	}
}

// runUnit reads the policy index of the run cursor in a store another
// process is writing; -1 when there is none yet.
func runUnit(path string) int {
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		return -1
	}
	defer db.Close()
	run, err := db.Meta(context.Background(), MetaRun)
	if err != nil || run == "" {
		return -1
	}
	f := strings.Split(run, "|")
	if len(f) != 4 {
		return -1
	}
	n, _ := strconv.Atoi(f[2])
	return n
}

// checkNoOverlap checks that no VM's task sessions overlap in a partial store.
func checkNoOverlap(t *testing.T, s *snapshot) {
	t.Helper()
	last := map[string]emcdp.TaskSession{}
	for _, ts := range sortedTasks(s) {
		if p, ok := last[ts.VmDisplayName]; ok && (p.Running() || ts.CreationTime.Before(p.EndTime)) {
			t.Errorf("VM %s: %s overlaps %s", ts.VmDisplayName, ts.Name, p.Name)
		}
		last[ts.VmDisplayName] = ts
	}
}

func sortedTasks(s *snapshot) []emcdp.TaskSession {
	out := append([]emcdp.TaskSession(nil), s.TSess...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].CreationTime.Before(out[j-1].CreationTime); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// BenchmarkSeed1M seeds about a million task sessions into a SQLite file:
// four backup servers of 100 policies each, 120 days of history.
func BenchmarkSeed1M(b *testing.B) {
	cfg := Config{Seed: 1, Servers: 4, PoliciesPerServer: 100, Days: 120}
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		path := filepath.Join(b.TempDir(), "bench.db")
		db, err := sqlite.Open(context.Background(), path)
		if err != nil {
			b.Fatal(err)
		}
		tasks := 0
		b.StartTimer()
		start := time.Now()
		err = Seed(context.Background(), db, cfg, t0, func(done, total int) { tasks = done })
		el := time.Since(start)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		db.Close()
		b.ReportMetric(float64(tasks), "tasks")
		b.ReportMetric(el.Seconds(), "s/seed")
		b.ReportMetric(float64(tasks)/el.Seconds(), "tasks/s")
	}
}
