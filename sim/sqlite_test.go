package sim

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
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

// killUnit is the policy the child must have reached when it is killed.
const killUnit = 10

// TestSeedKilled seeds into a SQLite file in a child process, kills it with
// SIGKILL part-way, checks the file, then reruns the seed and checks that it
// completes to the same world as an uninterrupted seed.
//
// The kill point is fixed: once the child has committed a batch of policy
// killUnit or later, it says so on a pipe and stops writing, so the parent
// kills a seed that is certainly in progress however the two are scheduled.
func TestSeedKilled(t *testing.T) {
	if path := os.Getenv(childEnv); path != "" {
		seedUntilKilled(t, path)
		return
	}
	if testing.Short() {
		t.Skip("starts a child process")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "killed.db")
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	var childOut strings.Builder
	cmd := exec.Command(os.Args[0], "-test.run=^TestSeedKilled$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"="+path)
	cmd.ExtraFiles = []*os.File{pw} // the child's fd 3
	cmd.Stdout, cmd.Stderr = &childOut, &childOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close() // the child holds the only write end: EOF when it exits
	// Wait for the child's word that it has reached killUnit; EOF means it
	// ended first, which is a failure of the child, not a race.
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("the child ended before reaching policy %d (%v):\n%s", killUnit, err, childOut.String())
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	t.Logf("child: %s", strings.TrimSpace(line))

	// The child was killed inside the bulk write of the history: the store
	// recorded the indexes it dropped, and opening it builds them again.
	raw, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	var deferred string
	err = raw.QueryRow("SELECT value FROM meta WHERE key = 'sqlite.deferred_indexes'").Scan(&deferred)
	raw.Close()
	if err != nil || !strings.Contains(deferred, "task_sessions_created") {
		t.Fatalf("after the kill: deferred indexes %q, %v; want the task sessions' among them", deferred, err)
	}
	fresh := schemaOf(t, openSQLiteFile(t, filepath.Join(t.TempDir(), "fresh.db")))
	db := openSQLite(t, path)
	if got := schemaOf(t, openSQLiteFile(t, path)); !slices.Equal(got, fresh) {
		t.Errorf("reopened after the kill, the schema differs from a fresh store's:\n%s", strings.Join(got, "\n"))
	}
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

// seedUntilKilled is the child's side of TestSeedKilled: it seeds
// killConfig into path through a store that, after committing a batch of
// policy killUnit or later, writes the cursor to fd 3 and blocks until the
// process is killed.
func seedUntilKilled(t *testing.T, path string) {
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	st := &haltingStore{DB: db, report: os.NewFile(3, "report")}
	if err := Seed(context.Background(), st, killConfig(), t0, nil); err != nil {
		t.Fatal(err)
	}
	t.Fatal("the seed completed: it should have halted at policy", killUnit)
}

// haltingStore passes batches to DB until one that records a run cursor
// at policy killUnit or later has been applied; then it reports that cursor
// on report and never returns. Its other methods, the bulk load's included,
// are DB's.
type haltingStore struct {
	*sqlite.DB
	report *os.File
}

func (h *haltingStore) Apply(ctx context.Context, b *emcdp.Batch) error {
	if err := h.DB.Apply(ctx, b); err != nil {
		return err
	}
	f := strings.Split(b.Meta[MetaRun], "|")
	if len(f) != 4 {
		return nil
	}
	if unit, err := strconv.Atoi(f[2]); err == nil && unit >= killUnit {
		fmt.Fprintf(h.report, "committed %s\n", b.Meta[MetaRun])
		for { // until killed
			time.Sleep(time.Hour)
		}
	}
	return nil
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
