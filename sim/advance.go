package sim

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/emcdp/emcdp"
)

// emitter collects rows into batches and hands each full batch to flush. It
// counts the rows of the current unit (policy) in their deterministic order,
// so that an interrupted run can skip what was already written.
type emitter struct {
	b        emcdp.Batch
	n        int // rows in b
	size     int
	flush    func(ctx context.Context, b *emcdp.Batch) error
	discard  bool // count nothing, write nothing: fast-forwarding state
	skip     int  // rows of the current unit still to be skipped
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
	e.b = emcdp.Batch{}
	e.n = 0
	return nil
}

// sessionState is the policy session of the current 24-hour window.
type sessionState struct {
	j       int64 // window index: the session starts at first + j days
	valid   bool  // id drawn
	stored  bool  // already written as running
	id      emcdp.ID
	worst   emcdp.Result
	failure string
}

// policyState is one policy's share of the world at an instant: its session
// window and its VMs' generators.
type policyState struct {
	p   *policyDef
	r   *rand.Rand // policy session ids
	vms []*vmGen
	at  time.Time // the instant the state reflects; zero: before anything
	cur sessionState
	buf []openTask
}

func newPolicyState(p *policyDef, cfg Config) *policyState {
	ps := &policyState{p: p, r: newRand(p.seed, 1)}
	for _, v := range p.vms {
		ps.vms = append(ps.vms, newVMGen(v, p, cfg))
	}
	return ps
}

// advance moves the policy from ps.at to t2, emitting every change: task
// sessions that ended, new task and policy sessions (as they read at t2),
// policy sessions that ended, and, when live, the policy row whose NextRun
// moved. A task session belongs to the policy session running when it
// starts; a policy session's result is the worst result of its tasks.
func (ps *policyState) advance(ctx context.Context, t2 time.Time, out *emitter, live bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !ps.at.IsZero() && !t2.After(ps.at) {
		return nil
	}
	for _, g := range ps.vms {
		if g.hasOpen && !g.open.t.end.After(t2) {
			if out.take() {
				out.b.UpdTaskSessions = append(out.b.UpdTaskSessions, ps.taskRow(&g.open, t2))
			}
			g.hasOpen = false
		}
	}
	started := false
	for {
		s := ps.p.first.Add(time.Duration(ps.cur.j) * day)
		if s.After(t2) {
			break
		}
		e := s.Add(day)
		if !ps.cur.valid {
			ps.cur = sessionState{j: ps.cur.j, valid: true, id: newID(ps.r), worst: emcdp.ResultSuccess}
		}
		ps.buf = ps.buf[:0]
		for _, g := range ps.vms {
			for {
				t := g.peek()
				if !t.start.Before(e) || t.start.After(t2) {
					break
				}
				tk := g.pop()
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
			out.b.CdpPolicies = append(out.b.CdpPolicies, ps.p.policyAt(t2))
		}
	}
	ps.at = t2
	return out.maybeFlush(ctx)
}

// sessionRow is the current policy session as it reads when it started at s,
// ended or still running.
func (ps *policyState) sessionRow(s time.Time, ended bool) emcdp.PolicySession {
	p := &ps.p.pol
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
	p := &ps.p.pol
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
