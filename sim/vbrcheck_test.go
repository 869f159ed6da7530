package sim

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
)

// vbrSnap is the regular VBR world a memStore holds, sorted by id.
type vbrSnap struct {
	Repos []emcdp.Repository
	Jobs  []emcdp.Job
	Sess  []emcdp.JobSession
	Tasks []emcdp.JobTaskSession

	Backups []emcdp.Backup
	Files   []emcdp.BackupFile
	RPs     []emcdp.RestorePoint
	VRPs    []emcdp.VmRestorePoint

	// the agents and NAS world (agents.go)
	AgentJobs []emcdp.Job
	NasJobs   []emcdp.NasJob
	AgentSess []emcdp.JobSession // sessions of agent and NAS jobs
	Groups    []emcdp.AgentProtectionGroup
	Computers []emcdp.DiscoveredComputer
}

func readVBR(st *memStore) *vbrSnap {
	st.mu.Lock()
	defer st.mu.Unlock()
	s := &vbrSnap{}
	for _, v := range st.repos {
		s.Repos = append(s.Repos, v)
	}
	for _, v := range st.jobs {
		if v.JobType == emcdp.JobAgentBackup {
			s.AgentJobs = append(s.AgentJobs, v)
		} else {
			s.Jobs = append(s.Jobs, v)
		}
	}
	for _, v := range st.jsess {
		if v.JobType.IsAgent() || v.JobType == emcdp.JobNasBackup {
			s.AgentSess = append(s.AgentSess, v)
		} else {
			s.Sess = append(s.Sess, v)
		}
	}
	for _, v := range st.nasJobs {
		s.NasJobs = append(s.NasJobs, v)
	}
	for _, v := range st.groups {
		s.Groups = append(s.Groups, v)
	}
	for _, v := range st.computers {
		s.Computers = append(s.Computers, v)
	}
	for _, v := range st.jtsess {
		s.Tasks = append(s.Tasks, v)
	}
	idLess := func(a, b emcdp.ID) bool { return string(a[:]) < string(b[:]) }
	sort.Slice(s.Repos, func(i, j int) bool { return idLess(s.Repos[i].ID, s.Repos[j].ID) })
	sort.Slice(s.Jobs, func(i, j int) bool { return idLess(s.Jobs[i].ID, s.Jobs[j].ID) })
	sort.Slice(s.Sess, func(i, j int) bool { return idLess(s.Sess[i].ID, s.Sess[j].ID) })
	sort.Slice(s.Tasks, func(i, j int) bool { return idLess(s.Tasks[i].ID, s.Tasks[j].ID) })
	for _, v := range st.backups {
		s.Backups = append(s.Backups, v)
	}
	for _, v := range st.files {
		s.Files = append(s.Files, v)
	}
	for _, v := range st.rps {
		s.RPs = append(s.RPs, v)
	}
	for _, v := range st.vrps {
		s.VRPs = append(s.VRPs, v)
	}
	sort.Slice(s.Backups, func(i, j int) bool { return idLess(s.Backups[i].ID, s.Backups[j].ID) })
	sort.Slice(s.Files, func(i, j int) bool { return idLess(s.Files[i].ID, s.Files[j].ID) })
	sort.Slice(s.RPs, func(i, j int) bool { return idLess(s.RPs[i].ID, s.RPs[j].ID) })
	sort.Slice(s.VRPs, func(i, j int) bool { return idLess(s.VRPs[i].ID, s.VRPs[j].ID) })
	sort.Slice(s.AgentJobs, func(i, j int) bool { return idLess(s.AgentJobs[i].ID, s.AgentJobs[j].ID) })
	sort.Slice(s.NasJobs, func(i, j int) bool { return idLess(s.NasJobs[i].ID, s.NasJobs[j].ID) })
	sort.Slice(s.AgentSess, func(i, j int) bool { return idLess(s.AgentSess[i].ID, s.AgentSess[j].ID) })
	sort.Slice(s.Groups, func(i, j int) bool { return idLess(s.Groups[i].ID, s.Groups[j].ID) })
	sort.Slice(s.Computers, func(i, j int) bool { return idLess(s.Computers[i].ID, s.Computers[j].ID) })
	return s
}

// worldOf rebuilds the world definition a store was seeded with, for checks
// that need what rows do not carry (point sizes, static repository use).
func worldOf(t testing.TB, st emcdp.Store, cfg Config) *world {
	t.Helper()
	s, err := st.Meta(context.Background(), MetaStart)
	if err != nil {
		t.Fatal(err)
	}
	start, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("start %q: %v", s, err)
	}
	n, err := cfg.normalize()
	if err != nil {
		t.Fatal(err)
	}
	w, err := newWorld(n, start)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// checkVBR checks vbr-domain.md §9 and the cadence rules on a VBR world read
// at instant now.
func checkVBR(t testing.TB, w *world, s *vbrSnap, now time.Time) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Errorf(format, args...)
	}
	defs := map[emcdp.ID]*jobDef{}
	for _, vs := range w.vbr {
		for _, j := range vs.jobs {
			defs[j.row.ID] = j
		}
	}
	repos := map[emcdp.ID]*emcdp.Repository{}
	defaults := map[emcdp.ID]int{}
	for i := range s.Repos {
		r := &s.Repos[i]
		repos[r.ID] = r
		if r.Name == defaultRepoName {
			defaults[r.BackupServerID]++
		}
		if objectKinds[r.Kind] {
			if r.Capacity != -1 || r.FreeSpace != -1 {
				fail("object storage %s: capacity %d free %d", r.Name, r.Capacity, r.FreeSpace)
			}
		} else if r.Capacity <= 0 || r.FreeSpace < 0 || r.FreeSpace > r.Capacity {
			fail("repository %s: capacity %d free %d", r.Name, r.Capacity, r.FreeSpace)
		}
	}
	jobs := map[emcdp.ID]*emcdp.Job{}
	for i := range s.Jobs {
		j := &s.Jobs[i]
		jobs[j.ID] = j
		if defaults[j.BackupServerID] != 1 {
			fail("server %s has %d default repositories", j.BackupServerName, defaults[j.BackupServerID])
		}
		d := defs[j.ID]
		if d == nil {
			fail("job %s is not in the world", j.Name)
			continue
		}
		if j.JobType == emcdp.JobReplica != j.RepositoryID.IsZero() {
			fail("job %s (%v): repository %v", j.Name, j.JobType, j.RepositoryID)
		}
		if r := repos[j.RepositoryID]; !j.RepositoryID.IsZero() && (r == nil || r.BackupServerID != j.BackupServerID) {
			fail("job %s: repository not on its server", j.Name)
		}
		for k, o := range j.Includes {
			if o.PolicyID != j.ID || (k > 0 && j.Includes[k-1].Name > o.Name) {
				fail("job %s: include %s out of order or of another job", j.Name, o.Name)
			}
		}
		switch {
		case !j.ScheduleEnabled || j.JobType == emcdp.JobImmediateBackupCopy || j.Schedule.Kind == emcdp.ScheduleContinuous:
			if !j.NextRun.IsZero() {
				fail("job %s (enabled %v, %v): NextRun %v", j.Name, j.ScheduleEnabled, j.Schedule.Kind, j.NextRun)
			}
		default:
			if !j.NextRun.After(now) || j.NextRun.After(now.Add(8*day)) {
				fail("job %s: NextRun %v at %v", j.Name, j.NextRun, now)
			}
		}
	}
	sess := map[emcdp.ID]*emcdp.JobSession{}
	byJob := map[emcdp.ID][]*emcdp.JobSession{}
	for i := range s.Sess {
		x := &s.Sess[i]
		sess[x.ID] = x
		j := jobs[x.JobID]
		if j == nil {
			fail("session %s: unknown job", x.Name)
			continue
		}
		byJob[j.ID] = append(byJob[j.ID], x)
		if !j.ScheduleEnabled {
			fail("disabled job %s ran %s", j.Name, x.Name)
		}
		if x.Name != emcdp.SessionName(j.Name, x.CreationTime) || x.JobName != j.Name || x.JobType != j.JobType ||
			x.BackupServerID != j.BackupServerID || x.BackupServerName != j.BackupServerName {
			fail("session %s does not match its job %s", x.Name, j.Name)
		}
		if x.CreationTime.After(now) || x.FailureMessage != "" {
			fail("session %s: created %v (now %v), failure message %q", x.Name, x.CreationTime, now, x.FailureMessage)
		}
		if x.Running() {
			if (x.State != emcdp.SessionStarting && x.State != emcdp.SessionWorking) || x.Result != emcdp.ResultNone {
				fail("running session %s: %v %v", x.Name, x.State, x.Result)
			}
		} else {
			wantProgress := 100
			if x.JobType == emcdp.JobImmediateBackupCopy {
				wantProgress = 0
			}
			if x.State != emcdp.SessionStopped || x.Result < emcdp.ResultSuccess || x.EndTime.After(now) ||
				x.EndTime.Before(x.CreationTime) || x.Progress != wantProgress {
				fail("ended session %s: %v %v %v progress %d", x.Name, x.State, x.Result, x.EndTime, x.Progress)
			}
		}
	}
	worst := map[emcdp.ID]emcdp.Result{}
	count := map[emcdp.ID]int{}
	done := map[emcdp.ID]int{}
	failedVMs := map[emcdp.ID]map[string]bool{}
	vmsOf := map[emcdp.ID][]string{}
	for i := range s.Tasks {
		x := &s.Tasks[i]
		p := sess[x.JobSessionID]
		if p == nil {
			fail("task %s: unknown session", x.Name)
			continue
		}
		j := jobs[p.JobID]
		vmsOf[p.ID] = append(vmsOf[p.ID], x.VmDisplayName)
		if x.JobID != p.JobID || x.JobName != p.JobName || x.JobType != p.JobType || x.JobSessionName != p.Name ||
			x.BackupServerID != p.BackupServerID || x.BackupServerName != p.BackupServerName ||
			x.Name != emcdp.SessionName(x.VmDisplayName, x.CreationTime) {
			fail("task %s does not match its session %s", x.Name, p.Name)
		}
		// §9.5: session start ≤ task start ≤ task end ≤ session end
		if x.CreationTime.Before(p.CreationTime) || (!p.Running() && (x.Running() || x.EndTime.After(p.EndTime))) ||
			(!x.Running() && x.EndTime.Before(x.CreationTime)) || x.CreationTime.After(now) {
			fail("task %s (%v–%v) outside its session %s (%v–%v)", x.Name, x.CreationTime, x.EndTime, p.Name, p.CreationTime, p.EndTime)
		}
		var size int64
		var ref string
		vmJob := j
		if j.JobType == emcdp.JobImmediateBackupCopy {
			for _, src := range j.SourceJobIDs {
				for _, o := range jobs[src].Includes {
					if o.Name == x.VmDisplayName {
						vmJob = jobs[src]
					}
				}
			}
		}
		for _, o := range vmJob.Includes {
			if o.Name == x.VmDisplayName {
				size, ref = o.TotalSize, o.HierarchyObjRef
			}
		}
		if size == 0 {
			fail("task %s: VM %s is not in job %s (or its sources)", x.Name, x.VmDisplayName, j.Name)
		}
		if j.JobType == emcdp.JobReplica {
			ref = ""
		}
		// a task that fails before reading data shows 0 from its start
		if x.VmUID != ref || (x.TotalSize != size && !(x.TotalSize == 0 && (x.Result == emcdp.ResultFailed || x.Running()))) {
			fail("task %s: VmUID %q TotalSize %d, VM %q %d", x.Name, x.VmUID, x.TotalSize, ref, size)
		}
		if x.Running() {
			if (x.State != emcdp.TaskPending && x.State != emcdp.TaskInProgress) || x.Result != emcdp.ResultSuccess || x.Reason != "" {
				fail("running task %s: %v %v %q", x.Name, x.State, x.Result, x.Reason)
			}
		} else {
			done[p.ID]++
			if x.State != emcdp.TaskCompleted || x.Result < emcdp.ResultSuccess || x.EndTime.After(now) ||
				(x.Result != emcdp.ResultSuccess) != (x.Reason != "") {
				fail("ended task %s: %v %v %q", x.Name, x.State, x.Result, x.Reason)
			}
			if x.Result == emcdp.ResultFailed {
				if failedVMs[p.ID] == nil {
					failedVMs[p.ID] = map[string]bool{}
				}
				failedVMs[p.ID][x.VmDisplayName] = true
			}
		}
		worst[p.ID] = worst[p.ID].Worse(x.Result)
		count[p.ID]++
	}
	for i := range s.Sess {
		x := &s.Sess[i]
		if x.Running() {
			if x.State == emcdp.SessionWorking && x.JobType != emcdp.JobImmediateBackupCopy && !x.IsRetry &&
				x.Progress != done[x.ID]*100/len(defs[x.JobID].vms) {
				fail("running session %s: progress %d with %d of %d tasks done", x.Name, x.Progress, done[x.ID], count[x.ID])
			}
			continue
		}
		// §9.2: the session result is the worst task result
		if count[x.ID] == 0 || worst[x.ID] != x.Result {
			fail("session %s: result %v, %d tasks, worst %v", x.Name, x.Result, count[x.ID], worst[x.ID])
		}
	}
	// per job: runs do not overlap; a retry follows a failed run, takes
	// only its failed VMs, after RetryTimeout, at most RetryTimes in a row
	for id, list := range byJob {
		j := jobs[id]
		sort.Slice(list, func(a, b int) bool { return list[a].CreationTime.Before(list[b].CreationTime) })
		retries := 0
		for k, x := range list {
			if k+1 < len(list) && j.JobType != emcdp.JobImmediateBackupCopy {
				next := list[k+1]
				if x.Running() || next.CreationTime.Before(x.EndTime) {
					fail("job %s: %s overlaps %s", j.Name, x.Name, next.Name)
				}
			}
			if !x.IsRetry {
				retries = 0
				continue
			}
			retries++
			if k == 0 || retries > j.Schedule.RetryTimes {
				fail("job %s: retry %s is number %d (at most %d)", j.Name, x.Name, retries, j.Schedule.RetryTimes)
				continue
			}
			prev := list[k-1]
			if prev.Result != emcdp.ResultFailed || x.CreationTime.Before(prev.EndTime.Add(time.Duration(j.Schedule.RetryTimeout)*time.Minute)) {
				fail("job %s: retry %s after %s (%v, ended %v)", j.Name, x.Name, prev.Name, prev.Result, prev.EndTime)
			}
			for _, vm := range vmsOf[x.ID] {
				if !failedVMs[prev.ID][vm] {
					fail("job %s: retry %s processes %s, which did not fail in %s", j.Name, x.Name, vm, prev.Name)
				}
			}
		}
	}
	checkFill(t, w, s)
	checkAgents(t, s, now)
}

// checkFill recomputes every repository's FreeSpace from the stored task
// sessions by the documented rule (SCENARIO.md, "Repository fill") and
// compares it with the stored value.
func checkFill(t testing.TB, w *world, s *vbrSnap) {
	t.Helper()
	type key struct {
		job, src emcdp.ID
		vm       string
	}
	chains := map[key]*chain{}
	used := map[emcdp.ID]int64{}
	defs := map[emcdp.ID]*jobDef{}
	for _, vs := range w.vbr {
		for _, j := range vs.jobs {
			defs[j.row.ID] = j
		}
	}
	tasksOf := map[emcdp.ID][]*emcdp.JobTaskSession{}
	for i := range s.Tasks {
		tasksOf[s.Tasks[i].JobSessionID] = append(tasksOf[s.Tasks[i].JobSessionID], &s.Tasks[i])
	}
	sessions := append([]emcdp.JobSession(nil), s.Sess...)
	sort.Slice(sessions, func(a, b int) bool { return sessions[a].CreationTime.Before(sessions[b].CreationTime) })
	fullDate := map[emcdp.ID]time.Time{}
	for _, x := range sessions {
		j := defs[x.JobID]
		if j.row.JobType == emcdp.JobReplica {
			continue
		}
		synthetic := false
		if j.row.JobType == emcdp.JobBackup && !x.IsRetry && !j.noFull && x.CreationTime.Weekday() == j.fullDay &&
			!fullDate[j.row.ID].Equal(x.CreationTime.Truncate(day)) {
			synthetic = true
			fullDate[j.row.ID] = x.CreationTime.Truncate(day)
		}
		tasks := tasksOf[x.ID]
		sort.Slice(tasks, func(a, b int) bool { return tasks[a].CreationTime.Before(tasks[b].CreationTime) })
		for _, tk := range tasks {
			if tk.Running() || tk.Result == emcdp.ResultFailed {
				continue
			}
			k := key{job: j.row.ID, vm: tk.VmDisplayName}
			src, cycles, forever := j, j.cycles, j.noFull
			if j.row.JobType == emcdp.JobImmediateBackupCopy {
				forever = true
				for _, sj := range j.sources {
					for _, v := range sj.vms {
						if v.name == tk.VmDisplayName {
							src = sj
						}
					}
				}
				k.src = src.row.ID
			}
			var vi int
			for i, v := range src.vms {
				if v.name == tk.VmDisplayName {
					vi = i
				}
			}
			c := chains[k]
			if c == nil {
				c = &chain{}
				chains[k] = c
			}
			p := point{size: src.incPoint[vi], full: false}
			if len(c.points) == 0 || synthetic {
				p = point{size: src.vms[vi].full, full: true}
			}
			used[j.repo.row.ID] -= c.used
			c.add(p, cycles, forever, nil)
			used[j.repo.row.ID] += c.used
		}
	}
	for _, vs := range w.vbr {
		for _, rd := range vs.repos {
			if rd.object {
				continue
			}
			want := max(0, rd.row.Capacity-rd.other-used[rd.row.ID])
			for _, r := range s.Repos {
				if r.ID == rd.row.ID && r.FreeSpace != want {
					t.Errorf("repository %s: FreeSpace %d, the stored task sessions give %d", r.Name, r.FreeSpace, want)
				}
			}
		}
	}
	checkPoints(t, w, s)
}
