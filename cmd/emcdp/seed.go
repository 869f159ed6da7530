package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/sim"
	"github.com/emcdp/emcdp/sqlite"
)

const seedUsage = `Usage: emcdp seed [flags]

Generates CDP history (backup servers, policies, VMs, policy sessions and task
sessions) and the regular VBR world beside it (repositories, backup, copy and
replica jobs, their job and task sessions) up to now into the store. The same flags give the same data. A seed
that is interrupted (even killed) continues where it stopped when run again
with the same flags; a store that holds another world is refused unless
--force starts a fresh SQLite database (it keeps the users, and says what it
deletes). --warning-rate 0 --failure-rate 0 makes a world without problems.

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
	fs := newFlagSet("seed", seedUsage, c.Stdout)
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
	force := fs.Bool("force", false, "start afresh: replace the SQLite database with an empty one that keeps its users")
	if err := parseFlags(fs, args, c.Getenv); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return badUsage(fs, "unexpected argument %q", fs.Arg(0))
	}
	if err := checkSeedFlags(fs, &cfg); err != nil {
		return err
	}
	if *scenario != "" {
		sc, err := sim.LoadScenario(*scenario)
		if err != nil {
			return err
		}
		cfg = sc
	} else if err := cfg.Validate(); err != nil {
		// Before the store is opened, which would create it.
		return badUsage(fs, "%v", err)
	}
	if *force {
		if err := c.startAfresh(ctx, sf); err != nil {
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

// checkSeedFlags refuses zeros that the generator would otherwise replace
// by its defaults, and turns --warning-rate 0 --failure-rate 0 into a world
// without random problems, as asked.
func checkSeedFlags(fs *flag.FlagSet, cfg *sim.Config) error {
	for _, f := range []struct {
		name string
		v    int
	}{{"servers", cfg.Servers}, {"policies", cfg.PoliciesPerServer}, {"days", cfg.Days}, {"vms-median", cfg.VMsMedian}} {
		if f.v < 1 {
			return badUsage(fs, "--%s must be at least 1, got %d", f.name, f.v)
		}
	}
	if cfg.VMsPerPolicy < 0 {
		return badUsage(fs, "--vms must be 0 (a spread around --vms-median) or more, got %d", cfg.VMsPerPolicy)
	}
	if cfg.WarningRate < 0 || cfg.FailureRate < 0 {
		return badUsage(fs, "--warning-rate and --failure-rate must not be negative")
	}
	if cfg.WarningRate == 0 && cfg.FailureRate == 0 {
		cfg.NoRandomEpisodes = true
	}
	return nil
}

// startAfresh replaces the SQLite database that the flags name with an empty
// one holding the same users, and says what it deleted. It refuses while a
// server uses the database, and on PostgreSQL.
func (c *seedCmd) startAfresh(ctx context.Context, sf storeFlags) error {
	path, ok := sqlitePath(sf)
	if !ok {
		return errors.New("--force replaces a SQLite file only; drop and recreate the PostgreSQL database instead")
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	unlock, err := lockServing(path)
	if err != nil {
		return err
	}
	defer unlock()
	users, gone, err := describeSQLite(ctx, path)
	if err != nil {
		return fmt.Errorf("--force: %w; to start without its users, delete %s (and its -wal and -shm files) by hand", err, path)
	}
	// The new database is made beside the old one and then moved over it,
	// so that the users are never only in memory.
	fresh := path + ".fresh"
	if err := removeSQLite(fresh); err != nil {
		return err
	}
	st, err := sqlite.Open(ctx, fresh)
	if err != nil {
		return err
	}
	for i := range users {
		if err := st.PutUser(ctx, &users[i]); err != nil {
			st.Close()
			return fmt.Errorf("--force: copy user %s: %w", users[i].Name, err)
		}
	}
	if err := st.Close(); err != nil {
		return err
	}
	for _, suffix := range []string{"-wal", "-shm", ""} {
		if _, err := os.Stat(fresh + suffix); err == nil {
			err = os.Rename(fresh+suffix, path+suffix)
			if err != nil {
				return err
			}
		} else if err := os.Remove(path + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	names := make([]string, len(users))
	for i, u := range users {
		names[i] = u.Name
	}
	kept := "no user"
	if len(users) > 0 {
		kept = fmt.Sprintf("%d user(s): %s", len(users), strings.Join(names, ", "))
	}
	fmt.Fprintf(c.Stderr, "--force: deleted %s from %s, and every logon session; kept %s\n", gone, path, kept)
	return nil
}

// describeSQLite reads the users of the SQLite database at path and
// describes the simulated world it holds.
func describeSQLite(ctx context.Context, path string) ([]emcdp.User, string, error) {
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, "", err
	}
	defer st.Close()
	users, err := st.Users(ctx)
	if err != nil {
		return nil, "", err
	}
	var parts []string
	for _, k := range []struct {
		kind emcdp.Kind
		name string
	}{{emcdp.KindBackupServer, "backup servers"}, {emcdp.KindCdpPolicy, "CDP policies"},
		{emcdp.KindCdpReplicaSession, "policy sessions"}, {emcdp.KindCdpReplicaTaskSession, "task sessions"}} {
		res, err := st.Query(ctx, &emcdp.Query{Kind: k.kind, PageSize: 1, Page: 1})
		if err != nil {
			return nil, "", err
		}
		parts = append(parts, fmt.Sprintf("%d %s", res.Total, k.name))
	}
	return users, strings.Join(parts, ", "), nil
}

// removeSQLite deletes a SQLite database and its WAL files.
func removeSQLite(path string) error {
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}
