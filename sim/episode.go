package sim

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/emcdp/emcdp"
)

// minEpisode is the shortest scripted episode: shorter ones would make task
// sessions that no one could see.
const minEpisode = time.Minute

// check validates one episode on its own.
func (e Episode) check() error {
	if e.Result != emcdp.ResultWarning && e.Result != emcdp.ResultFailed {
		return fmt.Errorf("result must be Warning or Failed, got %s", e.Result)
	}
	if e.From.IsZero() || e.To.IsZero() {
		return errors.New("from and to are both required")
	}
	if e.Daily {
		f, t := timeOfDay(e.From), timeOfDay(e.To)
		if t <= f {
			return fmt.Errorf("daily episode must end after it starts within one UTC day (%s–%s); split one that crosses midnight in two",
				clock(f), clock(t))
		}
		if t-f < minEpisode {
			return fmt.Errorf("episode lasts %v, the minimum is %v", t-f, minEpisode)
		}
		return nil
	}
	if !e.To.After(e.From) {
		return fmt.Errorf("to (%s) must be after from (%s)", e.To.UTC().Format(time.RFC3339), e.From.UTC().Format(time.RFC3339))
	}
	if d := e.To.Sub(e.From); d < minEpisode {
		return fmt.Errorf("episode lasts %v, the minimum is %v", d, minEpisode)
	}
	return nil
}

// timeOfDay is the UTC time of day of t.
func timeOfDay(t time.Time) time.Duration {
	t = t.UTC()
	return t.Sub(t.Truncate(day))
}

func clock(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second))
}

// attachEpisodes hands each scripted episode to its VM, filling the default
// reason, and rejects unknown VMs, unsorted and overlapping episodes.
func (w *world) attachEpisodes() error {
	lastIdx := map[*vmDef]int{}
	for i, e := range w.cfg.Episodes {
		v := w.vms[strings.ToLower(e.VM)]
		if v == nil {
			return fmt.Errorf("sim: episodes[%d]: unknown VM %q (not protected by any policy)", i, e.VM)
		}
		p := w.policyOf(v)
		if e.Reason == "" {
			e.Reason = rpoReason(p.settings, e.Result)
		}
		e.From, e.To = emcdp.Ticks(e.From), emcdp.Ticks(e.To)
		if e.Daily {
			for _, d := range v.daily {
				if timeOfDay(e.From) < timeOfDay(d.To) && timeOfDay(d.From) < timeOfDay(e.To) {
					return fmt.Errorf("sim: episodes[%d]: daily episode %s–%s on %s overlaps the daily episode %s–%s",
						i, clock(timeOfDay(e.From)), clock(timeOfDay(e.To)), e.VM, clock(timeOfDay(d.From)), clock(timeOfDay(d.To)))
				}
			}
			v.daily = append(v.daily, e)
		} else {
			if n := len(v.scripted); n > 0 {
				prev := v.scripted[n-1]
				if e.From.Before(prev.To) {
					return fmt.Errorf("sim: episodes[%d]: episode on %s starting %s begins before episodes[%d] (ending %s) ends; list each VM's episodes in time order without overlaps",
						i, e.VM, e.From.Format(time.RFC3339), lastIdx[v], prev.To.Format(time.RFC3339))
				}
			}
			v.scripted = append(v.scripted, e)
			lastIdx[v] = i
		}
	}
	// absolute episodes must not collide with a daily occurrence either
	for _, v := range w.vms {
		for _, a := range v.scripted {
			for _, d := range v.daily {
				for t := a.From.Truncate(day).Add(-day); t.Before(a.To); t = t.Add(day) {
					f, to := t.Add(timeOfDay(d.From)), t.Add(timeOfDay(d.To))
					if f.Before(a.To) && a.From.Before(to) {
						return fmt.Errorf("sim: episode on %s %s–%s overlaps its daily episode on %s",
							v.name, a.From.Format(time.RFC3339), a.To.Format(time.RFC3339), f.Format("2006-01-02"))
					}
				}
			}
		}
		sort.Slice(v.daily, func(i, j int) bool { return timeOfDay(v.daily[i].From) < timeOfDay(v.daily[j].From) })
	}
	return nil
}

// policyOf finds the policy protecting v.
func (w *world) policyOf(v *vmDef) *policyDef {
	for _, p := range w.policies {
		for _, x := range p.vms {
			if x == v {
				return p
			}
		}
	}
	return nil
}

// nextScripted returns the earliest scripted episode occurrence of v that
// ends after t.
func (v *vmDef) nextScripted(t time.Time) (from, to time.Time, ep *Episode, ok bool) {
	i := sort.Search(len(v.scripted), func(i int) bool { return v.scripted[i].To.After(t) })
	if i < len(v.scripted) {
		from, to, ep, ok = v.scripted[i].From, v.scripted[i].To, &v.scripted[i], true
	}
	base := t.UTC().Truncate(day)
	for k := range v.daily {
		d := &v.daily[k]
		f, e := base.Add(timeOfDay(d.From)), base.Add(timeOfDay(d.To))
		if !e.After(t) {
			f, e = f.Add(day), e.Add(day)
		}
		if !ok || f.Before(from) {
			from, to, ep, ok = f, e, d, true
		}
	}
	return from, to, ep, ok
}

// rpoReason is the reason text of an RPO violation for a result.
func rpoReason(s PolicySettings, r emcdp.Result) string {
	n := s.WarnPeriods
	if r == emcdp.ResultFailed {
		n = s.FailPeriods
	}
	return missedReason(n)
}
