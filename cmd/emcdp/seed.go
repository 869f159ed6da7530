package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/sim"
)

const seedUsage = `Usage: emcdp seed [flags]

Generates CDP history (backup servers, policies, VMs, policy sessions and task
sessions) and the regular VBR world beside it (repositories, backup, copy and
replica jobs, their job and task sessions) up to now into the store. The same flags give the same data. A seed
that is interrupted (even killed) continues where it stopped when run again
with the same flags; a store that holds another world is refused unless
--force starts a fresh SQLite database.

Examples:
  emcdp seed --servers 2 --policies 10 --days 30
  emcdp seed --scenario examples/sql-rpo-night.json
  emcdp seed --servers 10 --policies 100 --vms 20 --days 35 --force   # about 1,000,000 task sessions
  emcdp seed --servers 10 --jobs 100 --vms-per-job 11 --days 34        # about 1,000,000 backup task sessions
`

// seedCmd writes simulated history into the store.
type seedCmd struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// Now overrides the wall clock in tests.
	Now func() time.Time
}

func (c *seedCmd) Run(ctx context.Context, args []string) error {
	fs := newFlagSet("seed", seedUsage, c.Stderr)
	var sf storeFlags
	sf.register(fs)
	var cfg sim.Config
	fs.IntVar(&cfg.Servers, "servers", 2, "backup servers")
	fs.IntVar(&cfg.PoliciesPerServer, "policies", 4, "CDP policies per backup server (at most 100)")
	fs.IntVar(&cfg.VMsPerPolicy, "vms", 0, "VMs per policy; 0 draws a spread with median --vms-median")
	fs.IntVar(&cfg.VMsMedian, "vms-median", 5, "median VMs per policy when --vms is 0")
	fs.IntVar(&cfg.Jobs.PerServer, "jobs", 8, "backup jobs per backup server (at most 500; -1 for none); copy and replica jobs come on top")
	fs.IntVar(&cfg.Jobs.VMsPerJob, "vms-per-job", 0, "VMs per backup job; 0 draws a spread with median 8")
	fs.IntVar(&cfg.Days, "days", 30, "days of history before now")
	fs.Float64Var(&cfg.WarningRate, "warning-rate", 0.04, "share of ended task sessions that end with Warning")
	fs.Float64Var(&cfg.FailureRate, "failure-rate", 0.01, "share of ended task sessions that end Failed")
	fs.Int64Var(&cfg.Seed, "seed", 1, "random seed: the same seed gives the same data")
	scenario := fs.String("scenario", "", "scenario file (JSON) declaring servers, policies, VMs and episodes; overrides the generator flags")
	force := fs.Bool("force", false, "delete the SQLite database first and start afresh")
	if err := parseFlags(fs, args, c.Getenv); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *scenario != "" {
		sc, err := sim.LoadScenario(*scenario)
		if err != nil {
			return err
		}
		cfg = sc
	}
	if *force {
		if err := removeSQLite(sf); err != nil {
			return err
		}
	}
	st, desc, err := openStore(ctx, sf)
	if err != nil {
		return err
	}
	defer st.Close()
	now := time.Now().UTC()
	if c.Now != nil {
		now = c.Now()
	}
	fmt.Fprintf(c.Stderr, "seeding %s\n", desc)
	p := newProgress(c.Stderr, "task sessions")
	start := time.Now()
	err = sim.Seed(ctx, st, cfg, now, p.update)
	p.finish()
	if errors.Is(err, sim.ErrConfigMismatch) {
		return fmt.Errorf("%s already holds data made from other settings: rerun with the same flags to continue it, add --force to start afresh (SQLite), or use another --data folder", desc)
	}
	if err != nil {
		return err
	}
	if err := saveWorld(ctx, st, cfg); err != nil {
		return err
	}
	// A store that keeps planner statistics (PostgreSQL) refreshes them now,
	// so that deep pages and window counts read indexes alone at once.
	if m, ok := st.(interface{ Maintain(context.Context) error }); ok {
		if err := m.Maintain(ctx); err != nil {
			return fmt.Errorf("refresh statistics after seeding: %w", err)
		}
	}
	fmt.Fprintf(c.Stdout, "seeded %s up to %s in %s\n", desc, now.Format(time.RFC3339), time.Since(start).Round(time.Millisecond))
	return nil
}

// metaWorld is the meta key under which the seeding config is kept, so that
// "serve --simulate" continues the same world.
const metaWorld = "cmd.world"

func saveWorld(ctx context.Context, st emcdp.Store, cfg sim.Config) error {
	b, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	return st.Apply(ctx, &emcdp.Batch{Meta: map[string]string{metaWorld: string(b)}})
}

// loadWorld returns the config a store was seeded with, if any.
func loadWorld(ctx context.Context, st emcdp.Store) (sim.Config, bool, error) {
	s, err := st.Meta(ctx, metaWorld)
	if err != nil || s == "" {
		return sim.Config{}, false, err
	}
	var cfg sim.Config
	if err := json.Unmarshal([]byte(s), &cfg); err != nil {
		return sim.Config{}, false, fmt.Errorf("the store's recorded world settings are unreadable: %w", err)
	}
	return cfg, true, nil
}

// removeSQLite deletes the SQLite database (and its WAL files) that the
// flags name; --force on PostgreSQL is refused.
func removeSQLite(sf storeFlags) error {
	path, ok := sqlitePath(sf)
	if !ok {
		return errors.New("--force deletes a SQLite file only; drop and recreate the PostgreSQL database instead")
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}
