package main

import (
	"bytes"
	"errors"
	"flag"
	"math"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestPlanDataset(t *testing.T) {
	for _, c := range []struct {
		n    int
		want datasetPlan
	}{
		// The stress size: ten servers of 96 policies of 10 VMs over 34 days.
		{1_000_000, datasetPlan{Servers: 10, Policies: 96, VMs: 10, Days: 34, Seed: 1}},
		{100_000, datasetPlan{Servers: 1, Policies: 96, VMs: 10, Days: 34, Seed: 1}},
		{2_000, datasetPlan{Servers: 1, Policies: 2, VMs: 10, Days: 33, Seed: 1}},
		// Too few for one VM over the usual history: fewer days, then one.
		{50, datasetPlan{Servers: 1, Policies: 1, VMs: 1, Days: 16, Seed: 1}},
		{1, datasetPlan{Servers: 1, Policies: 1, VMs: 1, Days: 1, Seed: 1}},
	} {
		got, err := planDataset(c.n)
		if err != nil {
			t.Fatalf("planDataset(%d): %v", c.n, err)
		}
		if got != c.want {
			t.Errorf("planDataset(%d) = %+v, want %+v", c.n, got, c.want)
		}
	}
	// Across sizes the estimate stays close to what was asked, and the
	// shape stays within the product's limits.
	for _, n := range []int{300, 1_000, 7_777, 50_000, 123_456, 1_000_000, 5_000_000, 20_000_000} {
		p, err := planDataset(n)
		if err != nil {
			t.Fatalf("planDataset(%d): %v", n, err)
		}
		if p.Policies > maxPolicies || p.VMs > benchVMsPerPol || p.Days < 1 || p.Servers < 1 {
			t.Errorf("planDataset(%d) = %+v: out of limits", n, p)
		}
		if e := p.Estimate(); math.Abs(float64(e-n))/float64(n) > 0.06 {
			t.Errorf("planDataset(%d) = %+v estimates %d, more than 6 %% off", n, p, e)
		}
	}
	if _, err := planDataset(0); err == nil {
		t.Error("planDataset(0): no error")
	}
	p, _ := planDataset(1_000_000)
	if got := strings.Join(p.seedArgs(), " "); got != "--servers 10 --policies 96 --vms 10 --days 34 --seed 1" {
		t.Errorf("seedArgs = %q", got)
	}
	if e := p.Estimate(); e < 990_000 || e > 1_010_000 {
		t.Errorf("Estimate = %d", e)
	}
}

// parseBench parses args as the bench command does.
func parseBench(t *testing.T, args []string, env map[string]string) (*benchSettings, error) {
	t.Helper()
	var stderr bytes.Buffer
	fs := newFlagSet("bench", benchUsage, &stderr)
	var f benchFlags
	f.register(fs)
	if err := parseFlags(fs, args, func(k string) string { return env[k] }); err != nil {
		return nil, err
	}
	return f.check(time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC))
}

func TestBenchFlags(t *testing.T) {
	s, err := parseBench(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.taskSessions != 1_000_000 || s.connections != 32 || s.duration != 10*time.Second || s.store != "sqlite" ||
		s.data != "./emcdp-bench-data" || len(s.scenarios) != len(scenarioOrder) || s.jsonPath != "bench-results/2026-06-15-sqlite.json" ||
		s.rounds != 3 {
		t.Fatalf("defaults: %+v", s)
	}
	if got := s.datasetDir(); got != "emcdp-bench-data/sqlite-10s96p10v34d" {
		t.Errorf("datasetDir = %q", got)
	}
	if got := strings.Join(s.storeArgs(), " "); got != "--data emcdp-bench-data/sqlite-10s96p10v34d" {
		t.Errorf("storeArgs = %q", got)
	}

	s, err = parseBench(t, []string{"--task-sessions", "2000", "--connections", "2", "--duration", "1s",
		"--db", "postgres://postgres@127.0.0.1:5432/b", "--scenarios", "query-vm, CEILING,entity-xml", "--json", "x.json"},
		map[string]string{"EMCDP_WARMUP": "250ms", "EMCDP_CONNECTIONS": "99"})
	if err != nil {
		t.Fatal(err)
	}
	if s.taskSessions != 2000 || s.connections != 2 || s.warmup != 250*time.Millisecond || s.store != "postgres" || s.jsonPath != "x.json" {
		t.Fatalf("parsed: %+v", s)
	}
	// Scenarios run in their fixed order whatever the list's.
	if got := strings.Join(s.scenarios, ","); got != "ceiling,entity-xml,query-vm" {
		t.Errorf("scenarios = %s", got)
	}
	if got := strings.Join(s.storeArgs(), " "); !strings.HasSuffix(got, "--db postgres://postgres@127.0.0.1:5432/b") ||
		!strings.Contains(got, "postgres-1s2p10v33d") {
		t.Errorf("storeArgs = %q", got)
	}

	for _, c := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--task-sessions", "0"}, nil, "--task-sessions"},
		{[]string{"--connections", "0"}, nil, "--connections"},
		{[]string{"--duration", "0s"}, nil, "--duration"},
		{[]string{"--warmup", "-1s"}, nil, "--warmup"},
		{[]string{"--db", "mysql://x"}, nil, "--db"},
		{[]string{"--db", "sqlite:///tmp/x.db"}, nil, "--db"},
		{[]string{"--scenarios", "ceiling,fast"}, nil, `unknown scenario "fast"`},
		{[]string{"--scenarios", " , "}, nil, "names no scenario"},
		{[]string{"--data", ""}, nil, "--data"},
		{[]string{"--rounds", "0"}, nil, "--rounds"},
		{[]string{"--rounds", "101"}, nil, "--rounds"},
		{nil, map[string]string{"EMCDP_DURATION": "soon"}, "EMCDP_DURATION"},
	} {
		_, err := parseBench(t, c.args, c.env)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v %v: error %v, want one naming %s", c.args, c.env, err, c.want)
		}
	}
	if _, err := parseBench(t, []string{"-h"}, nil); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v", err)
	}
}

func TestBenchCommandErrors(t *testing.T) {
	var out, errb bytes.Buffer
	c := &benchCmd{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	if err := c.Run(t.Context(), []string{"extra"}); err == nil || !strings.Contains(err.Error(), "extra") {
		t.Errorf("extra argument: %v", err)
	}
	if err := c.Run(t.Context(), []string{"--emcdp", "/nonexistent/emcdp"}); err == nil || !strings.Contains(err.Error(), "--emcdp") {
		t.Errorf("missing binary: %v", err)
	}
}

func TestBenchQueries(t *testing.T) {
	day := time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC)
	u, err := url.Parse(dayQuery(day))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if q.Get("type") != "CdpReplicaTaskSession" || q.Get("pageSize") != "100" ||
		q.Get("filter") != `CreationTimeUTC>="2026-06-15";CreationTimeUTC<"2026-06-16"` {
		t.Errorf("dayQuery: %v", q)
	}
	u, _ = url.Parse(vmQuery(`odd "vm"`))
	if f := u.Query().Get("filter"); f != `VmDisplayName=="odd ""vm""";Result>=Warning` {
		t.Errorf("vmQuery filter = %s", f)
	}
	if got := pageQuery(5000); got != "/api/query?type=CdpReplicaTaskSession&sortDesc=CreationTimeUTC&page=5000&pageSize=100" {
		t.Errorf("pageQuery = %s", got)
	}
	first := time.Date(2026, 6, 1, 8, 3, 0, 0, time.UTC)
	days := wholeDays(first, time.Date(2026, 6, 4, 16, 0, 0, 0, time.UTC))
	if len(days) != 2 || !days[0].Equal(time.Date(2026, 6, 2, 0, 0, 0, 0, time.UTC)) || !days[1].Equal(time.Date(2026, 6, 3, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("wholeDays = %v", days)
	}
	if days := wholeDays(first, first.Add(time.Hour)); len(days) != 1 || !days[0].Equal(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("wholeDays of a short span = %v", days)
	}
}

func TestParseProcStatus(t *testing.T) {
	st := parseProcStatus("Name:\temcdp\nVmPeak:\t  812345 kB\nVmHWM:\t   45678 kB\nVmRSS:\t   40000 kB\nRssAnon:\t   30000 kB\nThreads:\t9\nVmBad:\tx kB\n")
	if st["VmHWM"] != 45678<<10 || st["VmRSS"] != 40000<<10 || st["VmPeak"] != 812345<<10 || st["RssAnon"] != 30000<<10 {
		t.Errorf("parsed %v", st)
	}
	if _, ok := st["VmBad"]; ok {
		t.Error("a malformed line was kept")
	}
	if _, ok := st["Threads"]; ok {
		t.Error("a non-memory line was kept")
	}
}

func TestChildEnv(t *testing.T) {
	t.Setenv("EMCDP_SIMULATE", "true")
	t.Setenv("EMCDP_BENCH_KEEP", "x")
	for _, kv := range childEnv() {
		if strings.HasPrefix(kv, "EMCDP_") {
			t.Fatalf("child environment keeps %s", kv)
		}
	}
}
