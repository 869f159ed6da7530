package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/emcdp/emcdp/redact"
)

const benchUsage = `Usage: emcdp bench [flags]

Measures emcdp against this machine's ceiling. It seeds (or reuses) a dataset
of about --task-sessions task sessions, starts "emcdp serve" as a separate
process on a free loopback port, and drives it over HTTPS with --connections
keep-alive connections for --duration per scenario. The ceiling is a static
body of a task-session entity's size served by the same binary and TLS setup,
so every other scenario's throughput is also shown as a share of it.

Scenarios: ceiling, ref-xml, entity-xml, entity-json, logon, query-day,
query-page, query-vm, monitor-last1, monitor-last5, monitor-24h, monitor-repos,
report-overview, report-vms, report-jobs, report-days, report-repos,
collection. The monitor-* scenarios send what monitoring checks send (the last
sessions of one job by JobName sorted by EndTime descending, page size 1 and
5; the job sessions of the last 24 hours; the repositories) over
--connections connections, as many checks polling at once; the report-*
scenarios read one frame of the summary report each (overview, vms_overview,
job_statistics, processed_vms, repository) over one connection. Both kinds
are skipped when the world has no backup jobs.

Drivers: --driver go (the default) sends the load from this process
(package loadgen, a goroutine per connection); --driver wrk sends the same
scenarios through wrk (https://github.com/wg/wrk; Debian and Ubuntu:
apt-get install wrk), with a generated Lua script that draws the same ids, VM
names and queries and sets the same headers. wrk costs less CPU per request
than the Go driver: on a machine shared by client and server, the Go driver's
own work holds the light ceiling down the most and pushes the other ratios up,
so wrk's ratios to the ceiling are nearer the server's own. wrk takes whole
seconds: with it --duration, --warmup and --timeout are rounded up, and a
request still running at the end of the window is not counted. --driver both
runs every scenario with each and reports them side by side, each driver's
ratios against its own ceiling.

Rounds: the GET-by-id scenarios' ratio to the ceiling (ref-xml, entity-xml,
entity-json) is measured in --rounds rounds (default 3). The ceiling runs
first and again after each of their runs (ceiling, ref-xml, ceiling,
entity-xml, ceiling, entity-json, ceiling, ref-xml, …), so that every run of
them lies between two runs of the ceiling; a run's ratio is its throughput
over the mean of those two, which cancels a load on the machine that rises
or falls steadily over those three runs. Each reports the median of its rounds'
ratios, their range and every round's figures. The other scenarios run once,
after them. --rounds 1 runs every scenario once, the ceiling first.

Examples:
  go build -o emcdp ./cmd/emcdp && ./emcdp bench
  ./emcdp bench --task-sessions 100000 --duration 5s --scenarios ceiling,entity-xml
  ./emcdp bench --db postgres://postgres@127.0.0.1:5432/emcdp_bench
  ./emcdp bench --driver both --scenarios ceiling,entity-xml,entity-json --rounds 5
`

// benchCmd measures the server, run as a child process, against this
// machine's ceiling.
type benchCmd struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
}

// benchFlags are the settings of one benchmark run.
type benchFlags struct {
	taskSessions    int
	connections     int
	collectionConns int
	duration        time.Duration
	warmup          time.Duration
	timeout         time.Duration
	db              string
	data            string
	scenarios       string
	jsonPath        string
	binary          string
	driver          string
	rounds          int
}

func (f *benchFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&f.taskSessions, "task-sessions", 1_000_000, "task sessions in the dataset (approximately: the simulator decides the exact count)")
	fs.IntVar(&f.connections, "connections", 32, "concurrent keep-alive connections, each with one request in flight")
	fs.IntVar(&f.collectionConns, "collection-connections", 1, "connections for the collection scenario, whose answer holds every task session of the last 30 days")
	fs.DurationVar(&f.duration, "duration", 10*time.Second, "measured time per scenario")
	fs.DurationVar(&f.warmup, "warmup", 2*time.Second, "unmeasured time before each scenario")
	fs.DurationVar(&f.timeout, "timeout", 2*time.Minute, "longest wait for one answer; a slower one counts as an error")
	fs.StringVar(&f.db, "db", "", "database to benchmark: empty for SQLite in the dataset folder, or postgres://user@host:5432/db")
	fs.StringVar(&f.data, "data", "./emcdp-bench-data", "folder caching the datasets; a dataset seeded with the same parameters is reused")
	fs.StringVar(&f.scenarios, "scenarios", "all", "comma-separated scenarios to run, or all")
	fs.StringVar(&f.jsonPath, "json", "", "results file (default bench-results/<date>-<store>.json)")
	fs.StringVar(&f.binary, "emcdp", "", "emcdp binary to run as the server (default: this executable)")
	fs.StringVar(&f.driver, "driver", "go", "load driver: go (built in), wrk (needs wrk installed) or both")
	fs.IntVar(&f.rounds, "rounds", 3, "rounds in which the ceiling and ref-xml, entity-xml, entity-json are measured, each run of those three between two runs of the ceiling; their ratio to the ceiling is the median of the rounds'")
}

// benchSettings are the checked flags.
type benchSettings struct {
	benchFlags
	store     string // "sqlite" or "postgres"
	scenarios []string
	plan      datasetPlan
	drivers   []string // "go", "wrk" or both, in that order
	wrkPath   string   // the wrk executable, when a driver is wrk
}

// check validates the flags and fills in the defaults that depend on others.
func (f *benchFlags) check(now time.Time) (*benchSettings, error) {
	s := &benchSettings{benchFlags: *f}
	switch {
	case f.taskSessions < 1:
		return nil, fmt.Errorf("--task-sessions must be at least 1, got %d", f.taskSessions)
	case f.connections < 1 || f.connections > 10000:
		return nil, fmt.Errorf("--connections must be 1…10000, got %d", f.connections)
	case f.collectionConns < 1 || f.collectionConns > 10000:
		return nil, fmt.Errorf("--collection-connections must be 1…10000, got %d", f.collectionConns)
	case f.duration <= 0:
		return nil, fmt.Errorf("--duration must be positive, got %v", f.duration)
	case f.warmup < 0:
		return nil, fmt.Errorf("--warmup must not be negative, got %v", f.warmup)
	case f.timeout <= 0:
		return nil, fmt.Errorf("--timeout must be positive, got %v", f.timeout)
	case f.data == "":
		return nil, errors.New("--data must name a folder")
	case f.rounds < 1 || f.rounds > 100:
		return nil, fmt.Errorf("--rounds must be 1…100, got %d", f.rounds)
	}
	switch {
	case f.db == "":
		s.store = "sqlite"
	case strings.HasPrefix(f.db, "postgres://"), strings.HasPrefix(f.db, "postgresql://"):
		s.store = "postgres"
	default:
		return nil, fmt.Errorf("--db %q: leave it empty for SQLite, or give a postgres:// URL", redact.DatabaseURL(f.db))
	}
	switch strings.ToLower(strings.TrimSpace(f.driver)) {
	case "go":
		s.drivers = []string{"go"}
	case "wrk":
		s.drivers = []string{"wrk"}
	case "both":
		s.drivers = []string{"go", "wrk"}
	default:
		return nil, fmt.Errorf("--driver %q: use go, wrk or both", f.driver)
	}
	var err error
	if s.scenarios, err = parseScenarios(f.scenarios); err != nil {
		return nil, err
	}
	if s.plan, err = planDataset(f.taskSessions); err != nil {
		return nil, err
	}
	if s.jsonPath == "" {
		s.jsonPath = filepath.Join("bench-results", now.Format("2006-01-02")+"-"+s.store+".json")
	}
	return s, nil
}

// parseScenarios turns the --scenarios list into scenario names in the
// order they run (the ceiling first, the collection last).
func parseScenarios(list string) ([]string, error) {
	if strings.TrimSpace(list) == "" || strings.EqualFold(strings.TrimSpace(list), "all") {
		return append([]string(nil), scenarioOrder...), nil
	}
	want := map[string]bool{}
	for _, s := range strings.Split(list, ",") {
		s = strings.ToLower(strings.TrimSpace(s))
		if s == "" {
			continue
		}
		if !knownScenario(s) {
			return nil, fmt.Errorf("--scenarios: unknown scenario %q; use %s", s, strings.Join(scenarioOrder, ", "))
		}
		want[s] = true
	}
	if len(want) == 0 {
		return nil, errors.New("--scenarios names no scenario")
	}
	var out []string
	for _, s := range scenarioOrder {
		if want[s] {
			out = append(out, s)
		}
	}
	return out, nil
}

func (c *benchCmd) Run(ctx context.Context, args []string) error {
	fs := newFlagSet("bench", benchUsage, c.Stdout)
	var f benchFlags
	f.register(fs)
	if err := parseFlags(fs, args, c.Getenv); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return badUsage(fs, "unexpected argument %q", fs.Arg(0))
	}
	s, err := f.check(time.Now())
	if err != nil {
		return err
	}
	if s.binary == "" {
		if s.binary, err = os.Executable(); err != nil {
			return fmt.Errorf("find this executable (give --emcdp PATH): %w", err)
		}
	}
	if s.binary, err = filepath.Abs(s.binary); err != nil {
		return err
	}
	if _, err := os.Stat(s.binary); err != nil {
		return fmt.Errorf("--emcdp: %w", err)
	}
	if slices.Contains(s.drivers, "wrk") {
		if s.wrkPath, err = findWrk(); err != nil {
			return err
		}
	}
	b := &bench{s: s, out: c.Stdout, log: c.Stderr}
	return b.run(ctx)
}
