package sim

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/emcdp/emcdp"
)

// How a CDP task session's result follows from its lag (cdp-domain.md,
// actions.md §7.1). Each drawn session has a peak lag at an instant within
// it, both derived from its id so that nothing is drawn from the VM's
// stream: a healthy session lags less than one RPO period, an RPO episode
// as far as its drawn verdict says under the policy's own settings. Other
// problems (a proxy down, an I/O filter not responding, a full datastore,
// a disk resize) and scripted episodes are not about lag and keep their
// verdict. Until a write changes the policy's RPO or RPO reporting the
// drawn verdicts stand, so the world is the one its Config describes; from
// the change on, the lag of each session whose peak comes later is judged
// against the new settings.

// rpoRules are the settings a lag is judged by.
type rpoRules struct {
	rpo            time.Duration
	warnOn, failOn bool
	warn, fail     int // missed RPO periods (open question 4 of actions.md)
}

func rulesOf(o *emcdp.CdpScheduleOptions) rpoRules {
	return rpoRules{rpo: o.RPO(), warnOn: o.WarnEnabled, failOn: o.FailEnabled,
		warn: emcdp.Span(o.WarnThresholdMins, 60, o.WarnThresholdSecs), fail: emcdp.Span(o.FailThresholdMins, 60, o.FailThresholdSecs)}
}

// verdict is the result and reason of a session whose peak lag is lag.
func (r rpoRules) verdict(lag time.Duration) (emcdp.Result, string) {
	switch {
	case r.failOn && reached(lag, r.fail, r.rpo):
		return emcdp.ResultFailed, missedReason(r.fail)
	case r.warnOn && reached(lag, r.warn, r.rpo):
		return emcdp.ResultWarning, missedReason(r.warn)
	}
	return emcdp.ResultSuccess, ""
}

// reached reports whether lag is at least n periods of rpo. It divides the
// lag rather than multiply the threshold, since a threshold a write may set
// (up to 2^31 minutes of periods) times an RPO wraps around 64 bits of
// nanoseconds, often to a negative duration that every lag reaches.
func reached(lag time.Duration, n int, rpo time.Duration) bool {
	if n <= 0 || rpo <= 0 {
		return lag >= time.Duration(n)*rpo
	}
	return lag/rpo >= time.Duration(n)
}

// missedReason is the reason of an RPO violation of n periods.
func missedReason(n int) string {
	return fmt.Sprintf("RPO was not met for %d consecutive periods", n)
}

// idFraction is a number in [0, 1) taken from 8 bytes of id at off.
func idFraction(id emcdp.ID, off int) float64 {
	return float64(binary.BigEndian.Uint64(id[off:off+8])>>11) / (1 << 53)
}

// setLag gives a drawn, unscripted session the peak lag its verdict implies
// under the policy's own settings s.
func setLag(t *task, s PolicySettings, warnReason, failReason string) {
	f, rpo := idFraction(t.id, 0), float64(s.RPO)
	switch {
	case t.result == emcdp.ResultSuccess && t.reason == "":
		t.lag = time.Duration(rpo * (0.2 + 0.7*f))
	case t.result == emcdp.ResultWarning && t.reason == warnReason:
		t.lag = time.Duration(rpo * (float64(s.WarnPeriods) + f*float64(s.FailPeriods-s.WarnPeriods)))
	case t.result == emcdp.ResultFailed && t.reason == failReason:
		t.lag = time.Duration(rpo * float64(s.FailPeriods) * (1 + f))
	}
}

// peak is the instant of a session's peak lag.
func (t *task) peak() time.Time {
	return t.start.Add(time.Duration(float64(t.end.Sub(t.start)) * idFraction(t.id, 8)))
}

// judge sets the verdict of a session from its lag under the rules the
// writes left, once they differ from the policy's own.
func (ps *policyState) judge(t *task) {
	if ps.rules != nil && t.lag > 0 {
		t.result, t.reason = ps.rules.verdict(t.lag)
	}
}

// rejudge applies new rules from instant at: the running task sessions of
// the current policy session whose peak lag comes later are judged again,
// and the policy session's result follows. Ended sessions and the sessions
// of an ended policy session keep their verdicts.
func (ps *policyState) rejudge(at time.Time) {
	if !ps.cur.valid {
		return
	}
	changed := false
	for _, g := range ps.vms {
		if o := &g.open; g.hasOpen && o.sessID == ps.cur.id && o.t.peak().After(at) {
			r, reason := o.t.result, o.t.reason
			ps.judge(&o.t)
			changed = changed || r != o.t.result || reason != o.t.reason
		}
	}
	if !changed {
		return
	}
	ps.cur.worst, ps.cur.failure = ps.cur.ended, ps.cur.endedFailure
	for _, g := range ps.vms {
		if o := &g.open; g.hasOpen && o.sessID == ps.cur.id {
			ps.cur.worst = ps.cur.worst.Worse(o.t.result)
			if o.t.result == emcdp.ResultFailed && ps.cur.failure == "" {
				ps.cur.failure = g.v.name + ": " + o.t.reason
			}
		}
	}
}
