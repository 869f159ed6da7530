package main

import (
	"bytes"
	"encoding/json"
	"fmt"
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
		t.Skip("builds the binary and runs the benchmark for about 20 s")
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
	if err := c.Run(t.Context(), args); err != nil {
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

	// A second run reuses the dataset.
	out.Reset()
	errb.Reset()
	args = append(args, "--scenarios", "ceiling")
	if err := c.Run(t.Context(), args); err != nil {
		t.Fatalf("second bench: %v\n%s", err, errb.String())
	}
	if !strings.Contains(errb.String(), "reusing the dataset") || strings.Contains(errb.String(), "seeding") {
		t.Errorf("the second run did not reuse the dataset:\n%s", errb.String())
	}
	assertServerGone(t, errb.String())
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
