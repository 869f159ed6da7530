package sim

import (
	"context"
	"hash/fnv"
	"math/rand/v2"
	"time"

	"github.com/emcdp/emcdp"
)

// emitter collects rows into batches and hands each full batch to flush. It
// counts the rows of the current unit (policy) in their deterministic order,
// so that an interrupted run can skip what was already written.
type emitter struct {
	b    emcdp.Batch
	n    int // rows in b
	size int
	// flush writes a full batch. When it returns, the batch it was given
	// the time before is no longer used, so its slices' memory takes the
	// next rows: a bulk batch of 50,000 rows grown anew each time cost a
	// tenth of a seed's CPU in copying, zeroing and faulting in fresh pages.
	flush    func(ctx context.Context, b *emcdp.Batch) error
	spare    emcdp.Batch // the batch flushed before the last one
	discard  bool        // count nothing, write nothing: fast-forwarding state
	skip     int         // rows of the current unit still to be skipped
	unit     int
	unitRows int // rows of the current unit emitted so far, skipped ones included
	tasks    int // task sessions inserted
}

// take counts one row and reports whether it is to be written.
func (e *emitter) take() bool {
	if e.discard {
		return false
	}
	e.unitRows++
	if e.skip > 0 {
		e.skip--
		return false
	}
	e.n++
	return true
}

// maybeFlush writes the batch when it is full.
func (e *emitter) maybeFlush(ctx context.Context) error {
	if e.discard || e.n < e.size {
		return nil
	}
	return e.flushNow(ctx)
}

// flushNow writes the batch (even an empty one, for its Meta) and starts a new one.
func (e *emitter) flushNow(ctx context.Context) error {
	if err := e.flush(ctx, &e.b); err != nil {
		return err
	}
	e.tasks += len(e.b.NewTaskSessions) + len(e.b.NewJobTaskSessions)
	e.b, e.spare = emptied(&e.spare), e.b
	e.n = 0
	return nil
}

// emptied returns a batch without rows that reuses the memory of b's row
// slices. The old rows are cleared, so that what they point to can go.
func emptied(b *emcdp.Batch) emcdp.Batch {
	return emcdp.Batch{
		BackupServers: empty(b.BackupServers), CdpPolicies: empty(b.CdpPolicies),
		NewPolicySessions: empty(b.NewPolicySessions), UpdPolicySessions: empty(b.UpdPolicySessions),
		NewTaskSessions: empty(b.NewTaskSessions), UpdTaskSessions: empty(b.UpdTaskSessions),
		Repositories: empty(b.Repositories), Jobs: empty(b.Jobs), ProtectionGroups: empty(b.ProtectionGroups),
		DiscoveredComputers: empty(b.DiscoveredComputers), NasJobs: empty(b.NasJobs),
		NewJobSessions: empty(b.NewJobSessions), UpdJobSessions: empty(b.UpdJobSessions),
		NewJobTaskSessions: empty(b.NewJobTaskSessions), UpdJobTaskSessions: empty(b.UpdJobTaskSessions),
		Backups: empty(b.Backups), BackupFiles: empty(b.BackupFiles), RestorePoints: empty(b.RestorePoints),
		VmRestorePoints: empty(b.VmRestorePoints), Retired: empty(b.Retired), FinishTasks: empty(b.FinishTasks),
	}
}

// empty clears s and returns it with no elements and its capacity.
func empty[T any](s []T) []T {
	clear(s)
	return s[:0]
}

// sessionState is the policy session of the current 24-hour window.
type sessionState struct {
	j       int64 // window index: the session starts at anchor + j days
	valid   bool  // id drawn
	stored  bool  // already written as running
	id      emcdp.ID
	worst   emcdp.Result
	failure string
	ended   emcdp.Result // the worst result of its tasks that ended so far
	// endedFailure is the failure message of the first of them that failed
	endedFailure string
}

// end counts a task of the session that ended.
func (c *sessionState) end(o *openTask) {
	c.ended = c.ended.Worse(o.t.result)
	if o.t.result == emcdp.ResultFailed && c.endedFailure == "" {
		c.endedFailure = o.g.v.name + ": " + o.t.reason
	}
}

// policyState is one policy's share of the world at an instant: its session
// window and its VMs' generators.
type policyState struct {
	p   *policyDef
	cfg Config
	r   *rand.Rand // policy session ids
	vms []*vmGen
	at  time.Time // the instant the state reflects; zero: before anything
	cur sessionState
	buf []openTask

	// The writes' effects (world events, applied in order at their instants):
	// the policy row they left, whether it is disabled, and the start of
	// its session windows since the last enable (zero: p.first).
	events   []emcdp.WorldEvent
	next     int // the next event to apply
	pol      emcdp.CdpPolicy
	disabled bool
	anchor   time.Time
	// rules judge the lag of task sessions once a write changed the
	// RPO or RPO reporting (judge.go); nil: the drawn verdicts stand.
	rules *rpoRules
}

func newPolicyState(p *policyDef, cfg Config, events []emcdp.WorldEvent) *policyState {
	ps := &policyState{p: p, cfg: cfg, r: newRand(p.seed, 1), events: events, pol: p.pol, anchor: p.first}
	for _, v := range p.vms {
		ps.vms = append(ps.vms, newVMGen(v, p, cfg))
	}
	return ps
}

// advance moves the policy to t2 as advanceTo does, applying on the way
// every world event due by then.
func (ps *policyState) advance(ctx context.Context, t2 time.Time, out *emitter, live bool) error {
	for ps.next < len(ps.events) && !ps.events[ps.next].At.After(t2) {
		ev := &ps.events[ps.next]
		if err := ps.advanceTo(ctx, ev.At, out, live); err != nil {
			return err
		}
		ps.apply(ev, out)
		ps.next++
	}
	return ps.advanceTo(ctx, t2, out, live)
}

// advance moves the policy from ps.at to t2, emitting every change: task
// sessions that ended, new task and policy sessions (as they read at t2),
// policy sessions that ended, and, when live, the policy row whose NextRun
// moved. A task session belongs to the policy session running when it
// starts; a policy session's result is the worst result of its tasks.
func (ps *policyState) advanceTo(ctx context.Context, t2 time.Time, out *emitter, live bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !ps.at.IsZero() && !t2.After(ps.at) {
		return nil
	}
	if ps.disabled {
		// nothing runs: the VMs' sessions that would have started are dropped
		for _, g := range ps.vms {
			for !g.peek().start.After(t2) {
				g.pop()
			}
		}
		ps.at = t2
		return nil
	}
	for _, g := range ps.vms {
		if g.hasOpen && !g.open.t.end.After(t2) {
			if out.take() {
				out.b.UpdTaskSessions = append(out.b.UpdTaskSessions, ps.taskRow(&g.open, t2))
			}
			if g.open.sessID == ps.cur.id {
				ps.cur.end(&g.open)
			}
			g.hasOpen = false
		}
	}
	started := false
	for {
		s := ps.anchor.Add(time.Duration(ps.cur.j) * day)
		if s.After(t2) {
			break
		}
		e := s.Add(day)
		if !ps.cur.valid {
			ps.cur = sessionState{j: ps.cur.j, valid: true, id: newID(ps.r), worst: emcdp.ResultSuccess, ended: emcdp.ResultSuccess}
		}
		ps.buf = ps.buf[:0]
		for _, g := range ps.vms {
			for {
				t := g.peek()
				if !t.start.Before(e) || t.start.After(t2) {
					break
				}
				tk := g.pop()
				ps.judge(&tk)
				ps.cur.worst = ps.cur.worst.Worse(tk.result)
				if tk.result == emcdp.ResultFailed && ps.cur.failure == "" {
					ps.cur.failure = g.v.name + ": " + tk.reason
				}
				ps.buf = append(ps.buf, openTask{t: tk, sessID: ps.cur.id, sessStart: s, g: g})
			}
		}
		ended := !e.After(t2)
		if !ps.cur.stored || ended {
			if out.take() {
				row := ps.sessionRow(s, ended)
				if ps.cur.stored {
					out.b.UpdPolicySessions = append(out.b.UpdPolicySessions, row)
				} else {
					out.b.NewPolicySessions = append(out.b.NewPolicySessions, row)
				}
			}
			if !ps.cur.stored {
				started = true
			}
			ps.cur.stored = true
		}
		for i := range ps.buf {
			o := &ps.buf[i]
			if out.take() {
				out.b.NewTaskSessions = append(out.b.NewTaskSessions, ps.taskRow(o, t2))
			}
			if o.t.end.After(t2) {
				o.g.open, o.g.hasOpen = *o, true
			} else {
				ps.cur.end(o)
			}
		}
		if err := out.maybeFlush(ctx); err != nil {
			return err
		}
		if !ended {
			break
		}
		ps.cur = sessionState{j: ps.cur.j + 1}
	}
	if live && started {
		if out.take() {
			out.b.CdpPolicies = append(out.b.CdpPolicies, ps.policyAt(t2))
		}
	}
	ps.at = t2
	return out.maybeFlush(ctx)
}

// policyAt is the policy row at t: as the catalogue or the last write left
// it, NextRun the next session start (absent while disabled).
func (ps *policyState) policyAt(t time.Time) emcdp.CdpPolicy {
	pol := ps.pol
	pol.Includes = append([]emcdp.ObjectInJob(nil), ps.pol.Includes...)
	pol.NextRun = time.Time{}
	if !ps.disabled {
		if t.Before(ps.anchor) {
			pol.NextRun = ps.anchor
		} else {
			pol.NextRun = ps.anchor.Add(time.Duration(int64(t.Sub(ps.anchor)/day)+1) * day)
		}
	}
	return pol
}

// apply applies one world event at its instant (actions.md §7.1). The
// write already stored what changed at that instant; the simulator writes
// the same rows again only where it is ahead of the store (idempotent
// updates), and from then on runs the policy as the event left it.
func (ps *policyState) apply(ev *emcdp.WorldEvent, out *emitter) {
	if ev.Policy != nil {
		ps.pol = *ev.Policy
		cur := rulesOf(&ps.p.pol.Options)
		if ps.rules != nil {
			cur = *ps.rules
		}
		if r := rulesOf(&ps.pol.Options); r != cur {
			ps.rules = &r
			ps.rejudge(ev.At)
		}
	}
	switch ev.Kind {
	case "disable":
		ps.endAll(ev.At, out, "")
		ps.disabled = true
	case "enable":
		ps.disabled = false
		ps.anchor = ev.At
		ps.cur = sessionState{valid: true, stored: true, id: ev.Session, worst: emcdp.ResultSuccess, ended: emcdp.ResultSuccess}
		for _, g := range ps.vms {
			ps.adopt(g, ev, out)
		}
	case "include":
		v := &vmDef{name: ev.VM, busy: 1, firstStart: ev.At, seed: nameSeed(ev.VM)}
		for _, o := range ps.pol.Includes {
			if o.DisplayName == ev.VM {
				v.size = o.TotalSize
			}
		}
		if len(ps.p.vms) > 0 {
			f := ps.p.vms[0]
			v.proxy, v.host, v.datastore = f.proxy, f.host, f.datastore
		}
		g := newVMGen(v, ps.p, ps.cfg)
		ps.vms = append(ps.vms, g)
		if !ps.disabled && ps.cur.valid && ps.cur.stored {
			ps.adopt(g, ev, out)
		}
	case "exclude":
		ps.endAll(ev.At, out, ev.VM)
		for i, g := range ps.vms {
			if g.v.name == ev.VM {
				ps.vms = append(ps.vms[:i:i], ps.vms[i+1:]...)
				break
			}
		}
	}
	ps.at = ev.At
}

// endAll ends at t the open task sessions (only vm's when vm is set) and,
// for a disable, the running policy session.
func (ps *policyState) endAll(t time.Time, out *emitter, vm string) {
	for _, g := range ps.vms {
		if !g.hasOpen || vm != "" && g.v.name != vm {
			continue
		}
		g.open.t.end, g.open.t.result, g.open.t.reason = t, emcdp.ResultSuccess, ""
		if out.take() {
			out.b.UpdTaskSessions = append(out.b.UpdTaskSessions, ps.taskRow(&g.open, t))
		}
		g.hasOpen = false
	}
	if vm != "" {
		return
	}
	if ps.cur.valid && ps.cur.stored && out.take() {
		p := &ps.pol
		row := emcdp.PolicySession{ID: ps.cur.id, Name: emcdp.SessionName(p.Name, ps.anchor.Add(time.Duration(ps.cur.j)*day)),
			PolicyID: p.ID, PolicyName: p.Name, BackupServerID: p.BackupServerID, BackupServerName: p.BackupServerName,
			CreationTime: ps.anchor.Add(time.Duration(ps.cur.j) * day), EndTime: t, State: emcdp.SessionStopped,
			Result: ps.cur.ended, Progress: 100}
		if row.Result == emcdp.ResultFailed {
			row.FailureMessage = ps.cur.failure
		}
		out.b.UpdPolicySessions = append(out.b.UpdPolicySessions, row)
	}
	ps.cur = sessionState{}
}

// adopt restarts a VM's sessions at the event's instant: its first one is
// the task session the write started (ev.Tasks), or a new one.
func (ps *policyState) adopt(g *vmGen, ev *emcdp.WorldEvent, out *emitter) {
	g.next, g.point, g.peeked, g.hasOpen = ev.At, ev.At.Add(g.lt), false, false
	tk := g.pop()
	ps.judge(&tk)
	o := openTask{t: tk, sessID: ps.cur.id, sessStart: ps.anchor.Add(time.Duration(ps.cur.j) * day), g: g}
	if id, ok := ev.Tasks[g.v.name]; ok {
		o.t.id = id
	} else if out.take() {
		out.b.NewTaskSessions = append(out.b.NewTaskSessions, ps.taskRow(&o, ev.At))
	}
	g.open, g.hasOpen = o, true
}

// sessionRow is the current policy session as it reads when it started at s,
// ended or still running.
func (ps *policyState) sessionRow(s time.Time, ended bool) emcdp.PolicySession {
	p := &ps.pol
	row := emcdp.PolicySession{
		ID: ps.cur.id, Name: emcdp.SessionName(p.Name, s),
		PolicyID: p.ID, PolicyName: p.Name, BackupServerID: p.BackupServerID, BackupServerName: p.BackupServerName,
		CreationTime: s, State: emcdp.SessionWorking, Result: emcdp.ResultNone,
	}
	if ended {
		row.EndTime = s.Add(day)
		row.State = emcdp.SessionStopped
		row.Result = ps.cur.worst
		row.Progress = 100
		if row.Result == emcdp.ResultFailed {
			row.FailureMessage = ps.cur.failure
		}
	}
	return row
}

// taskRow is a task session as it reads at instant at.
func (ps *policyState) taskRow(o *openTask, at time.Time) emcdp.TaskSession {
	p := &ps.pol
	row := emcdp.TaskSession{
		ID: o.t.id, Name: emcdp.SessionName(o.g.v.name, o.t.start),
		PolicySessionID: o.sessID, PolicySessionName: emcdp.SessionName(p.Name, o.sessStart),
		PolicyID: p.ID, BackupServerID: p.BackupServerID, BackupServerName: p.BackupServerName,
		VmDisplayName: o.g.v.name, CreationTime: o.t.start,
		State: emcdp.TaskInProgress, Result: emcdp.ResultSuccess, TotalSize: o.g.v.size,
	}
	if !o.t.end.After(at) {
		row.EndTime = o.t.end
		row.State = emcdp.TaskCompleted
		row.Result = o.t.result
		if o.t.result != emcdp.ResultSuccess {
			row.Reason = o.t.reason
		}
	}
	return row
}

// nameSeed is the generator seed of a VM added by a write: a hash of its
// name, the same on every run.
func nameSeed(name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64()
}
