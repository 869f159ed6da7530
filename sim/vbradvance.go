package sim

import (
	"context"
	"sort"
	"time"

	"github.com/emcdp/emcdp"
)

// vbrState is one server's regular VBR world at an instant: the generators
// of its jobs and what the store holds of its repositories.
type vbrState struct {
	vs   *vbrServer
	cfg  *Config
	gens []*jobGen // the jobs that run on their own (copies come from their sources), clones last
	at   time.Time // the instant the state reflects; zero: before anything
	free []int64   // per repository: the FreeSpace the store holds

	// The writes' job events (toggles, starts, retries, stops, clones) in
	// task order, the ScheduleEnabled the toggles left, and the rows of the
	// jobs the clones made.
	events  []jobEvent
	next    int
	enabled map[emcdp.ID]bool
	byJob   map[emcdp.ID]*jobGen
	clones  map[emcdp.ID]*emcdp.Job
}

// jobEvent is a write's world event on one job.
type jobEvent struct {
	job emcdp.ID
	ev  emcdp.WorldEvent
}

// newVBRState returns the server's world at start, to replay events (by
// job) on; clones are the rows of the jobs clone events made, by id.
func newVBRState(vs *vbrServer, cfg *Config, start time.Time, events map[emcdp.ID][]emcdp.WorldEvent,
	clones map[emcdp.ID]*emcdp.Job) *vbrState {
	s := &vbrState{vs: vs, cfg: cfg, enabled: map[emcdp.ID]bool{}, byJob: map[emcdp.ID]*jobGen{}, clones: clones}
	ids := make([]emcdp.ID, 0, len(vs.jobs))
	for _, j := range vs.jobs {
		ids = append(ids, j.row.ID)
	}
	for i := 0; i < len(ids); i++ { // ids grows by the clones, whose events follow
		for _, ev := range events[ids[i]] {
			switch ev.Kind {
			case "clone":
				if clones[ev.Session] == nil {
					continue
				}
				ids = append(ids, ev.Session)
				fallthrough
			case "toggle", "start", "retry", "stop":
				s.events = append(s.events, jobEvent{ids[i], ev})
			}
		}
	}
	sort.SliceStable(s.events, func(a, b int) bool { return s.events[a].ev.Task < s.events[b].ev.Task })
	for _, j := range vs.jobs {
		if j.row.JobType != emcdp.JobImmediateBackupCopy {
			g := newJobGen(j, cfg, start)
			s.gens = append(s.gens, g)
			s.byJob[j.row.ID] = g
		}
	}
	for _, rd := range vs.repos {
		s.free = append(s.free, rd.row.FreeSpace) // as the catalogue writes it
	}
	return s
}

// advance moves the server's jobs from s.at to t2, emitting every change:
// job and task sessions that started, moved on or ended (each as it reads at
// t2), then, when live, the jobs whose NextRun moved, and the repositories
// whose FreeSpace changed as restore points landed and retention removed
// old ones.
func (s *vbrState) advance(ctx context.Context, t2 time.Time, out *emitter, live bool) error {
	for s.next < len(s.events) && !s.events[s.next].ev.At.After(t2) {
		je := &s.events[s.next]
		if err := s.advanceTo(ctx, je.ev.At, out, live); err != nil {
			return err
		}
		s.apply(je, out)
		s.next++
	}
	return s.advanceTo(ctx, t2, out, live)
}

// apply applies one job event at its instant (actions.md §7.2).
func (s *vbrState) apply(je *jobEvent, out *emitter) {
	g := s.byJob[je.job]
	switch je.ev.Kind {
	case "toggle":
		if je.ev.Enabled != nil {
			s.enabled[je.job] = *je.ev.Enabled
			if g != nil {
				g.toggle(*je.ev.Enabled, je.ev.At)
			}
		}
	case "start", "retry":
		if g != nil {
			g.startManual(&je.ev, out)
		}
	case "stop":
		if g != nil {
			g.stopRun(&je.ev)
		}
	case "clone":
		s.addClone(g, s.clones[je.ev.Session], je.ev.At)
	}
}

// toggle turns the job's schedule off or on at at. A run is told from the
// schedule by its slot (a retry by its start), not by its start, which lags
// the slot by up to 90 s as VBR's launch does: a run whose slot came before
// the schedule went off still starts, and none whose slot passed while it
// was off does, even when its start falls after the toggle on.
func (g *jobGen) toggle(on bool, at time.Time) {
	if !on {
		g.off = at
		return
	}
	for g.next != nil && g.offDue() && !g.due().After(at) {
		g.drop()
	}
	g.off = time.Time{}
	g.schedule(at)
}

// due is when the next run is due: its slot, or the start of a retry or of
// a continuous job's run.
func (g *jobGen) due() time.Time {
	if g.next.retry || g.j.continuous {
		return g.next.start
	}
	return g.lastSlot // the slot of the run drawn last, which is next
}

// offDue reports whether the next run came due while the schedule was off.
func (g *jobGen) offDue() bool {
	return !g.off.IsZero() && g.due().After(g.off)
}

// jobAt is a job's row at t, with the schedule flag the writes left.
func (s *vbrState) jobAt(j *jobDef, t time.Time) emcdp.Job {
	row := j.jobAt(t)
	if on, ok := s.enabled[j.row.ID]; ok {
		row.ScheduleEnabled = on
		if !on {
			row.NextRun = time.Time{}
		}
	}
	return row
}

func (s *vbrState) advanceTo(ctx context.Context, t2 time.Time, out *emitter, live bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !s.at.IsZero() && !t2.After(s.at) {
		return nil
	}
	a := s.at
	for _, g := range s.gens {
		g.advance(a, t2, out)
		if err := out.maybeFlush(ctx); err != nil {
			return err
		}
	}
	if live {
		for _, g := range s.gens { // the others run on no schedule
			if j := g.j; !j.nextSlot(a).Equal(j.nextSlot(t2)) && out.take() {
				out.b.Jobs = append(out.b.Jobs, s.jobAt(j, t2))
			}
		}
	}
	for i, rd := range s.vs.repos {
		if rd.object {
			continue
		}
		if f := s.freeSpace(rd); f != s.free[i] {
			if out.take() {
				row := rd.row
				row.FreeSpace = f
				out.b.Repositories = append(out.b.Repositories, row)
			}
			s.free[i] = f
		}
	}
	s.at = t2
	return out.maybeFlush(ctx)
}

// freeSpace is Capacity − other use − the restore points the chains on rd
// hold, within 0…Capacity.
func (s *vbrState) freeSpace(rd *repoDef) int64 {
	used := rd.other
	for _, g := range s.gens {
		if g.j.repo == rd {
			used += g.used
		}
		for _, l := range g.links {
			if l.copy.repo == rd {
				used += l.used
			}
		}
	}
	return max(0, rd.row.Capacity-used)
}

// advance emits the changes of the job's runs between a and t2: first the
// runs open at a, then the runs that start by t2 in start order. Restore
// points land in their chains when their tasks end.
func (g *jobGen) advance(a, t2 time.Time, out *emitter) {
	keep := g.open[:0]
	for _, run := range g.open {
		g.emit(run, a, t2, out)
		if run.end.After(t2) {
			keep = append(keep, run)
		}
	}
	clear(g.open[len(keep):])
	g.open = keep
	for {
		var run *vrun
		switch {
		case g.next != nil && !g.next.start.After(t2) && (len(g.pending) == 0 || !g.pending[0].start.Before(g.next.start)):
			if g.busy(g.next.start) || g.offDue() {
				g.drop()
				continue
			}
			run = g.next
			g.next = g.draw(run)
			g.last = run
		case len(g.pending) > 0 && !g.pending[0].start.After(t2):
			run = g.pending[0]
			g.pending[0] = nil
			g.pending = g.pending[1:]
		default:
			return
		}
		g.emit(run, a, t2, out)
		if run.end.After(t2) {
			g.open = append(g.open, run)
		}
	}
}

// sessView is what a job session shows at an instant.
type sessView struct{ phase, progress int }

// Phases of sessions and tasks as they read at an instant.
const (
	phaseNone     = iota // not started yet
	phaseStarting        // session Starting, task Pending
	phaseWorking         // session Working, task InProgress
	phaseEnded
)

func (run *vrun) view(t time.Time) sessView {
	switch {
	case t.Before(run.start):
		return sessView{phaseNone, 0}
	case t.Before(run.working):
		return sessView{phaseStarting, 0}
	case t.Before(run.end):
		if run.link != nil {
			return sessView{phaseWorking, 0} // copy sessions do not report progress
		}
		done := 0
		for i := range run.tasks {
			if !t.Before(run.tasks[i].end) {
				done++
			}
		}
		return sessView{phaseWorking, done * 100 / len(run.tasks)}
	}
	return sessView{phaseEnded, 0}
}

func (t *vtask) view(at time.Time) int {
	switch {
	case at.Before(t.created):
		return phaseNone
	case at.Before(t.work):
		return phaseStarting
	case at.Before(t.end):
		return phaseWorking
	}
	return phaseEnded
}

// emit writes what changed in run between a and t2 and lands the restore
// points of the tasks that ended.
func (g *jobGen) emit(run *vrun, a, t2 time.Time, out *emitter) {
	va, vb := run.view(a), run.view(t2)
	if va != vb && out.take() {
		row := g.sessionRow(run, vb)
		if va.phase == phaseNone {
			out.b.NewJobSessions = append(out.b.NewJobSessions, row)
			if makesPoints(run.job) {
				out.b.Backups = append(out.b.Backups, backupRow(run.job))
			}
		} else {
			out.b.UpdJobSessions = append(out.b.UpdJobSessions, row)
		}
	}
	for i := range run.tasks {
		t := &run.tasks[i]
		ta, tb := t.view(a), t.view(t2)
		if ta != tb && out.take() {
			row := g.taskRow(run, t, tb)
			if ta == phaseNone {
				out.b.NewJobTaskSessions = append(out.b.NewJobTaskSessions, row)
			} else {
				out.b.UpdJobTaskSessions = append(out.b.UpdJobTaskSessions, row)
			}
		}
		if t.point > 0 && ta != phaseEnded && tb == phaseEnded {
			p := point{size: t.point, full: t.full, task: t.id}
			var c *chain
			var dropped []point
			if l := run.link; l != nil {
				c = &l.chains[t.vm]
				first := len(c.points) == 0
				l.used -= c.used
				dropped = c.add(p, l.copy.cycles, true, nil)
				l.used += c.used
				g.landPoint(run, t, first, dropped, out)
			} else {
				c = &g.chains[t.vm]
				first := len(c.points) == 0
				g.used -= c.used
				dropped = c.add(p, g.j.cycles, g.j.noFull, nil)
				g.used += c.used
				g.landPoint(run, t, first, dropped, out)
			}
		}
	}
}

// landPoint writes the rows of the restore point task t left and retires
// the points its chain dropped.
func (g *jobGen) landPoint(run *vrun, t *vtask, first bool, dropped []point, out *emitter) {
	if !makesPoints(run.job) {
		return
	}
	if out.take() {
		pointRows(&out.b, run, t, g.j.vms[t.vm], first)
	}
	if len(dropped) > 0 && out.take() {
		retire(&out.b, dropped)
	}
}

// sessionRow is a run's job session as it reads in view v.
func (g *jobGen) sessionRow(run *vrun, v sessView) emcdp.JobSession {
	j := run.job
	row := emcdp.JobSession{ID: run.id, Name: run.name(j.row.Name, run.start), JobID: j.row.ID,
		JobName: j.row.Name, JobType: j.row.JobType, BackupServerID: j.row.BackupServerID,
		BackupServerName: j.row.BackupServerName, CreationTime: run.start, State: emcdp.SessionStarting,
		Result: emcdp.ResultNone, Progress: v.progress, IsRetry: run.retry}
	switch v.phase {
	case phaseWorking:
		row.State = emcdp.SessionWorking
	case phaseEnded:
		row.State, row.EndTime, row.Result = emcdp.SessionStopped, run.end, run.result
		if run.link == nil {
			row.Progress = 100
		}
	}
	return row
}

// name is the name of a session or task of the run: as a write names the
// ones it starts (with microseconds, monitoring.md G9) for a manual run.
func (run *vrun) name(owner string, t time.Time) string {
	if run.manual {
		return emcdp.JobSessionName(owner, t)
	}
	return emcdp.SessionName(owner, t)
}

// taskRow is a task session as it reads in phase ph.
func (g *jobGen) taskRow(run *vrun, t *vtask, ph int) emcdp.JobTaskSession {
	j := run.job
	vm := g.j.vms[t.vm] // a copy's tasks are of the source job's VMs
	row := emcdp.JobTaskSession{ID: t.id, Name: run.name(vm.name, t.created), JobSessionID: run.id,
		JobSessionName: run.name(j.row.Name, run.start), JobID: j.row.ID, JobName: j.row.Name,
		JobType: j.row.JobType, BackupServerID: j.row.BackupServerID, BackupServerName: j.row.BackupServerName,
		VmDisplayName: vm.name, VmUID: vm.ref, CreationTime: t.created, State: emcdp.TaskPending,
		Result: emcdp.ResultSuccess, TotalSize: t.size}
	if j.row.JobType == emcdp.JobReplica {
		row.VmUID = ""
	}
	switch ph {
	case phaseWorking:
		row.State = emcdp.TaskInProgress
	case phaseEnded:
		row.State, row.EndTime, row.Result, row.Reason = emcdp.TaskCompleted, t.end, t.result, t.reason
		if t.point > 0 && makesPoints(j) {
			row.VmRestorePointID, row.VmRestorePointName, _ = vmPoint(t, vm)
		}
	}
	return row
}
