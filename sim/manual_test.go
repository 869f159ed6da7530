package sim

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/action"
)

// manualConfig is a small world whose jobs run healthy: a manual run's
// results then come from stops alone, which the test controls.
func manualConfig() Config {
	return Config{Seed: 11, Start: t0.Add(-2 * day), Servers: 1, PoliciesPerServer: 1, VMsPerPolicy: 1,
		Jobs: JobsConfig{PerServer: 3, VMsPerJob: 4, WarningRate: 0, FailureRate: 0}, NoRandomEpisodes: true}
}

// writer drives a store as a server does: a Live stepper and the write
// side on one manual clock, the write applying at once.
type writer struct {
	t    *testing.T
	st   emcdp.Store
	clk  *emcdp.ManualClock
	live *Live
	svc  *action.Service
}

func newWriter(t *testing.T, st emcdp.Store, clk *emcdp.ManualClock, cfg Config) *writer {
	var mu sync.Mutex
	return &writer{t: t, st: st, clk: clk, live: &Live{Store: st, Clock: clk, Config: cfg, Serial: &mu},
		svc: &action.Service{Store: st, World: clk, Wall: clk, Serial: &mu}}
}

func (w *writer) step(d time.Duration) {
	w.t.Helper()
	w.clk.Advance(d)
	if err := w.live.Step(context.Background()); err != nil {
		w.t.Fatal(err)
	}
}

func (w *writer) submit(op, act string, target emcdp.ID, params string) *emcdp.Task {
	w.t.Helper()
	tk := &emcdp.Task{Owner: "user:test", Operation: op, Action: act, Target: target, Params: params}
	if err := w.svc.Submit(context.Background(), tk); err != nil {
		w.t.Fatal(err)
	}
	if tk.State != emcdp.OpFinished {
		w.t.Fatalf("task %s %s is %v", act, target, tk.State)
	}
	return tk
}

// items reads every item of kind k whose field equals id.
func items[T any](t *testing.T, st emcdp.Store, k emcdp.Kind, field string, id emcdp.ID) []T {
	t.Helper()
	f := mustField(t, k, field)
	res, err := st.Query(context.Background(), &emcdp.Query{Kind: k, Filter: &emcdp.Term{Field: f, Op: emcdp.OpEq, Value: emcdp.Value{ID: id}}})
	if err != nil {
		t.Fatal(err)
	}
	var out []T
	for _, it := range res.Items {
		out = append(out, *it.(*T))
	}
	return out
}

// jobRuns is what a job's sessions read: each session with its tasks.
type jobRuns struct {
	Sess  []emcdp.JobSession
	Tasks map[emcdp.ID][]emcdp.JobTaskSession
}

func readRuns(t *testing.T, st emcdp.Store, job emcdp.ID) jobRuns {
	r := jobRuns{Sess: items[emcdp.JobSession](t, st, emcdp.KindBackupJobSession, "JobUid", job), Tasks: map[emcdp.ID][]emcdp.JobTaskSession{}}
	sort.Slice(r.Sess, func(a, b int) bool { return r.Sess[a].CreationTime.Before(r.Sess[b].CreationTime) })
	for _, s := range r.Sess {
		ts := items[emcdp.JobTaskSession](t, st, emcdp.KindBackupTaskSession, "JobSessionUid", s.ID)
		sort.Slice(ts, func(a, b int) bool { return ts[a].VmDisplayName < ts[b].VmDisplayName })
		r.Tasks[s.ID] = ts
	}
	return r
}

func (r jobRuns) session(id emcdp.ID) *emcdp.JobSession {
	for i := range r.Sess {
		if r.Sess[i].ID == id {
			return &r.Sess[i]
		}
	}
	return nil
}

// runToEnd steps the world until the session ends and checks it ended as a
// scheduled run does: Stopped at its end time with the worst result of its
// tasks, every task Completed, and a restore point for each task that
// succeeded.
func (w *writer) runToEnd(job, sess emcdp.ID) jobRuns {
	w.t.Helper()
	for i := 0; ; i++ {
		r := readRuns(w.t, w.st, job)
		s := r.session(sess)
		if s == nil {
			w.t.Fatalf("session %s is not in the store", sess)
		}
		if !s.Running() {
			worst := emcdp.ResultSuccess
			for _, ts := range r.Tasks[sess] {
				worst = worst.Worse(ts.Result)
				if ts.State != emcdp.TaskCompleted || ts.EndTime.IsZero() || ts.EndTime.After(s.EndTime) {
					w.t.Errorf("task %s of the ended session %s: %v, ended %v", ts.Name, s.Name, ts.State, ts.EndTime)
				}
				if ts.Result != emcdp.ResultFailed {
					if ts.VmRestorePointID.IsZero() {
						w.t.Errorf("task %s succeeded and left no restore point", ts.Name)
					} else if len(items[emcdp.VmRestorePoint](w.t, w.st, emcdp.KindVmRestorePoint, "TaskSessionUid", ts.ID)) != 1 {
						w.t.Errorf("task %s links restore point %s, which is not stored", ts.Name, ts.VmRestorePointID)
					}
				}
			}
			if s.State != emcdp.SessionStopped || s.Result != worst || s.Progress != 100 || !s.EndTime.After(s.CreationTime) {
				w.t.Errorf("ended session %s: %v %v progress %d, ended %v; its tasks' worst result %v",
					s.Name, s.State, s.Result, s.Progress, s.EndTime, worst)
			}
			return r
		}
		if i > 24*6 {
			w.t.Fatalf("session %s still %v a day after it started", s.Name, s.State)
		}
		w.step(10 * time.Minute)
	}
}

// manualJob returns the first enabled backup job of three or more VMs of
// the manualConfig world.
func manualJob(t *testing.T, st emcdp.Store) *emcdp.Job {
	t.Helper()
	res, err := st.Query(context.Background(), &emcdp.Query{Kind: emcdp.KindJob})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range res.Items {
		if j := it.(*emcdp.Job); j.JobType == emcdp.JobBackup && j.ScheduleEnabled && len(j.Includes) >= 3 {
			return j
		}
	}
	t.Fatal("the world has no enabled backup job with three VMs")
	return nil
}

// manualScenario starts a job, runs it to its end, starts it again and
// stops it when some of its tasks are done, retries it and runs the retry
// to its end. restart, when set, replaces the stepper and the write side
// part-way, as a new process on the same store would. It returns the job's
// sessions as they read at the end.
func manualScenario(t *testing.T, st emcdp.Store, restart bool) jobRuns {
	cfg := manualConfig()
	clk := emcdp.NewManualClock(t0)
	w := newWriter(t, st, clk, cfg)
	w.step(0)
	job := manualJob(t, st)
	start := w.submit(action.OpStartJob, "start", job.ID, "")
	for i := 0; !start.Success; i++ { // a scheduled run is going: wait for it
		if i > 48 {
			t.Fatalf("start: %s", start.Message)
		}
		w.step(30 * time.Minute)
		start = w.submit(action.OpStartJob, "start", job.ID, "")
	}
	sess := start.Related.ID
	r := readRuns(t, st, job.ID)
	if s := r.session(sess); s == nil || s.State != emcdp.SessionWorking || s.IsRetry || len(r.Tasks[sess]) != len(job.Includes) {
		t.Fatalf("the started session reads %+v with %d tasks", s, len(r.Tasks[sess]))
	}
	if restart {
		w = newWriter(t, st, clk, cfg)
	}
	w.runToEnd(job.ID, sess)

	// a run stopped part-way ends Failed, its unfinished tasks Failed
	sess = w.submit(action.OpStartJob, "start", job.ID, "").Related.ID
	for i := 0; ; i++ {
		if i > 24*60 {
			t.Fatal("the second run's tasks never ended one by one")
		}
		w.step(20 * time.Second)
		done, running := 0, 0
		for _, ts := range readRuns(t, st, job.ID).Tasks[sess] {
			if ts.Running() {
				running++
			} else {
				done++
			}
		}
		if running == 0 {
			t.Fatal("the second run ended before it could be stopped part-way")
		}
		if done > 0 {
			break
		}
	}
	if stop := w.submit(action.OpStopJob, "stop", job.ID, ""); !stop.Success {
		t.Fatalf("stop: %s", stop.Message)
	}
	if restart {
		w = newWriter(t, st, clk, cfg)
	}
	w.step(time.Minute)
	r = readRuns(t, st, job.ID)
	stopped := r.session(sess)
	failed := map[string]bool{}
	for _, ts := range r.Tasks[sess] {
		if ts.Result == emcdp.ResultFailed {
			failed[ts.VmDisplayName] = true
		}
	}
	if stopped.State != emcdp.SessionStopped || stopped.Result != emcdp.ResultFailed || len(failed) == 0 || len(failed) == len(job.Includes) {
		t.Fatalf("after the stop the session reads %v %v with %d of %d tasks failed",
			stopped.State, stopped.Result, len(failed), len(job.Includes))
	}

	// the retry processes the failed VMs only, and runs to its end
	retry := w.submit(action.OpRetryJob, "retry", job.ID, "")
	if !retry.Success {
		t.Fatalf("retry: %s", retry.Message)
	}
	w.step(0)
	r = w.runToEnd(job.ID, retry.Related.ID)
	got := map[string]bool{}
	for _, ts := range r.Tasks[retry.Related.ID] {
		got[ts.VmDisplayName] = true
	}
	if s := r.session(retry.Related.ID); !s.IsRetry || !reflect.DeepEqual(got, failed) {
		t.Errorf("the retry session (IsRetry=%v) processed %v; the stopped run failed %v", s.IsRetry, got, failed)
	}
	w.step(2 * day) // the schedule goes on; the stopped run stays as it was stopped
	end := readRuns(t, st, job.ID)
	if s := end.session(sess); !reflect.DeepEqual(*s, *stopped) || !reflect.DeepEqual(end.Tasks[sess], r.Tasks[sess]) {
		t.Errorf("two days after the stop the stopped session reads %v %v, was %v %v", s.State, s.Result, stopped.State, stopped.Result)
	}
	return end
}

// TestManualJobRuns checks that runs started by the job writes carry on to
// their ends like scheduled runs (actions.md §7.2), and that they are the
// same on every replay: a second store with a restart part-way holds the
// same sessions, ids, times and results.
func TestManualJobRuns(t *testing.T) {
	dir := t.TempDir()
	a := manualScenario(t, openSQLite(t, filepath.Join(dir, "a.db")), false)
	b := manualScenario(t, openSQLite(t, filepath.Join(dir, "b.db")), true)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("the same writes on the same world differ: %d and %d sessions", len(a.Sess), len(b.Sess))
	}
	after := 0
	for _, s := range a.Sess {
		if s.CreationTime.After(t0) {
			after++
		}
	}
	if after < 4 { // the three manual runs and the schedule's
		t.Errorf("only %d sessions after the writes began: the schedule stopped", after)
	}
}

// TestRPOChangeJudgesFromThenOn changes a policy's RPO through the write
// side and compares the world with one left alone (actions.md §7.1): what
// ended before the change is the same; task sessions that start after it
// are judged against the new RPO, a tight one failing most of them and a
// loose one clearing every RPO violation.
func TestRPOChangeJudgesFromThenOn(t *testing.T) {
	cfg := Config{Seed: 5, Start: t0.Add(-3 * day), Servers: 1, PoliciesPerServer: 1, VMsPerPolicy: 8,
		WarningRate: 0.15, FailureRate: 0.1, Jobs: JobsConfig{PerServer: -1}}
	dir := t.TempDir()
	clk := emcdp.NewManualClock(t0)
	plain := newWriter(t, openSQLite(t, filepath.Join(dir, "plain.db")), clk, cfg)
	edited := newWriter(t, openSQLite(t, filepath.Join(dir, "edited.db")), clk, cfg)
	plain.step(0)
	edited.step(0)
	pol := readAll(t, edited.st).Policies[0]
	// setRPO changes the edited world's RPO, lets both worlds run a day,
	// and returns the instant of the change.
	setRPO := func(secs int) time.Time {
		params := fmt.Sprintf(`{"RPOSeconds":%d,"RPOMinutes":0}`, secs)
		if tk := edited.submit(action.OpEditCdpPolicy, "edit", pol.ID, params); !tk.Success {
			t.Fatalf("edit: %s", tk.Message)
		}
		at := clk.Now()
		for i := 0; i < 8; i++ {
			plain.step(3 * time.Hour)
			edited.step(3 * time.Hour)
		}
		return at
	}
	tight, loose := setRPO(2), setRPO(3600)
	a, b := readAll(t, plain.st), readAll(t, edited.st)
	checkWorld(t, b, clk.Now())
	before := map[emcdp.ID]emcdp.TaskSession{}
	for _, ts := range a.TSess {
		before[ts.ID] = ts
	}
	violations := func(from, to time.Time) (all, bad int) {
		for _, ts := range b.TSess {
			if ts.CreationTime.After(from) && !ts.EndTime.IsZero() && ts.EndTime.Before(to) {
				all++
				if strings.HasPrefix(ts.Reason, "RPO was not met") {
					bad++
				}
			}
		}
		return all, bad
	}
	unchanged := 0
	for _, ts := range b.TSess {
		if !ts.EndTime.IsZero() && !ts.EndTime.After(tight) {
			unchanged++
			if !reflect.DeepEqual(ts, before[ts.ID]) {
				t.Errorf("task session %s ended before the change and reads %v %q; left alone %v %q",
					ts.Name, ts.Result, ts.Reason, before[ts.ID].Result, before[ts.ID].Reason)
			}
		}
	}
	for _, ps := range b.PSess {
		if !ps.EndTime.IsZero() && !ps.EndTime.After(tight) {
			for _, x := range a.PSess {
				if x.ID == ps.ID && !reflect.DeepEqual(x, ps) {
					t.Errorf("policy session %s ended before the change and changed", ps.Name)
				}
			}
		}
	}
	all, bad := violations(tight, loose)
	plainBad := 0
	for _, ts := range a.TSess {
		if ts.CreationTime.After(tight) && strings.HasPrefix(ts.Reason, "RPO was not met") {
			plainBad++
		}
	}
	if unchanged == 0 || all == 0 || bad*2 < all || plainBad >= bad {
		t.Errorf("an RPO of 2 s: %d of %d task sessions miss it (left alone %d); %d ended before", bad, all, plainBad, unchanged)
	}
	t.Logf("RPO 2 s: %d of %d task sessions miss it (left alone %d); %d ended before the change", bad, all, plainBad, unchanged)
	all, bad = violations(loose, clk.Now())
	t.Logf("RPO 60 min: %d of %d miss it", bad, all)
	if all == 0 || bad != 0 {
		t.Errorf("an RPO of 60 min: %d of %d task sessions miss it", bad, all)
	}
}
