package sim

import (
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/action"
)

// cloneScenario clones a job, starts the clone by hand once its schedule
// is toggled on and runs the run to its end, then lets its schedule run two
// days. restart, when set, replaces the stepper and the write side after
// the clone and after the toggle, as a new process on the same store would.
// It returns the clone's and its source's sessions as they read at the end,
// the instant of the toggle and the end.
func cloneScenario(t *testing.T, st emcdp.Store, restart bool) (clone, source jobRuns, on, end time.Time) {
	ctx := context.Background()
	cfg := manualConfig()
	clk := emcdp.NewManualClock(t0)
	w := newWriter(t, st, clk, cfg)
	w.step(0)
	src := manualJob(t, st)
	params, err := json.Marshal(action.Clone{Kind: "BackupJobCloneInfo", JobName: src.Name + " clone"})
	if err != nil {
		t.Fatal(err)
	}
	id, _ := emcdp.ParseID("5c0a1e2d-0b1e-4c0d-8e5e-c10e00000001")
	tk := &emcdp.Task{Owner: "user:test", Operation: action.OpCloneJob, Action: "clone", Target: src.ID, Object: id,
		Params: string(params)}
	if err := w.svc.Submit(ctx, tk); err != nil || !tk.Success {
		t.Fatalf("clone: %v %s", err, tk.Message)
	}
	if restart {
		w = newWriter(t, st, clk, cfg)
	}
	w.step(2 * time.Hour)
	if r := readRuns(t, st, id); len(r.Sess) != 0 {
		t.Fatalf("the disabled clone ran %d sessions", len(r.Sess))
	}
	if tk := w.submit(action.OpStartJob, "start", id, ""); tk.Success {
		t.Fatal("the disabled clone started")
	}
	if tk := w.submit(action.OpUpdateJob, "toggle", id, ""); !tk.Success {
		t.Fatalf("toggle: %s", tk.Message)
	}
	on = clk.Now()
	if restart {
		w = newWriter(t, st, clk, cfg)
	}
	start := w.submit(action.OpStartJob, "start", id, "")
	if !start.Success {
		t.Fatalf("start: %s", start.Message)
	}
	r := w.runToEnd(id, start.Related.ID)
	if n := len(r.Tasks[start.Related.ID]); n != len(src.Includes) {
		t.Errorf("the clone's run processed %d VMs, its source has %d", n, len(src.Includes))
	}
	w.step(2 * day)
	v, err := st.Resource(ctx, emcdp.KindJob, id)
	if err != nil {
		t.Fatal(err)
	}
	if j := v.(*emcdp.Job); !j.ScheduleEnabled || !j.NextRun.After(clk.Now()) {
		t.Errorf("the clone turned on reads ScheduleEnabled=%v NextRun=%v at %v", j.ScheduleEnabled, j.NextRun, clk.Now())
	}
	return readRuns(t, st, id), readRuns(t, st, src.ID), on, clk.Now()
}

// TestClonedJobRuns checks that a job cloned by a write is part of the
// world (actions.md §7.2): started by hand it runs to its end, its schedule
// turned on starts runs, the same on every replay, and its source runs as
// it would have without it.
func TestClonedJobRuns(t *testing.T) {
	dir := t.TempDir()
	a, srcA, on, end := cloneScenario(t, openSQLite(t, filepath.Join(dir, "a.db")), false)
	b, srcB, _, _ := cloneScenario(t, openSQLite(t, filepath.Join(dir, "b.db")), true)
	if !reflect.DeepEqual(a, b) || !reflect.DeepEqual(srcA, srcB) {
		t.Fatalf("the same writes on the same world differ: %d and %d sessions", len(a.Sess), len(b.Sess))
	}
	scheduled := 0
	for _, s := range a.Sess {
		if s.CreationTime.After(on) && s.Name == emcdp.SessionName(s.JobName, s.CreationTime) {
			scheduled++
			if s.Running() {
				t.Errorf("scheduled session %s of the clone still %v two days on", s.Name, s.State)
			}
		}
	}
	if scheduled < 2 {
		t.Errorf("the clone's schedule started %d runs in two days", scheduled)
	}

	// the source's runs are those of a world without the clone
	clk := emcdp.NewManualClock(t0)
	plain := newWriter(t, openSQLite(t, filepath.Join(dir, "plain.db")), clk, manualConfig())
	plain.step(0)
	for clk.Now().Before(end) {
		plain.step(min(time.Hour, end.Sub(clk.Now())))
	}
	plainSrc := readRuns(t, plain.st, srcA.Sess[0].JobID)
	if !reflect.DeepEqual(plainSrc, srcA) {
		t.Errorf("the clone changed its source's runs: %d sessions, %d without it", len(srcA.Sess), len(plainSrc.Sess))
	}
}

// TestToggledOnJobRuns checks that a job the world began with disabled
// starts running on its schedule once a write turns it on, and not before.
func TestToggledOnJobRuns(t *testing.T) {
	cfg := Config{Seed: 3, Start: t0.Add(-2 * day), NoRandomEpisodes: true, Catalog: []ServerSpec{{Name: "a",
		Jobs: []JobSpec{{Name: "j", Type: emcdp.JobBackup, VMs: []VMSpec{{Name: "vm-1"}, {Name: "vm-2"}},
			At: 22 * time.Hour, Disabled: true}}}}}
	clk := emcdp.NewManualClock(t0)
	w := newWriter(t, openSQLite(t, filepath.Join(t.TempDir(), "a.db")), clk, cfg)
	w.step(0)
	w.step(day)
	job := jobRow(t, w.st)
	if r := readRuns(t, w.st, job.ID); job.ScheduleEnabled || len(r.Sess) != 0 {
		t.Fatalf("the disabled job (ScheduleEnabled=%v) ran %d sessions", job.ScheduleEnabled, len(r.Sess))
	}
	if tk := w.submit(action.OpUpdateJob, "toggle", job.ID, ""); !tk.Success {
		t.Fatalf("toggle: %s", tk.Message)
	}
	on := clk.Now()
	for range 3 * 24 {
		w.step(time.Hour)
	}
	r := readRuns(t, w.st, job.ID)
	for _, s := range r.Sess {
		if !s.CreationTime.After(on) || s.Running() || len(r.Tasks[s.ID]) != 2 {
			t.Errorf("session %s (%v, %d tasks) of a job turned on at %v", s.Name, s.State, len(r.Tasks[s.ID]), on)
		}
	}
	if len(r.Sess) != 3 {
		t.Errorf("a daily job turned on ran %d sessions in three days", len(r.Sess))
	}
	if j := jobRow(t, w.st); !j.ScheduleEnabled || !j.NextRun.After(clk.Now()) {
		t.Errorf("the job turned on reads ScheduleEnabled=%v NextRun=%v at %v", j.ScheduleEnabled, j.NextRun, clk.Now())
	}
}

// jobRow reads the one job of a store.
func jobRow(t *testing.T, st emcdp.Store) emcdp.Job {
	t.Helper()
	res, err := st.Query(context.Background(), &emcdp.Query{Kind: emcdp.KindJob})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Items) != 1 {
		t.Fatalf("the store holds %d jobs", len(res.Items))
	}
	return *res.Items[0].(*emcdp.Job)
}
