package main

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"text/tabwriter"
)

// The GET-by-id scenarios' throughput as a share of the ceiling's is the
// benchmark's headline figure (at least 80 %), and on a machine whose load
// changes from minute to minute one run of each cannot show it: the same
// binary reads 94 % in one run and 78 % in another. So they are measured in
// rounds, every run of them between two runs of the ceiling (ceiling, A,
// ceiling, B, ceiling, C, ceiling, A, …), and a run's ratio is taken against
// the mean of the ceilings just before and just after it: load that rises or
// falls steadily over those three runs cancels out, and a change of load
// reaches a ratio only when it falls within its own 2 × (warm-up +
// duration). The scenario's ratio is the median of its rounds', robust to
// the one round a burst of other work spoiled; their range shows the
// spread. The ceiling runs N × k + 1 times for k such scenarios, against
// N + 1 for one ceiling per round: the price of the nearest bracket.

// ratioScenarios are the scenarios measured in rounds against the ceiling.
var ratioScenarios = []string{"ref-xml", "entity-xml", "entity-json"}

// benchSlot is one run in the schedule: a scenario and, for a scenario
// measured in rounds, which run of it this is ("round 2/3"), for the log.
type benchSlot struct {
	scenario
	label string
}

// schedule orders the runs of scs (in scenarioOrder). With rounds above 1
// and both the ceiling and a ratio scenario among scs, the ceiling runs
// first and after every run of a ratio scenario, round after round; the
// other scenarios follow, once each. Otherwise every scenario runs once, in
// the order given.
func schedule(scs []scenario, rounds int) []benchSlot {
	var ceiling *scenario
	var ratio, rest []scenario
	for i, sc := range scs {
		switch {
		case sc.name == "ceiling":
			ceiling = &scs[i]
		case slices.Contains(ratioScenarios, sc.name):
			ratio = append(ratio, sc)
		default:
			rest = append(rest, sc)
		}
	}
	if rounds <= 1 || ceiling == nil || len(ratio) == 0 {
		out := make([]benchSlot, len(scs))
		for i, sc := range scs {
			out[i] = benchSlot{scenario: sc}
		}
		return out
	}
	runs := rounds*len(ratio) + 1
	out := []benchSlot{{scenario: *ceiling, label: fmt.Sprintf(" run 1/%d", runs)}}
	for r := range rounds {
		for i, sc := range ratio {
			out = append(out, benchSlot{scenario: sc, label: fmt.Sprintf(" round %d/%d", r+1, rounds)},
				benchSlot{scenario: *ceiling, label: fmt.Sprintf(" run %d/%d", r*len(ratio)+i+2, runs)})
		}
	}
	for _, sc := range rest {
		out = append(out, benchSlot{scenario: sc})
	}
	return out
}

// benchRun is one run of a scenario measured more than once; times in
// milliseconds. A ratio scenario's runs are its rounds, in order, each with
// the two ceiling runs around it and its ratio to their mean; the
// ceiling's are its runs in the order they ran.
type benchRun struct {
	RPS           float64  `json:"requestsPerSecond"`
	P50           float64  `json:"p50Ms"`
	P99           float64  `json:"p99Ms"`
	Errors        int64    `json:"errors"`
	CeilingBefore *float64 `json:"ceilingBeforeRequestsPerSecond,omitempty"`
	CeilingAfter  *float64 `json:"ceilingAfterRequestsPerSecond,omitempty"`
	CeilingRatio  *float64 `json:"ceilingRatio,omitempty"`
	PeakRSS       int64    `json:"peakRSSBytes"`
	SampledRSS    int64    `json:"sampledMaxRSSBytes"`
	AnonRSS       int64    `json:"sampledMaxAnonRSSBytes"`
}

// settle turns the runs recorded by add into one entry per scenario and
// driver, in the order they first ran. A scenario run once is its run, with
// its ratio to the ceiling's entry. One run more than once is the run in
// the middle (the median by ratio, the ceiling's by throughput; of an even
// count, the lower of the middle two) with its runs listed, its errors
// summed over them and its memory their largest; a ratio scenario's
// ceilingRatio is the median of its rounds' ratios, their range beside it.
func (r *benchReport) settle() {
	type key struct{ name, driver string }
	var order []key
	runs := map[key][]int{} // indexes into r.runs
	for i, st := range r.runs {
		k := key{st.Name, st.Driver}
		if _, ok := runs[k]; !ok {
			order = append(order, k)
		}
		runs[k] = append(runs[k], i)
	}
	ceilings := map[string]float64{} // the ceiling's entry's throughput, by driver
	r.Scenarios = r.Scenarios[:0]
	for _, k := range order {
		idx := runs[k]
		var st scenarioStat
		switch {
		case len(idx) == 1:
			st = r.runs[idx[0]]
			if c, ok := ceilings[k.driver]; ok && c > 0 {
				v := st.RPS / c
				st.CeilingRatio = &v
			}
		case k.name == "ceiling":
			st = r.merge(idx, func(i int) float64 { return r.runs[i].RPS }, nil)
		default:
			st = r.merge(idx, func(i int) float64 { return r.bracket(i) }, r.bracketed)
		}
		if k.name == "ceiling" {
			v := 1.0
			st.CeilingRatio = &v
			ceilings[k.driver] = st.RPS
		}
		r.Scenarios = append(r.Scenarios, st)
	}
}

// bracket returns the ratio of run i's throughput to the mean of the
// ceiling runs of its driver just before and just after it (either alone
// when the other is missing), or 0 without one.
func (r *benchReport) bracket(i int) float64 {
	before, after := r.ceilingAround(i)
	var sum float64
	var n int
	for _, c := range []*float64{before, after} {
		if c != nil {
			sum += *c
			n++
		}
	}
	if n == 0 || sum == 0 || r.runs[i].RPS == 0 {
		return 0
	}
	return r.runs[i].RPS / (sum / float64(n))
}

// ceilingAround returns the throughput of the nearest ceiling runs of run
// i's driver before and after it, nil where there is none.
func (r *benchReport) ceilingAround(i int) (before, after *float64) {
	d := r.runs[i].Driver
	for j := i - 1; j >= 0 && before == nil; j-- {
		if r.runs[j].Name == "ceiling" && r.runs[j].Driver == d {
			before = &r.runs[j].RPS
		}
	}
	for j := i + 1; j < len(r.runs) && after == nil; j++ {
		if r.runs[j].Name == "ceiling" && r.runs[j].Driver == d {
			after = &r.runs[j].RPS
		}
	}
	return before, after
}

// bracketed fills in a ratio scenario's run: the ceilings around it and
// its ratio to them.
func (r *benchReport) bracketed(i int, run *benchRun) {
	before, after := r.ceilingAround(i)
	run.CeilingBefore, run.CeilingAfter = copyFloat(before), copyFloat(after)
	if v := r.bracket(i); v > 0 {
		run.CeilingRatio = &v
	}
}

func copyFloat(p *float64) *float64 {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// merge makes one entry of the runs idx of a scenario: the figures of the
// median run by value, the runs listed (fill adds to each what only its
// kind has), errors summed, memory the largest. When fill is given,
// ceilingRatio is the median of value over the runs, with its range.
func (r *benchReport) merge(idx []int, value func(int) float64, fill func(int, *benchRun)) scenarioStat {
	vals := make([]float64, len(idx))
	for j, i := range idx {
		vals[j] = value(i)
	}
	med, mid := median(vals)
	st := r.runs[idx[mid]]
	st.StatusErrors, st.TransportErrors, st.FirstError = 0, 0, ""
	for _, i := range idx {
		run := r.runs[i]
		b := benchRun{RPS: run.RPS, P50: run.P50, P99: run.P99, Errors: run.StatusErrors + run.TransportErrors,
			PeakRSS: run.PeakRSS, SampledRSS: run.SampledRSS, AnonRSS: run.AnonRSS}
		if fill != nil {
			fill(i, &b)
		}
		st.Runs = append(st.Runs, b)
		st.StatusErrors += run.StatusErrors
		st.TransportErrors += run.TransportErrors
		if st.FirstError == "" {
			st.FirstError = run.FirstError
		}
		st.PeakRSS = max(st.PeakRSS, run.PeakRSS)
		st.SampledRSS = max(st.SampledRSS, run.SampledRSS)
		st.AnonRSS = max(st.AnonRSS, run.AnonRSS)
	}
	if fill != nil {
		lo, hi := slices.Min(vals), slices.Max(vals)
		st.CeilingRatio, st.CeilingRatioMin, st.CeilingRatioMax = &med, &lo, &hi
	}
	return st
}

// median returns the median of vals (the mean of the middle two for an
// even count) and the index of the middle value (the lower of the two).
// vals is left as it was.
func median(vals []float64) (float64, int) {
	order := make([]int, len(vals))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return vals[order[a]] < vals[order[b]] })
	n := len(vals)
	mid := order[(n-1)/2]
	if n%2 == 1 {
		return vals[mid], mid
	}
	return (vals[mid] + vals[order[n/2]]) / 2, mid
}

// printRounds writes, for the scenarios measured in rounds, every round's
// throughput, the ceilings around it and its ratio, then the median and
// range; and the ceiling's runs. Nothing when no scenario ran more than
// once.
func (r *benchReport) printRounds(w io.Writer) {
	var rounds bool
	for _, s := range r.Scenarios {
		rounds = rounds || len(s.Runs) > 1
	}
	if !rounds {
		return
	}
	fmt.Fprintf(w, "\nratio to the ceiling in %d rounds: each run's throughput over the mean of the ceiling runs just before and after it\n", r.Rounds)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\tdriver\tround\treq/s\tceiling before\tceiling after\tratio\terrors\t")
	pct := func(p *float64) string {
		if p == nil {
			return "-"
		}
		return fmt.Sprintf("%.1f %%", *p*100)
	}
	rps := func(p *float64) string {
		if p == nil {
			return "-"
		}
		return fmt.Sprintf("%.0f", *p)
	}
	for _, s := range r.Scenarios {
		if len(s.Runs) <= 1 || s.Name == "ceiling" {
			continue
		}
		for i, run := range s.Runs {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%.0f\t%s\t%s\t%s\t%d\t\n", s.Name, s.Driver, i+1, run.RPS,
				rps(run.CeilingBefore), rps(run.CeilingAfter), pct(run.CeilingRatio), run.Errors)
		}
		fmt.Fprintf(tw, "%s\t%s\tmedian\t\t\t\t%s\t\t\n", s.Name, s.Driver, pct(s.CeilingRatio))
		fmt.Fprintf(tw, "%s\t%s\tmin–max\t\t\t\t%.1f–%s\t\t\n", s.Name, s.Driver, *s.CeilingRatioMin*100, pct(s.CeilingRatioMax))
	}
	tw.Flush()
	for _, s := range r.Scenarios {
		if s.Name != "ceiling" || len(s.Runs) <= 1 {
			continue
		}
		vals := make([]float64, len(s.Runs))
		for i, run := range s.Runs {
			vals[i] = run.RPS
		}
		fmt.Fprintf(w, "ceiling, %s driver: %d runs, the middle one %.0f req/s (%.0f – %.0f)\n", s.Driver, len(s.Runs),
			s.RPS, slices.Min(vals), slices.Max(vals))
	}
}
