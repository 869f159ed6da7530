package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestBenchEndToEndWrk builds the real binary and benchmarks it at a tiny
// size through wrk: every scenario, the JSON record; then a run with both
// drivers side by side.
func TestBenchEndToEndWrk(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs the benchmark through wrk for about 30 s")
	}
	needWrk(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "emcdp")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	jsonPath := filepath.Join(dir, "r.json")
	args := []string{"--emcdp", bin, "--data", filepath.Join(dir, "data"), "--json", jsonPath, "--task-sessions", "2000",
		"--connections", "2", "--duration", "1s", "--warmup", "0s", "--timeout", "30s"}
	var out, errb bytes.Buffer
	c := &benchCmd{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	if err := c.Run(t.Context(), append(args, "--driver", "wrk", "--rounds", "1")); err != nil {
		t.Fatalf("bench: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), errb.String())
	}
	t.Logf("stdout:\n%s", out.String())
	rep := readReport(t, jsonPath)
	if !slices.Equal(rep.Drivers, []string{"wrk"}) {
		t.Errorf("drivers %v", rep.Drivers)
	}
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
	for i, s := range rep.Scenarios {
		if s.Name != want[i] || s.Driver != "wrk" {
			t.Errorf("scenario %d is %s by %s, want %s by wrk", i, s.Name, s.Driver, want[i])
		}
		if s.Requests == 0 || s.RPS <= 0 || s.P50 <= 0 || s.P99 < s.P50 || s.Max < s.P99 {
			t.Errorf("%s: %+v", s.Name, s)
		}
		if s.StatusErrors+s.TransportErrors != 0 {
			t.Errorf("%s: %d status and %d transport errors: %s", s.Name, s.StatusErrors, s.TransportErrors, s.FirstError)
		}
		if s.CeilingRatio == nil || *s.CeilingRatio <= 0 || s.PeakRSS <= 0 {
			t.Errorf("%s: ratio %v, peak RSS %d", s.Name, s.CeilingRatio, s.PeakRSS)
		}
		// wrk's bytes hold the status line and headers besides the body.
		if s.Name == "ceiling" && (s.MeanBody <= int64(rep.Dataset.EntityBytes) || s.MeanBody > int64(rep.Dataset.EntityBytes)+600) {
			t.Errorf("ceiling: %d bytes per answer, entity XML %d", s.MeanBody, rep.Dataset.EntityBytes)
		}
	}
	assertServerGone(t, errb.String())

	// Both drivers, side by side, each against its own ceiling, in two
	// rounds.
	out.Reset()
	errb.Reset()
	if err := c.Run(t.Context(), append(args, "--driver", "both", "--scenarios", "entity-xml,ceiling", "--rounds", "2")); err != nil {
		t.Fatalf("bench --driver both: %v\n%s", err, errb.String())
	}
	rep = readReport(t, jsonPath)
	if !slices.Equal(rep.Drivers, []string{"go", "wrk"}) {
		t.Errorf("drivers %v", rep.Drivers)
	}
	checkRounds(t, rep, 2, []string{"ceiling/go", "ceiling/wrk", "entity-xml/go", "entity-xml/wrk"})
	if !strings.Contains(out.String(), "driver") || !strings.Contains(errb.String(), "reusing the dataset") {
		t.Errorf("stdout:\n%s\nstderr:\n%s", out.String(), errb.String())
	}
	assertServerGone(t, errb.String())
}

func readReport(t *testing.T, path string) *benchReport {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rep benchReport
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	return &rep
}
