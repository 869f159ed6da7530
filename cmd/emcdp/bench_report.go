package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/emcdp/emcdp/loadgen"
)

// benchReport is the JSON record of a run, kept under docs/bench/ for the
// runs that docs/performance.md quotes.
type benchReport struct {
	Date        time.Time      `json:"date"`
	Commit      string         `json:"commit"`
	Store       string         `json:"store"`
	Drivers     []string       `json:"drivers"`
	Machine     machineInfo    `json:"machine"`
	Dataset     datasetReport  `json:"dataset"`
	Connections int            `json:"connections"`
	Duration    string         `json:"duration"`
	Warmup      string         `json:"warmup"`
	PeakRSS     int64          `json:"serverPeakRSSBytes"`
	Rounds      int            `json:"rounds,omitempty"` // --rounds; absent in the records from before it (one)
	Scenarios   []scenarioStat `json:"scenarios"`

	runs []scenarioStat // every run in the order it ran, which settle makes Scenarios of
}

type machineInfo struct {
	CPUs      int    `json:"cpus"`
	CPUModel  string `json:"cpuModel,omitempty"`
	MemoryMB  int64  `json:"memoryMB,omitempty"`
	GoVersion string `json:"goVersion"`
	OS        string `json:"os"`
}

type datasetReport struct {
	Requested    int         `json:"requestedTaskSessions"`
	TaskSessions int         `json:"taskSessions"`
	Plan         datasetPlan `json:"plan"`
	SeededAt     time.Time   `json:"seededAt"`
	EntityBytes  int         `json:"entityXMLBytes"`
}

// scenarioStat is one scenario's figures; times in milliseconds.
type scenarioStat struct {
	Name            string   `json:"name"`
	Driver          string   `json:"driver"` // go or wrk
	Request         string   `json:"request"`
	Connections     int      `json:"connections"`
	Requests        int64    `json:"requests"`
	RPS             float64  `json:"requestsPerSecond"`
	P50             float64  `json:"p50Ms"`
	P90             float64  `json:"p90Ms"`
	P99             float64  `json:"p99Ms"`
	Max             float64  `json:"maxMs"`
	StatusErrors    int64    `json:"statusErrors"`
	TransportErrors int64    `json:"transportErrors"`
	FirstError      string   `json:"firstError,omitempty"`
	Bytes           int64    `json:"bytes"`
	MeanBody        int64    `json:"meanBodyBytes"`
	CeilingRatio    *float64 `json:"ceilingRatio,omitempty"`
	PeakRSS         int64    `json:"peakRSSBytes"`
	SampledRSS      int64    `json:"sampledMaxRSSBytes"`
	AnonRSS         int64    `json:"sampledMaxAnonRSSBytes"`
	// For a scenario run more than once (--rounds): the range of the
	// rounds' ratios, whose median is CeilingRatio, and every run.
	CeilingRatioMin *float64   `json:"ceilingRatioMin,omitempty"`
	CeilingRatioMax *float64   `json:"ceilingRatioMax,omitempty"`
	Runs            []benchRun `json:"runs,omitempty"`
}

func (b *bench) newReport() *benchReport {
	return &benchReport{
		Date:        time.Now().UTC().Truncate(time.Second),
		Commit:      buildCommit(),
		Store:       b.s.store,
		Drivers:     b.s.drivers,
		Machine:     readMachine(),
		Connections: b.s.connections,
		Duration:    b.s.duration.String(),
		Warmup:      b.s.warmup.String(),
		Rounds:      b.s.rounds,
		Dataset: datasetReport{Requested: b.s.taskSessions, TaskSessions: b.data.Total, Plan: b.s.plan,
			SeededAt: b.seededAt, EntityBytes: b.data.BodySize},
	}
}

// goStat turns the Go driver's result into the report's figures.
func goStat(sc scenario, res *loadgen.Result) scenarioStat {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	st := scenarioStat{
		Name: sc.name, Driver: "go", Request: sc.what, Connections: res.Connections, Requests: res.Requests,
		RPS: res.RPS(), P50: ms(res.Latency.Quantile(0.5)), P90: ms(res.Latency.Quantile(0.9)),
		P99: ms(res.Latency.Quantile(0.99)), Max: ms(res.Latency.Max()),
		StatusErrors: res.StatusErrors, TransportErrors: res.TransportErrors, FirstError: res.FirstError,
		Bytes: res.Bytes,
	}
	if res.Requests > 0 {
		st.MeanBody = res.Bytes / res.Requests
	}
	return st
}

// add records a run's figures with the server's memory, and settles the
// entries again: the ratio to the ceiling measured by the same driver is
// filled in once that ceiling has run.
func (r *benchReport) add(st scenarioStat, peak, sampled, anon int64) {
	st.PeakRSS, st.SampledRSS, st.AnonRSS = peak, sampled, anon
	r.runs = append(r.runs, st)
	r.PeakRSS = max(r.PeakRSS, peak)
	r.settle()
}

// print writes the table of results.
func (r *benchReport) print(w io.Writer) {
	fmt.Fprintf(w, "\nemcdp %s on %s, %d task sessions, %d CPUs, %s, %s per scenario\n",
		r.Commit, r.Store, r.Dataset.TaskSessions, r.Machine.CPUs, r.Machine.GoVersion, r.Duration)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	// With more than one driver, each scenario has a line per driver.
	drivers := len(r.Drivers) > 1
	fmt.Fprint(tw, "scenario\t")
	if drivers {
		fmt.Fprint(tw, "driver\t")
	}
	fmt.Fprintln(tw, "conns\treq/s\tp50 ms\tp90 ms\tp99 ms\tmax ms\terrors\tvs ceiling\tbody B\tpeak RSS MB\tanon MB\t")
	for _, s := range r.Scenarios {
		ratio := "-"
		if s.CeilingRatio != nil {
			ratio = fmt.Sprintf("%.0f %%", *s.CeilingRatio*100)
		}
		fmt.Fprintf(tw, "%s\t", s.Name)
		if drivers {
			fmt.Fprintf(tw, "%s\t", s.Driver)
		}
		fmt.Fprintf(tw, "%d\t%.0f\t%.2f\t%.2f\t%.2f\t%.1f\t%d\t%s\t%d\t%.0f\t%.0f\t\n", s.Connections, s.RPS,
			s.P50, s.P90, s.P99, s.Max, s.StatusErrors+s.TransportErrors, ratio, s.MeanBody, float64(s.PeakRSS)/(1<<20), float64(s.AnonRSS)/(1<<20))
	}
	tw.Flush()
	r.printRounds(w)
	fmt.Fprintf(w, "server peak RSS: %.0f MB\n", float64(r.PeakRSS)/(1<<20))
}

// write saves the report as indented JSON, creating the folder.
func (r *benchReport) write(path string) error {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// buildCommit returns the VCS revision this binary was built from (short,
// "+dirty" when the tree had changes), or "unknown".
func buildCommit() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return gitCommit()
	}
	rev, dirty := "", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return gitCommit()
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "+dirty"
	}
	return rev
}

// gitCommit asks git for the commit checked out in the working folder, for
// binaries built without VCS stamping (-buildvcs=false); "unknown" when
// that fails too.
func gitCommit() string {
	out, err := exec.Command("git", "rev-parse", "--short=12", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}

// readMachine describes the machine from the runtime and /proc.
func readMachine() machineInfo {
	m := machineInfo{CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "MemTotal:") {
				fmt.Sscanf(strings.TrimPrefix(line, "MemTotal:"), "%d", &kb)
			}
		}
		m.MemoryMB = kb >> 10
	}
	return m
}
