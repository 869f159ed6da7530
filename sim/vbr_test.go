package sim

import (
	"context"
	"errors"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
)

func TestVBRDemo(t *testing.T) {
	for _, now := range []time.Time{t0, t0.Add(7*time.Hour + 13*time.Minute), t0.Add(40 * day)} {
		st := seedMem(t, Demo(), now)
		s := readVBR(st)
		checkVBR(t, worldOf(t, st, Demo()), s, now)
		kinds := map[string]bool{}
		for _, r := range s.Repos {
			kinds[r.Kind] = true
		}
		types := map[emcdp.JobType]int{}
		disabled := 0
		for _, j := range s.Jobs {
			types[j.JobType]++
			if !j.ScheduleEnabled {
				disabled++
			}
		}
		results := map[emcdp.Result]int{}
		running, retries := 0, 0
		sessTypes := map[emcdp.JobType]int{}
		for _, x := range s.Sess {
			results[x.Result]++
			sessTypes[x.JobType]++
			if x.Running() {
				running++
			}
			if x.IsRetry {
				retries++
			}
		}
		t.Logf("demo at %v: %d repositories, %d jobs, %d sessions (%d running, %d retries, %v), %d tasks",
			now, len(s.Repos), len(s.Jobs), len(s.Sess), running, retries, results, len(s.Tasks))
		if !kinds["AmazonS3Compatible"] || !kinds["WindowsLocal"] || len(s.Repos) != 6 || disabled != 1 ||
			types[emcdp.JobBackup] != 7 || types[emcdp.JobImmediateBackupCopy] != 1 || types[emcdp.JobReplica] != 1 {
			t.Errorf("demo lacks a kind: repositories %v, jobs %v, %d disabled", kinds, types, disabled)
		}
		if running == 0 || retries == 0 || results[emcdp.ResultWarning] == 0 || results[emcdp.ResultFailed] == 0 ||
			sessTypes[emcdp.JobImmediateBackupCopy] == 0 || sessTypes[emcdp.JobReplica] == 0 {
			t.Errorf("demo at %v: %d running, %d retries, results %v, session types %v", now, running, retries, results, sessTypes)
		}
	}
}

// TestVBRDemoAlwaysRunning steps the demo through a day and a half and
// finds a running job session at every step (vbr-domain.md §9.4).
func TestVBRDemoAlwaysRunning(t *testing.T) {
	ctx := context.Background()
	st := newMemStore()
	clk := emcdp.NewManualClock(t0)
	live := &Live{Store: st, Clock: clk, Config: Demo()}
	for i := 0; i < 36*60/7; i++ {
		if err := live.Step(ctx); err != nil {
			t.Fatal(err)
		}
		running := 0
		st.mu.Lock()
		for _, x := range st.jsess {
			if x.Running() {
				running++
			}
		}
		st.mu.Unlock()
		if running == 0 {
			t.Fatalf("no job session running at %v", clk.Now())
		}
		if i%50 == 0 {
			checkVBR(t, worldOf(t, st, Demo()), readVBR(st), clk.Now())
		}
		clk.Advance(7*time.Minute + 3*time.Second)
	}
	// the guarantee behind it: a continuous job's sessions tile time
	s := readVBR(st)
	continuous := 0
	for _, j := range s.Jobs {
		if j.Schedule.Kind != emcdp.ScheduleContinuous || j.JobType != emcdp.JobBackup {
			continue
		}
		continuous++
		var list []emcdp.JobSession
		for _, x := range s.Sess {
			if x.JobID == j.ID {
				list = append(list, x)
			}
		}
		sort.Slice(list, func(a, b int) bool { return list[a].CreationTime.Before(list[b].CreationTime) })
		for k := 1; k < len(list); k++ {
			if !list[k].CreationTime.Equal(list[k-1].EndTime) {
				t.Errorf("continuous job %s: %s ends %v, %s starts %v", j.Name, list[k-1].Name, list[k-1].EndTime,
					list[k].Name, list[k].CreationTime)
			}
		}
		if len(list) == 0 || !list[len(list)-1].Running() {
			t.Errorf("continuous job %s has no running session", j.Name)
		}
	}
	if continuous != 2 {
		t.Fatalf("%d continuous jobs in the demo, want 2", continuous)
	}
}

// TestVBRResultMix checks the result mix of vbr-domain.md §4 over a large
// generated world: the configured shares of scheduled runs, clustered per
// job and VM, and retries that mostly succeed.
func TestVBRResultMix(t *testing.T) {
	cfg := Config{Seed: 21, Servers: 3, PoliciesPerServer: 1, Days: 45, Jobs: JobsConfig{PerServer: 40}}
	st := seedMem(t, cfg, t0)
	s := readVBR(st)
	checkVBR(t, worldOf(t, st, cfg), s, t0)
	var runs, warn, failed, retries, retryOK int
	byJob := map[emcdp.ID][]emcdp.JobSession{}
	for _, x := range s.Sess {
		if x.Running() || x.JobType == emcdp.JobImmediateBackupCopy {
			continue
		}
		if x.IsRetry {
			retries++
			if x.Result == emcdp.ResultSuccess {
				retryOK++
			}
			continue
		}
		runs++
		switch x.Result {
		case emcdp.ResultWarning:
			warn++
		case emcdp.ResultFailed:
			failed++
		}
		byJob[x.JobID] = append(byJob[x.JobID], x)
	}
	w, f, r := float64(warn)/float64(runs), float64(failed)/float64(runs), float64(retryOK)/float64(retries)
	t.Logf("%d scheduled runs: %.1f%% Warning, %.1f%% Failed; %d retries, %.0f%% succeeded; %d task sessions",
		runs, 100*w, 100*f, retries, 100*r, len(s.Tasks))
	if w < 0.05 || w > 0.09 || f < 0.035 || f > 0.065 {
		t.Errorf("result mix %.3f Warning, %.3f Failed; want about 0.07 and 0.05", w, f)
	}
	if r < 0.45 || r > 0.75 {
		t.Errorf("%.2f of retries succeeded; want about 0.6", r)
	}
	// clustering: a failed run is far more often followed by another
	var after, afterFailed int
	for _, list := range byJob {
		sort.Slice(list, func(a, b int) bool { return list[a].CreationTime.Before(list[b].CreationTime) })
		for k := 1; k < len(list); k++ {
			if list[k-1].Result == emcdp.ResultFailed {
				after++
				if list[k].Result == emcdp.ResultFailed {
					afterFailed++
				}
			}
		}
	}
	if p := float64(afterFailed) / float64(after); p < 4*f {
		t.Errorf("a failed run is followed by a failed one %.2f of the time; failures do not cluster (base %.3f)", p, f)
	}
	// task sessions: one per VM of each scheduled run
	reasons := map[string]bool{}
	for _, x := range s.Tasks {
		if x.Reason != "" {
			reasons[x.Reason[:min(len(x.Reason), 40)]] = true
		}
	}
	if len(reasons) < 20 {
		t.Errorf("only %d distinct reasons", len(reasons))
	}
}

func TestVBRDeterminism(t *testing.T) {
	cfg := Demo()
	a := readVBR(seedMem(t, cfg, t0))
	cfg.BatchSize = 7
	b := readVBR(seedMem(t, cfg, t0))
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same config and now gave different VBR worlds")
	}
	cfg.Seed++
	c := readVBR(seedMem(t, cfg, t0))
	if c.Sess[0].ID == a.Sess[0].ID || c.Jobs[0].ID == a.Jobs[0].ID {
		t.Fatal("a different seed gave the same ids")
	}
	// the CDP world does not depend on the jobs beside it
	noJobs := Demo()
	for i := range noJobs.Catalog {
		noJobs.Catalog[i].Jobs, noJobs.Catalog[i].Repositories = nil, nil
	}
	noJobs.Jobs.Episodes = nil
	if !reflect.DeepEqual(readAll(t, seedMem(t, Demo(), t0)), readAll(t, seedMem(t, noJobs, t0))) {
		t.Fatal("adding jobs changed the CDP world")
	}
}

// TestVBRLiveEqualsSeed steps a generated world live in uneven steps, with
// restarts, and compares it with the world seeded at once to the same instant.
func TestVBRLiveEqualsSeed(t *testing.T) {
	ctx := context.Background()
	cfg := Config{Seed: 4, Servers: 2, PoliciesPerServer: 1, Days: 3, Jobs: JobsConfig{PerServer: 12}}
	st := newMemStore()
	clk := emcdp.NewManualClock(t0)
	live := &Live{Store: st, Clock: clk, Config: cfg}
	steps := []time.Duration{time.Second, 7 * time.Minute, 37 * time.Minute, 3 * time.Hour, 90 * time.Second, 11 * time.Hour}
	w := (*world)(nil)
	for i := 0; i < 60; i++ {
		if i%17 == 16 {
			live = &Live{Store: st, Clock: clk, Config: cfg}
		}
		if err := live.Step(ctx); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if w == nil {
			w = worldOf(t, st, cfg)
		}
		checkVBR(t, w, readVBR(st), clk.Now())
		clk.Advance(steps[i%len(steps)])
	}
	if err := live.Step(ctx); err != nil {
		t.Fatal(err)
	}
	start, _ := st.Meta(ctx, MetaStart)
	cfg.Start, _ = time.Parse(time.RFC3339Nano, start)
	want := seedMem(t, cfg, clk.Now())
	if got, want := readVBR(st), readVBR(want); !reflect.DeepEqual(got, want) {
		t.Fatalf("live stepping and seeding differ: %d/%d sessions, %d/%d tasks, %d/%d agent and NAS sessions",
			len(got.Sess), len(want.Sess), len(got.Tasks), len(want.Tasks), len(got.AgentSess), len(want.AgentSess))
	} else if len(want.AgentSess) == 0 || len(want.Computers) == 0 {
		t.Fatal("the world has no agent or NAS sessions or no computers to compare")
	}
}

// TestVBRResume crashes a seed and a live step at many transactions and
// checks that rerunning completes each to exactly the uninterrupted world.
func TestVBRResume(t *testing.T) {
	ctx := context.Background()
	cfg := Config{Seed: 8, Servers: 2, PoliciesPerServer: 1, Days: 4, BatchSize: 10, Jobs: JobsConfig{PerServer: 6}}
	full := seedMem(t, cfg, t0)
	want := readVBR(full)
	if len(want.AgentSess) == 0 {
		t.Fatal("the world has no agent or NAS sessions to resume")
	}
	if full.applies < 20 {
		t.Fatalf("only %d transactions", full.applies)
	}
	for _, n := range []int{2, 3, full.applies / 4, full.applies / 2, full.applies * 3 / 4, full.applies - 2, full.applies - 1} {
		st := newMemStore()
		st.failAfter = n
		if err := Seed(ctx, st, cfg, t0, nil); !errors.Is(err, errCrash) {
			t.Fatalf("crash after %d: %v", n, err)
		}
		st.failAfter = 0
		if err := Seed(ctx, st, cfg, t0, nil); err != nil {
			t.Fatalf("resume after %d: %v", n, err)
		}
		if got := readVBR(st); !reflect.DeepEqual(got, want) {
			t.Fatalf("resume after a crash at apply %d: %d/%d sessions, %d/%d tasks", n, len(got.Sess), len(want.Sess),
				len(got.Tasks), len(want.Tasks))
		}
	}
	// a live catch-up step interrupted part-way
	st := seedMem(t, cfg, t0)
	clk := emcdp.NewManualClock(t0.Add(30 * time.Hour))
	st.failAfter = st.applies + 5
	if err := (&Live{Store: st, Clock: clk, Config: cfg}).Step(ctx); !errors.Is(err, errCrash) {
		t.Fatalf("live crash: %v", err)
	}
	st.failAfter = 0
	if err := (&Live{Store: st, Clock: clk, Config: cfg}).Step(ctx); err != nil {
		t.Fatal(err)
	}
	start, _ := st.Meta(ctx, MetaStart)
	cfg.Start, _ = time.Parse(time.RFC3339Nano, start)
	if got, want := readVBR(st), readVBR(seedMem(t, cfg, clk.Now())); !reflect.DeepEqual(got, want) {
		t.Fatal("an interrupted live step did not complete to the seeded world")
	}
}

func TestChainRetention(t *testing.T) {
	full, inc := point{size: 100, full: true}, point{size: 10}
	var c chain
	// forward incremental, 3 points: the old chain goes once a new full
	// leaves 3 points behind it
	for _, p := range []point{full, inc, inc, inc, full, inc} {
		c.add(p, 3, false, nil)
	}
	if len(c.points) != 6 || c.used != 240 {
		t.Fatalf("forward chain before the new full has 3 points: %v (%d)", c.points, c.used)
	}
	if d := c.add(inc, 3, false, nil); len(d) != 4 {
		t.Fatalf("forward chain retention dropped %v, want the old full and its 3 increments", d)
	}
	if len(c.points) != 3 || c.used != 120 || !c.points[0].full {
		t.Fatalf("forward chain after retention: %v (%d)", c.points, c.used)
	}
	// forever forward: the oldest increment merges into the full
	var f chain
	for range 10 {
		if len(f.points) == 0 {
			f.add(full, 4, true, nil)
		} else {
			f.add(inc, 4, true, nil)
		}
	}
	if len(f.points) != 4 || f.used != 130 || !f.points[0].full {
		t.Fatalf("forever-forward chain: %v (%d)", f.points, f.used)
	}
}

func TestJobConfigErrors(t *testing.T) {
	srv := func(jobs ...JobSpec) Config {
		return Config{Catalog: []ServerSpec{{Name: "a", Jobs: jobs}}}
	}
	vm := []VMSpec{{Name: "x"}}
	bad := []Config{
		{Jobs: JobsConfig{WarningRate: 0.6}},
		{Jobs: JobsConfig{PerServer: 501}},
		{Jobs: JobsConfig{VMsPerJob: 51}},
		srv(JobSpec{Name: "j", Type: emcdp.JobBackup}),
		srv(JobSpec{Name: "j", Type: emcdp.JobBackup, VMs: vm}, JobSpec{Name: "J", Type: emcdp.JobBackup, VMs: []VMSpec{{Name: "y"}}}),
		srv(JobSpec{Name: "j", Type: emcdp.JobBackup, VMs: vm}, JobSpec{Name: "k", Type: emcdp.JobBackup, VMs: vm}),
		srv(JobSpec{Name: "j", Type: emcdp.JobBackup, VMs: vm, Repository: "nope"}),
		srv(JobSpec{Name: "c", Type: emcdp.JobImmediateBackupCopy, Sources: []string{"nope"}}),
		srv(JobSpec{Name: "j", Type: emcdp.JobBackup, VMs: vm, EveryMinutes: 7}),
		srv(JobSpec{Name: "j", Type: emcdp.JobBackup, VMs: vm, FullDay: "Funday"}),
		srv(JobSpec{Name: "j", Type: emcdp.JobNasBackup, VMs: vm}),
		{Catalog: []ServerSpec{{Name: "a", Repositories: []RepositorySpec{{Name: "s3", Kind: "AmazonS3Compatible", CapacityGiB: 10}}}}},
		{Catalog: []ServerSpec{{Name: "a", Jobs: []JobSpec{{Name: "j", Type: emcdp.JobBackup, VMs: vm}}}},
			Jobs: JobsConfig{Episodes: []JobEpisode{{Job: "j", Result: emcdp.ResultFailed, VMCount: 2, Weekdays: []time.Weekday{1}}}}},
		{Catalog: []ServerSpec{{Name: "a", Jobs: []JobSpec{{Name: "j", Type: emcdp.JobBackup, VMs: vm}}}},
			Jobs: JobsConfig{Episodes: []JobEpisode{{Job: "k", Result: emcdp.ResultFailed, Weekdays: []time.Weekday{1}}}}},
	}
	for i, c := range bad {
		if err := c.Validate(); err == nil {
			t.Errorf("config %d: no error", i)
		} else {
			t.Logf("config %d: %v", i, err)
		}
	}
}

// TestVBRPollingSeesStates polls the demo every few seconds, as a monitoring
// client would, and sees tasks pass Pending → InProgress → Completed,
// sessions pass Starting → Working → Stopped and progress rise in between.
func TestVBRPollingSeesStates(t *testing.T) {
	ctx := context.Background()
	st := newMemStore()
	clk := emcdp.NewManualClock(t0.Truncate(day).Add(22 * time.Hour)) // SQL Daily's start
	live := &Live{Store: st, Clock: clk, Config: Demo()}
	taskSeen := map[emcdp.ID][]emcdp.TaskState{}
	sessSeen := map[emcdp.ID][]emcdp.SessionState{}
	progress := map[int]bool{}
	for i := 0; i < 40*60/4; i++ {
		if err := live.Step(ctx); err != nil {
			t.Fatal(err)
		}
		st.mu.Lock()
		for id, x := range st.jtsess {
			if l := taskSeen[id]; len(l) == 0 || l[len(l)-1] != x.State {
				taskSeen[id] = append(l, x.State)
			}
		}
		for id, x := range st.jsess {
			if l := sessSeen[id]; len(l) == 0 || l[len(l)-1] != x.State {
				sessSeen[id] = append(l, x.State)
			}
			if x.Running() && x.State == emcdp.SessionWorking {
				progress[x.Progress] = true
			}
		}
		st.mu.Unlock()
		clk.Advance(4 * time.Second)
	}
	full := func(got, want any) bool { return reflect.DeepEqual(got, want) }
	var tasks, sessions int
	for _, l := range taskSeen {
		if full(l, []emcdp.TaskState{emcdp.TaskPending, emcdp.TaskInProgress, emcdp.TaskCompleted}) {
			tasks++
		}
	}
	for _, l := range sessSeen {
		if full(l, []emcdp.SessionState{emcdp.SessionStarting, emcdp.SessionWorking, emcdp.SessionStopped}) {
			sessions++
		}
	}
	rising := 0
	for p := range progress {
		if p > 0 && p < 100 {
			rising++
		}
	}
	t.Logf("polled: %d tasks and %d sessions seen through every state, %d progress values", tasks, sessions, rising)
	if tasks < 10 || sessions < 3 || rising < 3 {
		t.Fatalf("polling saw %d tasks and %d sessions go through every state, %d progress values between 0 and 100",
			tasks, sessions, rising)
	}
	if err := live.Step(ctx); err != nil {
		t.Fatal(err)
	}
	checkVBR(t, worldOf(t, st, Demo()), readVBR(st), clk.Now())
}
