package sim

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/emcdp/emcdp"
)

// vtask is one VM's task in a run, decided whole when the run is drawn.
type vtask struct {
	id      emcdp.ID
	vm      int // index into the job's (for copies: the source job's) VMs
	created time.Time
	work    time.Time // Pending until then, InProgress until end
	end     time.Time
	result  emcdp.Result
	reason  string
	size    int64 // TotalSize
	point   int64 // bytes of the restore point it leaves; 0 for none
	full    bool  // the point starts a new chain (active or synthetic full)
}

// vrun is one job session: a scheduled run, a retry, or an immediate copy
// of a source run, decided whole when it is drawn.
type vrun struct {
	id      emcdp.ID
	job     *jobDef // the session's job (the copy job for a copy)
	link    *copyLink
	start   time.Time
	working time.Time // Starting until then
	end     time.Time
	retry   bool
	manual  bool  // started by a write (actions.md §7.2), not by the schedule
	src     *vrun // for a copy: the run it copies
	tasks   []vtask
	result  emcdp.Result
}

// point is one restore point of a VM's chain on a repository.
type point struct {
	size int64
	full bool
	task emcdp.ID // the task that made it; the ids of its rows derive from it
}

// chain is a VM's restore points on one repository, oldest first.
type chain struct {
	points []point
	used   int64
}

// add appends p and applies the retention of cycles points: a forward
// incremental chain drops its oldest full and increments once a newer full
// leaves at least cycles points; a forever-forward chain merges its oldest
// increment into the full (whose size stays: changed blocks replace old ones).
// It returns the points removed, appended to dropped.
func (c *chain) add(p point, cycles int, forever bool, dropped []point) []point {
	c.points = append(c.points, p)
	c.used += p.size
	for len(c.points) > cycles {
		if forever || len(c.points) < 2 {
			if len(c.points) < 2 {
				break
			}
			c.used -= c.points[1].size
			dropped = append(dropped, c.points[1])
			c.points = append(c.points[:1], c.points[2:]...)
			continue
		}
		k := -1
		for i := 1; i < len(c.points); i++ {
			if c.points[i].full {
				k = i
				break
			}
		}
		if k < 0 || len(c.points)-k < cycles {
			break
		}
		for _, q := range c.points[:k] {
			c.used -= q.size
		}
		dropped = append(dropped, c.points[:k]...)
		c.points = append(c.points[:0], c.points[k:]...)
	}
	return dropped
}

// episode is a run of problems on some VMs of a job.
type episode struct {
	left   int // runs left
	result emcdp.Result
	vms    map[int]string // VM index → reason
}

// copyLink is an immediate copy job's share of one source job: its own
// random stream, problem episodes and chains on the copy's repository.
type copyLink struct {
	copy     *jobDef
	src      *jobDef
	r        *rand.Rand
	ep       episode
	chains   []chain // per source VM
	hasPoint []bool  // per source VM: a copied point was drawn (the first is a full)
	used     int64
	lastEnd  time.Time
}

// jobGen yields one job's runs in order, with the copies they cause. Every
// run is drawn whole as soon as the one before it is drawn, from the job's
// own stream, so the sequence does not depend on the instants it is read at.
type jobGen struct {
	j        *jobDef
	cfg      *Config
	start    time.Time // the world's start
	r        *rand.Rand
	next     *vrun   // the next run of the job; nil when it runs no more
	pending  []*vrun // drawn copy runs not started yet, by start
	open     []*vrun // started, not ended at the last instant advanced to
	links    []*copyLink
	ep       episode
	epStart  float64 // chance per healthy scheduled run that an episode begins
	warn     float64 // share of warning episodes
	chains   []chain
	used     int64
	hasPoint []bool    // per VM: a restore point was drawn
	retries  int       // retries so far after the last scheduled run
	last     *vrun     // the last scheduled run or automatic retry started
	manual   *vrun     // the last run a write started
	off      time.Time // when a write turned the schedule off; zero while on
	lastSlot time.Time
	fullDate time.Time // the last date a synthetic full was drawn for
}

// Episode lengths in scheduled runs: a broken VM fails several nights in a
// row, warnings are shorter.
const (
	jobWarnEpisodeMean = 2.0
	jobFailEpisodeMean = 2.5
	// copyRateShare scales the job rates for copy runs, which fail less.
	copyRateShare = 0.3
)

// jobEpisodeRates turns run result rates into the chance per healthy run
// that an episode begins and the share of warning episodes (as episodeRates
// does for CDP task sessions).
func jobEpisodeRates(warn, fail float64) (start, warnShare float64) {
	if warn+fail <= 0 {
		return 0, 0
	}
	w, f := warn/jobWarnEpisodeMean, fail/jobFailEpisodeMean
	warnShare = w / (w + f)
	meanLen := warnShare*jobWarnEpisodeMean + (1-warnShare)*jobFailEpisodeMean
	return (warn + fail) / (1 - warn - fail) / meanLen, warnShare
}

func newJobGen(j *jobDef, cfg *Config, start time.Time) *jobGen {
	g := &jobGen{j: j, cfg: cfg, start: start, r: newRand(j.seed, 3),
		chains: make([]chain, len(j.vms)), hasPoint: make([]bool, len(j.vms))}
	g.epStart, g.warn = jobEpisodeRates(cfg.Jobs.WarningRate, cfg.Jobs.FailureRate)
	g.epStart = min(0.9, g.epStart*j.busy)
	if cfg.NoRandomEpisodes {
		g.epStart = 0
	}
	for i, c := range j.copies {
		g.links = append(g.links, &copyLink{copy: c, src: j, r: newRand(j.seed, 10+uint64(i)),
			chains: make([]chain, len(j.vms)), hasPoint: make([]bool, len(j.vms))})
	}
	if j.row.JobType != emcdp.JobImmediateBackupCopy && !j.disabled {
		g.next = g.draw(nil)
	}
	return g
}

// jitter returns a random duration in [lo, hi).
func jitter(r *rand.Rand, lo, hi time.Duration) time.Duration {
	return lo + time.Duration(r.Int64N(int64(hi-lo)))
}

// us truncates t to the microseconds the stores keep.
func us(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// draw decides the run after prev (nil: the first), with the copies it
// causes.
func (g *jobGen) draw(prev *vrun) *vrun {
	j := g.j
	var start time.Time
	var vms []int
	retry := false
	switch {
	case j.continuous:
		if prev == nil {
			start = g.start.Add(jitter(g.r, 0, 15*time.Minute))
		} else {
			start = prev.end // the next run starts as the previous one ends
		}
	default:
		after := g.start
		if prev != nil {
			after = maxTime(g.lastSlot, prev.end)
		}
		slot := j.nextSlot(after)
		if prev != nil && g.retries < j.retryTimes {
			for _, t := range prev.tasks {
				if t.result == emcdp.ResultFailed {
					vms = append(vms, t.vm)
				}
			}
			if len(vms) > 0 {
				rs := prev.end.Add(j.retryTimeout + jitter(g.r, 0, 30*time.Second))
				if rs.Before(slot) {
					start, retry = rs, true
				}
			}
		}
		if !retry {
			vms = nil
			g.lastSlot = slot
			start = slot.Add(jitter(g.r, 0, 90*time.Second))
		}
	}
	if retry {
		g.retries++
	} else {
		g.retries = 0
		vms = make([]int, len(j.vms))
		for i := range vms {
			vms[i] = i
		}
	}
	run := &vrun{id: newID(g.r), job: j, start: us(start), retry: retry}
	results := g.outcomes(run.start, vms, retry, prev)
	synthetic := false
	if !retry && !j.noFull && j.row.JobType == emcdp.JobBackup && run.start.Weekday() == j.fullDay &&
		!run.start.Truncate(day).Equal(g.fullDate) {
		synthetic = true
		g.fullDate = run.start.Truncate(day)
	}
	g.plan(g.r, run, vms, results, synthetic)
	for _, l := range g.links {
		if c := l.drawCopy(run, g); c != nil {
			g.insertPending(c)
		}
	}
	return run
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// outcome is how one VM's task in a run ends.
type outcome struct {
	result emcdp.Result
	reason string
}

// outcomes decides the result of each VM of a run: scripted episodes first,
// then, for a retry, a second chance for the failed VMs, else the job's
// random episodes.
func (g *jobGen) outcomes(start time.Time, vms []int, retry bool, prev *vrun) []outcome {
	out := make([]outcome, len(vms))
	for i := range out {
		out[i].result = emcdp.ResultSuccess
	}
	if g.scripted(start, vms, out) {
		return out
	}
	if retry {
		prevReason := map[int]string{}
		for _, t := range prev.tasks {
			prevReason[t.vm] = t.reason
		}
		// the retry succeeds as a whole with RetrySuccess; otherwise each
		// VM fails again with 0.7, at least one
		if g.r.Float64() < g.cfg.Jobs.RetrySuccess {
			return out
		}
		again := false
		for i, v := range vms {
			if g.r.Float64() < 0.7 || (!again && i == len(vms)-1) {
				out[i], again = outcome{emcdp.ResultFailed, prevReason[v]}, true
			}
		}
		return out
	}
	ep := &g.ep
	if ep.left == 0 && g.epStart > 0 && g.r.Float64() < g.epStart {
		g.beginEpisode(ep, g.r, g.warn, len(g.j.vms), g.reason)
	}
	if ep.left > 0 {
		ep.left--
		for i, v := range vms {
			if reason, ok := ep.vms[v]; ok {
				out[i] = outcome{ep.result, reason}
			}
		}
	}
	return out
}

// scripted sets the outcomes of the scripted episodes covering start and
// reports whether any does.
func (g *jobGen) scripted(start time.Time, vms []int, out []outcome) bool {
	scripted := false
	for _, e := range g.j.episodes {
		if !e.ep.covers(start) {
			continue
		}
		scripted = true
		for i, v := range vms {
			if e.vms[v] && e.ep.Result > out[i].result {
				reason := e.ep.Reason
				if reason == "" {
					reason = scriptedReason(e.ep.Result, g.j.vms[v].name)
				}
				out[i] = outcome{e.ep.Result, reason}
			}
		}
	}
	return scripted
}

// beginEpisode starts a random episode on 1–3 of n VMs, with a geometric
// length in runs.
func (g *jobGen) beginEpisode(ep *episode, r *rand.Rand, warnShare float64, n int, reason func(emcdp.Result, int, float64) string) {
	ep.result = emcdp.ResultFailed
	mean := jobFailEpisodeMean
	if r.Float64() < warnShare {
		ep.result, mean = emcdp.ResultWarning, jobWarnEpisodeMean
	}
	k := 1
	switch x := r.Float64(); {
	case x < 0.15:
		k = 3
	case x < 0.4:
		k = 2
	}
	k = min(k, n)
	ep.vms = map[int]string{}
	x := r.Float64()
	for len(ep.vms) < k {
		v := r.IntN(n)
		if _, ok := ep.vms[v]; !ok {
			ep.vms[v] = reason(ep.result, v, x)
		}
	}
	ep.left = 1
	for r.Float64() < (mean-1)/mean {
		ep.left++
	}
}

// plan lays a run's tasks out on the job's concurrent slots, drawing from
// r: the first tasks start together 20–60 s after the session, each next one
// when a slot frees; a task waits a few seconds Pending before it works.
func (g *jobGen) plan(r *rand.Rand, run *vrun, vms []int, res []outcome, synthetic bool) {
	j := g.j
	run.working = us(run.start.Add(jitter(r, 5*time.Second, 15*time.Second)))
	k := min(j.concurrency, len(vms))
	free := make([]time.Time, k)
	first := run.start.Add(jitter(r, 20*time.Second, 60*time.Second))
	for i := range free {
		free[i] = first
	}
	last := first
	var synthBytes int64
	run.result = emcdp.ResultSuccess
	run.tasks = make([]vtask, len(vms))
	for i, v := range vms {
		vm := j.vms[v]
		s := 0
		for x := range free {
			if free[x].Before(free[s]) {
				s = x
			}
		}
		created := free[s]
		if i < k {
			created = created.Add(time.Duration(i) * jitter(r, time.Millisecond, 20*time.Millisecond))
		} else {
			created = created.Add(jitter(r, time.Second, 5*time.Second))
		}
		t := vtask{id: newID(r), vm: v, created: us(created), result: res[i].result, reason: res[i].reason, size: vm.size}
		t.work = us(created.Add(jitter(r, 2*time.Second, 15*time.Second)))
		var dur time.Duration
		switch {
		case t.result == emcdp.ResultFailed && early(t.reason):
			dur = jitter(r, 20*time.Second, 3*time.Minute)
			t.size = 0
		case !g.hasPoint[v]:
			dur = jitter(r, 60*time.Second, 150*time.Second) + rate(vm.used, 150+r.Float64()*350)
		default:
			dur = jitter(r, 60*time.Second, 150*time.Second) + rate(int64(float64(j.incRead[v])*(0.5+r.Float64())), 40+r.Float64()*80)
		}
		t.end = us(t.work.Add(dur))
		if t.result != emcdp.ResultFailed && j.row.JobType == emcdp.JobBackup {
			switch {
			case !g.hasPoint[v] || synthetic:
				t.point, t.full = vm.full, true
				if g.hasPoint[v] {
					synthBytes += vm.full
				}
			default:
				t.point = j.incPoint[v]
			}
			g.hasPoint[v] = true
		} else if t.result != emcdp.ResultFailed {
			g.hasPoint[v] = true // a replica's first run is its full
		}
		free[s] = t.end
		if t.end.After(last) {
			last = t.end
		}
		run.result = run.result.Worse(t.result)
		run.tasks[i] = t
	}
	// a real v13 session ended 4–5 s after its last task
	end := last.Add(jitter(r, 3*time.Second, 15*time.Second))
	if synthBytes > 0 { // building synthetic fulls on the repository
		end = end.Add(rate(synthBytes, 400+r.Float64()*400) / time.Duration(k))
	}
	run.end = us(end)
}

// rate is how long moving n bytes takes at mbps MB/s.
func rate(n int64, mbps float64) time.Duration {
	return time.Duration(float64(n) / (mbps * 1e6) * float64(time.Second))
}

// drawCopy decides the immediate copy of a source run: it starts minutes
// after the source run ends (and after the previous copy from the same
// source) and copies the restore point of every VM the run backed up.
func (l *copyLink) drawCopy(src *vrun, g *jobGen) *vrun {
	var vms []int
	for _, t := range src.tasks {
		if t.point > 0 {
			vms = append(vms, t.vm)
		}
	}
	if len(vms) == 0 || l.copy.disabled {
		return nil
	}
	r := l.r
	start := maxTime(src.end, l.lastEnd).Add(jitter(r, time.Minute, 5*time.Minute))
	run := &vrun{id: newID(r), job: l.copy, link: l, start: us(start), src: src}
	run.working = us(run.start.Add(jitter(r, 3*time.Second, 10*time.Second)))
	out := make([]outcome, len(vms))
	for i := range out {
		out[i].result = emcdp.ResultSuccess
	}
	if l.ep.left == 0 && g.epStart > 0 && r.Float64() < g.epStart*copyRateShare {
		g.beginEpisode(&l.ep, r, g.warn, len(g.j.vms), l.reason)
	}
	if l.ep.left > 0 {
		l.ep.left--
		for i, v := range vms {
			if reason, ok := l.ep.vms[v]; ok {
				out[i] = outcome{l.ep.result, reason}
			}
		}
	}
	tm := run.start.Add(jitter(r, 10*time.Second, 40*time.Second))
	run.result = emcdp.ResultSuccess
	for i, v := range vms {
		vm := g.j.vms[v]
		t := vtask{id: newID(r), vm: v, created: us(tm), result: out[i].result, reason: out[i].reason, size: vm.size}
		t.work = us(tm.Add(jitter(r, time.Second, 5*time.Second)))
		n, full := g.j.incPoint[v], !l.hasPoint[v]
		if full {
			n = vm.full
		}
		t.end = us(t.work.Add(jitter(r, 15*time.Second, 40*time.Second) + rate(n, 50+r.Float64()*100)))
		if t.result != emcdp.ResultFailed {
			t.point, t.full = n, full
			l.hasPoint[v] = true
		}
		tm = t.end
		run.result = run.result.Worse(t.result)
		run.tasks = append(run.tasks, t)
	}
	run.end = us(tm.Add(jitter(r, 5*time.Second, 30*time.Second)))
	l.lastEnd = run.end
	return run
}

// insertPending adds a copy run in start order (after equal starts).
func (g *jobGen) insertPending(c *vrun) {
	i := len(g.pending)
	for i > 0 && g.pending[i-1].start.After(c.start) {
		i--
	}
	g.pending = append(g.pending, nil)
	copy(g.pending[i+1:], g.pending[i:])
	g.pending[i] = c
}

// reason words a problem on VM v of the job; x picks the kind.
func (g *jobGen) reason(res emcdp.Result, v int, x float64) string {
	j := g.j
	vm := j.vms[v].name
	repo, nearFull := "", false
	if j.repo != nil {
		repo, nearFull = j.repo.row.Name, j.repo.nearFull
	}
	if res == emcdp.ResultWarning {
		switch {
		case nearFull && x < 0.6:
			return fmt.Sprintf("Processing %s Warning: Repository %s is getting low on free space (%d%% left).", vm, repo, 2+int(x*7))
		case x < 0.25:
			return fmt.Sprintf("Processing %s Warning: Unable to perform application-aware processing: failed to connect to guest OS with the specified credentials. Guest processing skipped.", vm)
		case x < 0.4:
			return fmt.Sprintf("Processing %s Warning: VMware Tools are not installed or not running, guest processing skipped.", vm)
		case x < 0.6:
			return fmt.Sprintf("Processing %s Warning: Changed block tracking has been reset; performing a full read of disk Hard disk 1.", vm)
		case x < 0.8:
			return fmt.Sprintf("Processing %s Warning: Removing VM snapshot took %d minutes.", vm, 20+int(x*40))
		default:
			return fmt.Sprintf("Processing %s Warning: Disk Hard disk %d was not found, skipping it.", vm, 2+int(x*3))
		}
	}
	switch {
	case nearFull && x < 0.6:
		return fmt.Sprintf("Processing %s Error: There is not enough space on the disk. Failed to write data to the file on repository %s.", vm, repo)
	case x < 0.3:
		return fmt.Sprintf("Processing %s Error: An error occurred while quiescing the virtual machine. See the virtual machine's event log for details. (An error occurred while saving the snapshot: Failed to quiesce the virtual machine., An error occurred while taking a snapshot: Failed to quiesce the virtual machine.)", vm)
	case x < 0.45:
		return fmt.Sprintf("Processing %s Error: Failed to create VM snapshot. Cannot complete operation due to concurrent modification by another operation.", vm)
	case x < 0.6:
		return fmt.Sprintf("Processing %s Error: Cannot connect to host %s. The operation has timed out.", vm, j.host)
	case x < 0.7:
		return fmt.Sprintf("Processing %s Error: The process cannot access the file because it is being used by another process. Backup file is locked by another task.", vm)
	case x < 0.8:
		return fmt.Sprintf("Processing %s Error: Backup proxy %s is unavailable.", vm, j.proxy)
	case x < 0.92:
		return fmt.Sprintf("Processing %s Error: NBD transport failed: the connection to %s was reset while reading datastore %s.", vm, j.host, j.datastore)
	default:
		return fmt.Sprintf("Processing %s Error: Task has been stopped by user.", vm)
	}
}

// scriptedReason is the default reason of a scripted episode: the quiescing
// error seen on a real v13 server, or a guest-processing warning.
func scriptedReason(res emcdp.Result, vm string) string {
	if res == emcdp.ResultWarning {
		return fmt.Sprintf("Processing %s Warning: VMware Tools are not installed or not running, guest processing skipped.", vm)
	}
	return fmt.Sprintf("Processing %s Error: An error occurred while quiescing the virtual machine. See the virtual machine's event log for details. (An error occurred while saving the snapshot: Failed to quiesce the virtual machine., An error occurred while taking a snapshot: Failed to quiesce the virtual machine.)", vm)
}

// reason words a copy problem on source VM v.
func (l *copyLink) reason(res emcdp.Result, v int, x float64) string {
	vm := l.src.vms[v].name
	if res == emcdp.ResultWarning {
		return fmt.Sprintf("Processing %s Warning: Restore point copy is taking longer than expected; the network to repository %s is slow.", vm, l.copy.repo.row.Name)
	}
	if x < 0.5 {
		return fmt.Sprintf("Processing %s Error: Failed to copy restore point: the connection to the target repository %s was lost.", vm, l.copy.repo.row.Name)
	}
	return fmt.Sprintf("Processing %s Error: Source backup file is locked by the backup job %s.", vm, l.src.row.Name)
}

// early reports whether a failure reason stops a task before it reads data
// (its TotalSize is then 0).
func early(reason string) bool {
	for _, s := range []string{"quiescing", "create VM snapshot", "Cannot connect", "is unavailable", "is locked", "locked by"} {
		if strings.Contains(reason, s) {
			return true
		}
	}
	return false
}
