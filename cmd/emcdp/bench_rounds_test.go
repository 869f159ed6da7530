package main

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
)

func slotNames(slots []benchSlot) string {
	var names []string
	for _, s := range slots {
		names = append(names, s.name+s.label)
	}
	return strings.Join(names, ", ")
}

func TestSchedule(t *testing.T) {
	scs := func(names ...string) []scenario {
		var out []scenario
		for _, n := range names {
			out = append(out, scenario{name: n})
		}
		return out
	}
	all := scs("ceiling", "ref-xml", "entity-json", "logon", "collection")
	// Every run of a ratio scenario lies between two ceiling runs, round
	// after round; the others follow once.
	want := "ceiling run 1/5, ref-xml round 1/2, ceiling run 2/5, entity-json round 1/2, ceiling run 3/5, " +
		"ref-xml round 2/2, ceiling run 4/5, entity-json round 2/2, ceiling run 5/5, logon, collection"
	if got := slotNames(schedule(all, 2)); got != want {
		t.Errorf("2 rounds:\n got %s\nwant %s", got, want)
	}
	// One round, no ceiling, or no ratio scenario: each once, as given.
	for _, c := range []struct {
		scs    []scenario
		rounds int
		want   string
	}{
		{all, 1, "ceiling, ref-xml, entity-json, logon, collection"},
		{scs("ref-xml", "entity-xml", "query-day"), 3, "ref-xml, entity-xml, query-day"},
		{scs("ceiling", "logon", "query-day"), 3, "ceiling, logon, query-day"},
	} {
		if got := slotNames(schedule(c.scs, c.rounds)); got != c.want {
			t.Errorf("%d rounds: got %s, want %s", c.rounds, got, c.want)
		}
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		vals []float64
		med  float64
		mid  int
	}{
		{[]float64{5}, 5, 0},
		{[]float64{0.9, 0.7, 0.8}, 0.8, 2},
		{[]float64{4, 1, 3, 2}, 2.5, 3},  // the lower middle one is 2, at index 3
		{[]float64{2, 2, 1, 2, 9}, 2, 1}, // ties keep their order: 1, 2 (0), 2 (1), 2 (3), 9
	} {
		in := slices.Clone(c.vals)
		med, mid := median(in)
		if med != c.med || mid != c.mid {
			t.Errorf("median(%v) = %v at %d, want %v at %d", c.vals, med, mid, c.med, c.mid)
		}
		if !slices.Equal(in, c.vals) {
			t.Errorf("median reordered its input: %v", in)
		}
	}
}

// roundsReport records the runs of schedule(ceiling, ref-xml, entity-xml,
// logon) in 3 rounds with both drivers, as the benchmark does: each slot
// with go, then wrk. The ceiling's throughput rises steadily (drift) and
// each ratio scenario's is a fixed share of the ceiling at its own time,
// but for one spoiled round.
func roundsReport(t *testing.T) *benchReport {
	t.Helper()
	scs := []scenario{{name: "ceiling"}, {name: "ref-xml"}, {name: "entity-xml"}, {name: "logon"}}
	share := map[string]float64{"ref-xml": 0.8, "entity-xml": 0.9, "logon": 0.01}
	r := &benchReport{Drivers: []string{"go", "wrk"}, Rounds: 3}
	for slot, sc := range schedule(scs, 3) {
		for d, driver := range []string{"go", "wrk"} {
			ceiling := 1000 + 100*float64(slot) + 5000*float64(d) // at this slot's time
			st := scenarioStat{Name: sc.name, Driver: driver, RPS: ceiling, P50: float64(slot), Requests: int64(slot)}
			if s, ok := share[sc.name]; ok {
				st.RPS = s * ceiling
			}
			if sc.name == "ref-xml" && sc.label == " round 2/3" {
				st.RPS /= 2 // a burst of other work
				st.StatusErrors, st.FirstError = 2, "boom"
			}
			if sc.name == "entity-xml" && sc.label == " round 3/3" {
				st.TransportErrors = 1
			}
			r.add(st, int64(100+slot), int64(200+slot), int64(50+slot))
		}
	}
	return r
}

func TestSettleRounds(t *testing.T) {
	r := roundsReport(t)
	var got []string
	for _, s := range r.Scenarios {
		got = append(got, s.Name+"/"+s.Driver)
	}
	if want := "ceiling/go ceiling/wrk ref-xml/go ref-xml/wrk entity-xml/go entity-xml/wrk logon/go logon/wrk"; strings.Join(got, " ") != want {
		t.Fatalf("entries %v, want %s", got, want)
	}
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	byName := map[string]scenarioStat{}
	for _, s := range r.Scenarios {
		byName[s.Name+"/"+s.Driver] = s
	}
	for _, driver := range []string{"go", "wrk"} {
		c := byName["ceiling/"+driver]
		// 7 ceiling runs (slots 0, 2, …, 12); the middle one is slot 6.
		if len(c.Runs) != 7 || *c.CeilingRatio != 1 || c.P50 != 6 || c.CeilingRatioMin != nil {
			t.Errorf("ceiling/%s: %+v", driver, c)
		}
		ref := byName["ref-xml/"+driver]
		if len(ref.Runs) != 3 {
			t.Fatalf("ref-xml/%s has %d runs", driver, len(ref.Runs))
		}
		// Linear drift cancels: the rounds read 0.8, 0.4 (spoiled), 0.8.
		for i, want := range []float64{0.8, 0.4, 0.8} {
			run := ref.Runs[i]
			if run.CeilingRatio == nil || !near(*run.CeilingRatio, want) {
				t.Errorf("ref-xml/%s round %d: ratio %v, want %v", driver, i+1, run.CeilingRatio, want)
			}
			slot := float64(1 + 4*i) // ref-xml's slots: 1, 5, 9
			off := 5000 * float64(map[string]int{"go": 0, "wrk": 1}[driver])
			if *run.CeilingBefore != 1000+100*(slot-1)+off || *run.CeilingAfter != 1000+100*(slot+1)+off {
				t.Errorf("ref-xml/%s round %d: ceilings %v, %v", driver, i+1, *run.CeilingBefore, *run.CeilingAfter)
			}
		}
		// The median of the rounds, their range; the entry is the middle
		// round's (the first of the two at 0.8), errors summed over all.
		if !near(*ref.CeilingRatio, 0.8) || !near(*ref.CeilingRatioMin, 0.4) || !near(*ref.CeilingRatioMax, 0.8) {
			t.Errorf("ref-xml/%s: %v (%v – %v)", driver, *ref.CeilingRatio, *ref.CeilingRatioMin, *ref.CeilingRatioMax)
		}
		if ref.P50 != 1 || ref.StatusErrors != 2 || ref.FirstError != "boom" || ref.Runs[1].Errors != 2 {
			t.Errorf("ref-xml/%s: p50 %v, %d status errors (%q), round 2 %d", driver, ref.P50, ref.StatusErrors, ref.FirstError, ref.Runs[1].Errors)
		}
		ent := byName["entity-xml/"+driver]
		if !near(*ent.CeilingRatio, 0.9) || ent.TransportErrors != 1 || ent.PeakRSS != 111 || ent.AnonRSS != 61 {
			t.Errorf("entity-xml/%s: ratio %v, %d transport errors, peak %d, anon %d", driver, *ent.CeilingRatio,
				ent.TransportErrors, ent.PeakRSS, ent.AnonRSS)
		}
		// Run once: against the ceiling's entry, as before rounds.
		lg := byName["logon/"+driver]
		if lg.Runs != nil || lg.CeilingRatioMin != nil || !near(*lg.CeilingRatio, lg.RPS/c.RPS) {
			t.Errorf("logon/%s: %+v against %v", driver, lg, c.RPS)
		}
	}
	if r.PeakRSS != 113 {
		t.Errorf("peak RSS %d", r.PeakRSS)
	}

	var out bytes.Buffer
	r.print(&out)
	for _, want := range []string{"ratio to the ceiling in 3 rounds", "ceiling, wrk driver: 7 runs, the middle one 6600 req/s (6000 – 7200)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, out.String())
		}
	}
	var lines []string
	for _, l := range strings.Split(out.String(), "\n") {
		if f := strings.Fields(l); len(f) > 2 && f[0] == "ref-xml" && f[1] == "go" {
			lines = append(lines, strings.Join(f[2:], " "))
		}
	}
	// the main table's line, three rounds, the median, the range
	if len(lines) != 6 || lines[1] != "1 880 1000 1200 80.0 % 0" || lines[4] != "median 80.0 %" || lines[5] != "min–max 40.0–80.0 %" {
		t.Errorf("ref-xml by go:\n%s", strings.Join(lines, "\n"))
	}
}

// TestSettleOnce: measured once each, the entries are the runs, each
// ratio against the ceiling of its driver, with no rounds figures.
func TestSettleOnce(t *testing.T) {
	r := &benchReport{Drivers: []string{"go"}, Rounds: 1}
	r.add(scenarioStat{Name: "ceiling", Driver: "go", RPS: 1000}, 1, 1, 1)
	r.add(scenarioStat{Name: "entity-xml", Driver: "go", RPS: 850}, 2, 2, 2)
	if len(r.Scenarios) != 2 || *r.Scenarios[0].CeilingRatio != 1 || *r.Scenarios[1].CeilingRatio != 0.85 ||
		r.Scenarios[1].Runs != nil || r.Scenarios[1].PeakRSS != 2 {
		t.Errorf("entries %+v", r.Scenarios)
	}
	var out bytes.Buffer
	r.print(&out)
	if strings.Contains(out.String(), "rounds") || !strings.Contains(out.String(), "85 %") {
		t.Errorf("report:\n%s", out.String())
	}
}

// TestRoundsJSON: the record keeps every field of before and adds the
// rounds, the range and the runs.
func TestRoundsJSON(t *testing.T) {
	b, err := json.Marshal(roundsReport(t))
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Rounds    int
		Scenarios []map[string]json.RawMessage
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Rounds != 3 {
		t.Errorf("rounds %d", rec.Rounds)
	}
	old := []string{"name", "driver", "request", "connections", "requests", "requestsPerSecond", "p50Ms", "p90Ms",
		"p99Ms", "maxMs", "statusErrors", "transportErrors", "bytes", "meanBodyBytes", "ceilingRatio",
		"peakRSSBytes", "sampledMaxRSSBytes", "sampledMaxAnonRSSBytes"}
	for _, s := range rec.Scenarios {
		var name string
		json.Unmarshal(s["name"], &name)
		for _, k := range old {
			if _, ok := s[k]; !ok {
				t.Errorf("%s lacks %s", name, k)
			}
		}
		_, hasMin := s["ceilingRatioMin"]
		_, hasMax := s["ceilingRatioMax"]
		_, hasRuns := s["runs"]
		ratio := slices.Contains(ratioScenarios, name)
		if hasMin != ratio || hasMax != ratio || hasRuns != (ratio || name == "ceiling") {
			t.Errorf("%s: ceilingRatioMin %v, ceilingRatioMax %v, runs %v", name, hasMin, hasMax, hasRuns)
		}
		if !hasRuns {
			continue
		}
		var runs []map[string]any
		if err := json.Unmarshal(s["runs"], &runs); err != nil {
			t.Fatal(err)
		}
		for _, run := range runs {
			for _, k := range []string{"requestsPerSecond", "p50Ms", "p99Ms", "errors", "peakRSSBytes"} {
				if _, ok := run[k]; !ok {
					t.Errorf("%s: a run lacks %s: %v", name, k, run)
				}
			}
			for _, k := range []string{"ceilingBeforeRequestsPerSecond", "ceilingAfterRequestsPerSecond", "ceilingRatio"} {
				if _, ok := run[k]; ok != ratio {
					t.Errorf("%s: a run has %s: %v", name, k, ok)
				}
			}
		}
	}
}
