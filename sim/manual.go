package sim

import (
	"math/rand/v2"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/action"
)

// The job runs the writes start, retry and stop (actions.md §7.2). A write
// stores the session it starts (Working, its tasks Pending) at its instant
// and records a world event; replaying the event, the simulator carries the
// run on like a scheduled one: the tasks wait for free slots, work, end with
// results drawn by the episode rules, and leave restore points. Each manual
// run draws from its own stream, seeded by the job and the task number, so
// the job's scheduled runs stay as they were drawn; what changes is only
// what the actions change: scheduled starts that fall during a manual run
// are skipped, a manual retry replaces a pending automatic one, and a
// stopped run is cut short and not retried.

// manualStream is the first random stream of the manual runs: the run of
// task n draws from stream manualStream+n of the job's seed.
const manualStream = 1 << 32

// startManual begins the run a start or retry event started, with the
// session and task ids the write stored. A run of no known VM (the job's
// VMs changed since) is left as the write stored it.
func (g *jobGen) startManual(ev *emcdp.WorldEvent, out *emitter) {
	var vms []int
	for i, vm := range g.j.vms {
		if _, ok := ev.Tasks[vm.name]; ok {
			vms = append(vms, i)
		}
	}
	if ev.Session.IsZero() || len(vms) == 0 {
		return
	}
	r := newRand(g.j.seed, manualStream+uint64(ev.Task))
	run := &vrun{id: ev.Session, job: g.j, start: us(ev.At), retry: ev.Kind == "retry", manual: true}
	g.plan(r, run, vms, g.manualOutcomes(r, run.start, vms), false)
	// the write stored the session Working and every task Pending at once
	run.working = run.start
	for i := range run.tasks {
		t := &run.tasks[i]
		t.id, t.created = ev.Tasks[g.j.vms[t.vm].name], run.start
	}
	if run.retry && g.next != nil && g.next.retry {
		g.drop() // the manual retry replaces the automatic one
	}
	g.open = append(g.open, run)
	g.manual = run
	if makesPoints(g.j) && out.take() {
		out.b.Backups = append(out.b.Backups, backupRow(g.j))
	}
}

// manualOutcomes decides how each VM of a manual run ends: scripted
// episodes first; else a VM whose random episode spans the run (it had the
// same problem in the last run before it and has it in the next one) has it
// again; else, as a healthy scheduled run may, the run begins an episode of
// its own.
func (g *jobGen) manualOutcomes(r *rand.Rand, start time.Time, vms []int) []outcome {
	out := make([]outcome, len(vms))
	for i := range out {
		out[i].result = emcdp.ResultSuccess
	}
	if g.scripted(start, vms, out) {
		return out
	}
	broken := map[int]outcome{}
	if g.last != nil && g.next != nil {
		before := map[int]*vtask{}
		for i := range g.last.tasks {
			before[g.last.tasks[i].vm] = &g.last.tasks[i]
		}
		for _, t := range g.next.tasks {
			if p := before[t.vm]; p != nil && t.result != emcdp.ResultSuccess && p.result == t.result && p.reason == t.reason {
				broken[t.vm] = outcome{t.result, t.reason}
			}
		}
	}
	if len(broken) == 0 && g.epStart > 0 && r.Float64() < g.epStart {
		var ep episode
		g.beginEpisode(&ep, r, g.warn, len(g.j.vms), g.reason)
		for v, reason := range ep.vms {
			broken[v] = outcome{ep.result, reason}
		}
	}
	for i, v := range vms {
		if o, ok := broken[v]; ok {
			out[i] = o
		}
	}
	return out
}

// stopRun ends the run a stop event stopped, as the write stored it: the
// tasks that ran end Failed at its instant and leave no restore point, the
// ones not started yet never start, and the run is not retried.
func (g *jobGen) stopRun(ev *emcdp.WorldEvent) {
	at := us(ev.At)
	for _, run := range g.open {
		if run.id != ev.Session {
			continue
		}
		kept := run.tasks[:0]
		for _, t := range run.tasks {
			if t.created.After(ev.At) {
				continue
			}
			if t.end.After(ev.At) {
				t.end, t.result, t.reason, t.point, t.full = at, emcdp.ResultFailed, action.StoppedReason, 0, false
			}
			kept = append(kept, t)
		}
		run.tasks, run.end, run.result = kept, at, emcdp.ResultFailed
		if run == g.last && g.next != nil && g.next.retry {
			g.drop()
		}
		g.unpend(run)
		return
	}
}

// busy reports whether a manual run is going at t: a scheduled start then
// is skipped (vbr-domain.md §3).
func (g *jobGen) busy(t time.Time) bool {
	return g.manual != nil && !t.Before(g.manual.start) && t.Before(g.manual.end)
}

// drop discards the next run: it never starts, is not retried, and the
// copies drawn of it are not made.
func (g *jobGen) drop() {
	run := g.next
	if run == nil {
		return
	}
	g.retries = g.j.retryTimes
	g.next = g.draw(run)
	g.unpend(run)
}

// unpend removes the copies of src not started yet.
func (g *jobGen) unpend(src *vrun) {
	kept := g.pending[:0]
	for _, c := range g.pending {
		if c.src != src {
			kept = append(kept, c)
		}
	}
	clear(g.pending[len(kept):])
	g.pending = kept
}
