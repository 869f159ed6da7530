package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/emcdp/emcdp/redact"
)

// The simulator's cadence at its defaults: a task session per VM every
// LongTermRetentionHours (8 h, so 3 a day), plus the sessions cut short by
// restarts (1 %) and by the problem episodes (about 0.3 × the 5 % of
// Warning and Failed results).
const (
	sessionsPerVMDay = 3 * (1 + 0.01 + 0.3*0.05)
	benchDays        = 34 // a little over the 30-day session window of the collections
	benchVMsPerPol   = 10
	maxPolicies      = 100 // per backup server, as in the product
	maxBenchDays     = 3660
)

// datasetPlan is the shape of a generated world: Servers × Policies × VMs
// VMs, each with Days of history.
type datasetPlan struct {
	Servers  int `json:"servers"`
	Policies int `json:"policiesPerServer"`
	VMs      int `json:"vmsPerPolicy"`
	Days     int `json:"days"`
	Seed     int `json:"seed"`
}

// Estimate returns the task sessions the plan is expected to yield.
func (p datasetPlan) Estimate() int {
	return int(math.Round(float64(p.Servers*p.Policies*p.VMs*p.Days) * sessionsPerVMDay))
}

// seedArgs returns the flags of "emcdp seed" that build the plan.
func (p datasetPlan) seedArgs() []string {
	return []string{"--servers", strconv.Itoa(p.Servers), "--policies", strconv.Itoa(p.Policies),
		"--vms", strconv.Itoa(p.VMs), "--days", strconv.Itoa(p.Days), "--seed", strconv.Itoa(p.Seed)}
}

// planDataset works out a world of about n task sessions: benchDays of
// history over as many VMs as that takes (ten per policy, up to 100
// policies per backup server), with the days then adjusted so that the
// rounding of the VM count is made up. Small n gets fewer VMs, then fewer
// days.
func planDataset(n int) (datasetPlan, error) {
	if n < 1 {
		return datasetPlan{}, fmt.Errorf("the dataset needs at least 1 task session, got %d", n)
	}
	vms := int(math.Round(float64(n) / (sessionsPerVMDay * benchDays)))
	vms = max(vms, 1)
	perPolicy := min(benchVMsPerPol, vms)
	policies := ceilDiv(vms, perPolicy)
	servers := ceilDiv(policies, maxPolicies)
	perServer := ceilDiv(policies, servers)
	p := datasetPlan{Servers: servers, Policies: perServer, VMs: perPolicy, Seed: 1}
	total := p.Servers * p.Policies * p.VMs
	p.Days = int(math.Round(float64(n) / (sessionsPerVMDay * float64(total))))
	p.Days = min(max(p.Days, 1), maxBenchDays)
	if p.Days == maxBenchDays && p.Estimate() < n/2 {
		return p, fmt.Errorf("cannot plan %d task sessions", n)
	}
	return p, nil
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// datasetMarker is written next to a dataset once its seeding is complete;
// a later run with the same marker reuses the dataset as it is.
type datasetMarker struct {
	Plan     datasetPlan `json:"plan"`
	Store    string      `json:"store"`
	DB       string      `json:"db,omitempty"` // redacted
	SeededAt time.Time   `json:"seededAt"`
}

const markerFile = "bench-dataset.json"

// datasetDir returns the folder of the dataset for s: its SQLite database,
// TLS certificate, marker and server log.
func (s *benchSettings) datasetDir() string {
	p := s.plan
	return filepath.Join(s.data, fmt.Sprintf("%s-%ds%dp%dv%dd", s.store, p.Servers, p.Policies, p.VMs, p.Days))
}

// storeArgs returns the flags that point a child command at the dataset.
func (s *benchSettings) storeArgs() []string {
	args := []string{"--data", s.datasetDir()}
	if s.db != "" {
		args = append(args, "--db", s.db)
	}
	return args
}

// readMarker returns the marker in dir, or nil when there is none.
func readMarker(dir string) (*datasetMarker, error) {
	b, err := os.ReadFile(filepath.Join(dir, markerFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var m datasetMarker
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, markerFile), err)
	}
	return &m, nil
}

// prepareDataset seeds the dataset unless a complete one with the same
// plan is in place. An interrupted seed is continued by the next run, since
// "emcdp seed" resumes with the same flags.
func (b *bench) prepareDataset(ctx context.Context) error {
	s := b.s
	dir := s.datasetDir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create dataset folder: %w", err)
	}
	m, err := readMarker(dir)
	if err != nil {
		return err
	}
	db := redact.DatabaseURL(s.db)
	if m != nil && m.Plan == s.plan && m.Store == s.store && m.DB == db {
		fmt.Fprintf(b.log, "reusing the dataset in %s (seeded %s)\n", dir, m.SeededAt.Format(time.RFC3339))
		b.seededAt = m.SeededAt
		return nil
	}
	p := s.plan
	fmt.Fprintf(b.log, "seeding %d servers × %d policies × %d VMs × %d days (about %d task sessions) into %s\n",
		p.Servers, p.Policies, p.VMs, p.Days, p.Estimate(), dir)
	args := append([]string{"seed"}, s.storeArgs()...)
	args = append(args, p.seedArgs()...)
	cmd := exec.CommandContext(ctx, s.binary, args...)
	cmd.Env = childEnv()
	cmd.Stdout, cmd.Stderr = b.log, b.log
	start := time.Now()
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("emcdp seed failed (%v); for SQLite, remove %s to start the dataset afresh", err, dir)
	}
	fmt.Fprintf(b.log, "seeded in %s\n", time.Since(start).Round(time.Second))
	b.seededAt = time.Now().UTC()
	mb, err := json.MarshalIndent(datasetMarker{Plan: p, Store: s.store, DB: db, SeededAt: b.seededAt}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, markerFile), append(mb, '\n'), 0o600)
}

// benchUser is the user the benchmark logs on as.
const benchUser = "bench"

// addUser creates (or resets) the bench user with a fresh random password,
// piped into "emcdp user add" as an operator would.
func (b *bench) addUser(ctx context.Context) error {
	pw, err := randomPassword(24)
	if err != nil {
		return err
	}
	args := append([]string{"user", "add", benchUser, "--role", "PortalUser"}, b.s.storeArgs()...)
	cmd := exec.CommandContext(ctx, b.s.binary, args...)
	cmd.Env = childEnv()
	cmd.Stdin = strings.NewReader(pw + "\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("emcdp user add: %v: %s", err, strings.TrimSpace(string(out)))
	}
	b.password = pw
	return nil
}

// childEnv is this process's environment without the EMCDP_ variables, so
// that the children run with exactly the flags the benchmark gives them.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "EMCDP_") {
			env = append(env, kv)
		}
	}
	return env
}
