package sim

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/emcdp/emcdp"
)

// task is one task session as the generator decides it: its whole life,
// including how it will end, is fixed when it is drawn.
type task struct {
	id     emcdp.ID
	start  time.Time
	end    time.Time
	result emcdp.Result
	reason string
	lag    time.Duration // peak lag (judge.go); 0: the verdict is not about lag
}

// Episode shape: warning episodes last 2 task sessions on average (a disk
// resize only one), failure episodes 3, so that a broken VM fails several
// sessions in a row.
const (
	warnEpisodeMean = 2.0
	failEpisodeMean = 3.0
	diskResizeShare = 0.1
	// meanWarnLen is the mean length of a warning episode, disk resizes included.
	meanWarnLen = (1-diskResizeShare)*warnEpisodeMean + diskResizeShare*1
	// restartAfterProblem is the chance that a session hit by a proxy or host
	// problem is cut short and replication restarts.
	restartAfterProblem = 0.4
	// minRun is the shortest span a task session runs towards the next
	// long-term restore point; closer points are skipped.
	minRun = 10 * time.Minute
)

// episodeRates turns the configured result rates into the chance per task
// session that an episode begins and the share of warning episodes, so that
// in the long run the shares of Warning and Failed sessions match the rates.
// With e = chance per healthy session, the share of sessions inside episodes
// is e·L / (1 + e·L), L the mean episode length.
func episodeRates(warn, fail float64) (start, warnShare float64) {
	if warn+fail <= 0 {
		return 0, 0
	}
	w, f := warn/meanWarnLen, fail/failEpisodeMean
	warnShare = w / (w + f)
	meanLen := warnShare*meanWarnLen + (1-warnShare)*failEpisodeMean
	start = (warn + fail) / (1 - warn - fail) / meanLen
	return start, warnShare
}

// vmGen yields one VM's task sessions in order. Each session runs until the
// next long-term restore point; the next one starts about a second later.
// Problems come in episodes; scripted episodes take precedence.
type vmGen struct {
	v           *vmDef
	s           PolicySettings // the policy's own, which the drawn verdicts follow
	r           *rand.Rand
	lt          time.Duration // long-term restore point interval
	next        time.Time     // start of the next session
	point       time.Time     // the next long-term restore point
	epStart     float64       // chance per healthy session that an episode begins
	warnShare   float64
	restartRate float64
	failReason  string
	warnReason  string

	epLeft    int // sessions left in the current episode
	epResult  emcdp.Result
	epReason  string
	epRestart bool

	peeked bool
	pk     task

	// open is the session that was running at the last instant advanced
	// to; it is written again when it ends.
	open    openTask
	hasOpen bool
}

// openTask is a drawn session with its parent policy session.
type openTask struct {
	t         task
	sessID    emcdp.ID
	sessStart time.Time
	g         *vmGen
}

func newVMGen(v *vmDef, p *policyDef, cfg Config) *vmGen {
	g := &vmGen{
		v:           v,
		s:           p.settings,
		r:           newRand(v.seed, 2),
		lt:          time.Duration(p.settings.LongTermRetentionHours) * time.Hour,
		next:        v.firstStart,
		restartRate: cfg.RestartRate,
		failReason:  rpoReason(p.settings, emcdp.ResultFailed),
		warnReason:  rpoReason(p.settings, emcdp.ResultWarning),
	}
	g.point = v.firstStart.Add(g.lt)
	g.epStart, g.warnShare = episodeRates(cfg.WarningRate, cfg.FailureRate)
	g.epStart = min(0.9, g.epStart*v.busy)
	if cfg.NoRandomEpisodes {
		g.epStart = 0
	}
	return g
}

// peek returns the next session without consuming it.
func (g *vmGen) peek() *task {
	if !g.peeked {
		g.pk = g.draw()
		g.peeked = true
	}
	return &g.pk
}

// pop consumes the next session.
func (g *vmGen) pop() task {
	t := *g.peek()
	g.peeked = false
	return t
}

// gap is the pause between one session's end and the next one's start.
func (g *vmGen) gap() time.Duration {
	return 50*time.Millisecond + time.Duration(g.r.Int64N(int64(1150*time.Millisecond)))
}

// draw decides the next session.
func (g *vmGen) draw() task {
	s := g.next
	t := task{id: newID(g.r), start: s}
	for !g.point.After(s.Add(minRun)) {
		g.point = g.point.Add(g.lt)
	}
	planned := emcdp.Ticks(g.point.Add(100*time.Millisecond + time.Duration(g.r.Int64N(int64(2900*time.Millisecond)))))
	if from, to, ep, ok := g.v.nextScripted(s); ok && from.Before(planned) {
		if !from.After(s.Add(2 * time.Second)) {
			// the scripted episode is on: this session is it
			t.end, t.result, t.reason = to, ep.Result, ep.Reason
			if !t.end.After(s) {
				t.end = s.Add(time.Second)
			}
			g.next = emcdp.Ticks(t.end.Add(g.gap()))
			return t
		}
		// the session ends just before the episode begins
		t.result, t.reason, _ = g.outcome()
		setLag(&t, g.s, g.warnReason, g.failReason)
		t.end = emcdp.Ticks(from.Add(-g.gap()))
		g.next = from
		return t
	}
	var restart bool
	t.result, t.reason, restart = g.outcome()
	setLag(&t, g.s, g.warnReason, g.failReason)
	t.end = planned
	if span := planned.Sub(s); restart && span > 2*minRun {
		t.end = emcdp.Ticks(s.Add(5*time.Minute + time.Duration(g.r.Int64N(int64(span*8/10-5*time.Minute)))))
	}
	g.next = emcdp.Ticks(t.end.Add(g.gap()))
	return t
}

// outcome decides how a session ends and whether replication restarts early.
func (g *vmGen) outcome() (emcdp.Result, string, bool) {
	if g.epLeft > 0 {
		g.epLeft--
		return g.epResult, g.epReason, g.epRestart && g.r.Float64() < restartAfterProblem
	}
	if g.epStart > 0 && g.r.Float64() < g.epStart {
		x := g.r.Float64()
		g.epRestart = false
		mean := failEpisodeMean
		if g.r.Float64() < g.warnShare {
			g.epResult, mean = emcdp.ResultWarning, warnEpisodeMean
			switch {
			case x < diskResizeShare:
				// a disk resize restarts replication once; it is over then
				return emcdp.ResultWarning, "Disk resize detected, replication restarted", true
			case x < 0.6:
				g.epReason = g.warnReason
			case x < 0.85:
				g.epReason = fmt.Sprintf("Target datastore %s is running out of free space", g.v.datastore)
			default:
				g.epReason, g.epRestart = fmt.Sprintf("CDP proxy %s is unavailable", g.v.proxy), true
			}
		} else {
			g.epResult = emcdp.ResultFailed
			switch {
			case x < 0.4:
				g.epReason = g.failReason
			case x < 0.7:
				g.epReason, g.epRestart = fmt.Sprintf("CDP proxy %s is unavailable", g.v.proxy), true
			default:
				g.epReason, g.epRestart = fmt.Sprintf("Source host %s I/O filter is not responding", g.v.host), true
			}
		}
		// geometric length with the given mean, at least one session
		g.epLeft = 0
		for g.r.Float64() < (mean-1)/mean {
			g.epLeft++
		}
		return g.epResult, g.epReason, g.epRestart && g.r.Float64() < restartAfterProblem
	}
	if g.r.Float64() < g.restartRate {
		return emcdp.ResultSuccess, "", true
	}
	return emcdp.ResultSuccess, "", false
}
