package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestBenchEndToEnd builds the real binary and benchmarks it at a tiny
// size: seed, user, serve as a child, every scenario, the JSON record, the
// child stopped at the end; then a second run reuses the dataset.
func TestBenchEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs the benchmark for about 25 s")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "emcdp")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data := filepath.Join(dir, "data")
	jsonPath := filepath.Join(dir, "out", "r.json")
	args := []string{"--emcdp", bin, "--data", data, "--json", jsonPath, "--task-sessions", "2000",
		"--connections", "2", "--duration", "1s", "--warmup", "100ms", "--timeout", "30s"}
	var out, errb bytes.Buffer
	c := &benchCmd{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	if err := c.Run(t.Context(), append(args, "--rounds", "1")); err != nil {
		t.Fatalf("bench: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), errb.String())
	}
	t.Logf("stdout:\n%s", out.String())

	var rep benchReport
	b, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Store != "sqlite" || rep.Machine.CPUs < 1 || rep.Machine.GoVersion == "" || rep.PeakRSS <= 0 {
		t.Errorf("report header: %+v", rep)
	}
	if n := rep.Dataset.TaskSessions; n < 1600 || n > 2400 {
		t.Errorf("dataset holds %d task sessions, asked for 2000", n)
	}
	if rep.Dataset.EntityBytes < 1000 {
		t.Errorf("entity XML of %d bytes", rep.Dataset.EntityBytes)
	}
	// The monitoring scenarios run when the world has backup jobs, and
	// are reported skipped otherwise.
	var want []string
	for _, name := range scenarioOrder {
		if slices.Contains(monitorScenarios, name) && strings.Contains(errb.String(), name+" skipped: the world has no backup jobs") {
			continue
		}
		want = append(want, name)
	}
	if len(rep.Scenarios) != len(want) {
		t.Fatalf("%d scenarios recorded, want %d (%v)\nstderr:\n%s", len(rep.Scenarios), len(want), want, errb.String())
	}
	var ceilingBody int64
	for i, s := range rep.Scenarios {
		if s.Name != want[i] {
			t.Errorf("scenario %d is %s, want %s", i, s.Name, want[i])
		}
		if s.Requests == 0 || s.RPS <= 0 || s.P50 <= 0 || s.P99 < s.P50 || s.Max < s.P99 {
			t.Errorf("%s: %+v", s.Name, s)
		}
		if s.StatusErrors+s.TransportErrors != 0 {
			t.Errorf("%s: %d status and %d transport errors, the first: %s", s.Name, s.StatusErrors, s.TransportErrors, s.FirstError)
		}
		if s.CeilingRatio == nil || *s.CeilingRatio <= 0 {
			t.Errorf("%s: no ratio to the ceiling", s.Name)
		}
		if s.PeakRSS <= 0 {
			t.Errorf("%s: no peak RSS", s.Name)
		}
		if s.Name == "ceiling" {
			ceilingBody = s.MeanBody
		}
	}
	// The ceiling's body is a task-session entity's size.
	if d := ceilingBody - int64(rep.Dataset.EntityBytes); d < -200 || d > 200 {
		t.Errorf("ceiling body %d bytes, entity XML %d", ceilingBody, rep.Dataset.EntityBytes)
	}
	for _, want := range []string{"scenario", "ceiling", "entity-json", "collection", "vs ceiling", "results written to"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the table lacks %q", want)
		}
	}
	assertServerGone(t, errb.String())

	// A second run reuses the dataset, and measures two of the ratio
	// scenarios in two rounds between runs of the ceiling.
	out.Reset()
	errb.Reset()
	args = append(args, "--scenarios", "ceiling,ref-xml,entity-json,query-vm", "--rounds", "2", "--duration", "300ms", "--warmup", "0s")
	if err := c.Run(t.Context(), args); err != nil {
		t.Fatalf("second bench: %v\n%s", err, errb.String())
	}
	if !strings.Contains(errb.String(), "reusing the dataset") || strings.Contains(errb.String(), "seeding") {
		t.Errorf("the second run did not reuse the dataset:\n%s", errb.String())
	}
	checkRounds(t, readReport(t, jsonPath), 2, []string{"ceiling/go", "ref-xml/go", "entity-json/go", "query-vm/go"})
	for _, want := range []string{"ref-xml      round 2/2 go driver", "ceiling      run 5/5 go driver"} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, errb.String())
		}
	}
	if !strings.Contains(out.String(), "ratio to the ceiling in 2 rounds") {
		t.Errorf("the report lacks the rounds:\n%s", out.String())
	}
	assertServerGone(t, errb.String())
}

// checkRounds checks a record of a run in rounds: the entries (name/driver)
// in order; the ceiling run once more than the rounds of all ratio
// scenarios together, each ratio scenario once a round, its ratio the
// median of its rounds' and within their range, each round's bracket
// measured; the other scenarios once.
func checkRounds(t *testing.T, rep *benchReport, rounds int, want []string) {
	t.Helper()
	var got []string
	ratios := 0
	for _, s := range rep.Scenarios {
		got = append(got, s.Name+"/"+s.Driver)
		if slices.Contains(ratioScenarios, s.Name) {
			ratios++
		}
	}
	ratios /= len(rep.Drivers)
	if !slices.Equal(got, want) || rep.Rounds != rounds {
		t.Fatalf("entries %v in %d rounds, want %v in %d", got, rep.Rounds, want, rounds)
	}
	for _, s := range rep.Scenarios {
		if s.Requests == 0 || s.RPS <= 0 || s.StatusErrors+s.TransportErrors != 0 || s.CeilingRatio == nil || s.PeakRSS <= 0 {
			t.Errorf("%s by %s: %+v", s.Name, s.Driver, s)
			continue
		}
		switch {
		case s.Name == "ceiling":
			if len(s.Runs) != rounds*ratios+1 || *s.CeilingRatio != 1 {
				t.Errorf("ceiling by %s: %d runs, ratio %v", s.Driver, len(s.Runs), *s.CeilingRatio)
			}
		case slices.Contains(ratioScenarios, s.Name):
			if len(s.Runs) != rounds || s.CeilingRatioMin == nil || s.CeilingRatioMax == nil ||
				*s.CeilingRatioMin > *s.CeilingRatio || *s.CeilingRatio > *s.CeilingRatioMax {
				t.Errorf("%s by %s: %d runs, ratio %v in [%v, %v]", s.Name, s.Driver, len(s.Runs), *s.CeilingRatio,
					s.CeilingRatioMin, s.CeilingRatioMax)
				continue
			}
			for i, run := range s.Runs {
				if run.RPS <= 0 || run.CeilingBefore == nil || run.CeilingAfter == nil || run.CeilingRatio == nil ||
					math.Abs(*run.CeilingRatio-run.RPS*2/(*run.CeilingBefore+*run.CeilingAfter)) > 1e-9 {
					t.Errorf("%s by %s, round %d: %+v", s.Name, s.Driver, i+1, run)
				}
			}
		default:
			if s.Runs != nil || s.CeilingRatioMin != nil {
				t.Errorf("%s by %s ran more than once: %+v", s.Name, s.Driver, s)
			}
		}
	}
}

// assertServerGone checks that the server child named in the log has ended.
func assertServerGone(t *testing.T, log string) {
	t.Helper()
	m := regexp.MustCompile(`\(pid (\d+)\)`).FindStringSubmatch(log)
	if m == nil {
		t.Fatalf("no server pid in the log:\n%s", log)
	}
	pid, _ := strconv.Atoi(m[1])
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); os.IsNotExist(err) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server (pid %d) still runs after the benchmark", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
