package main

import (
	"context"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/emcdp/emcdp/loadgen"
)

// The monitoring scenarios send the queries that monitoring checks and
// exporters send (monitoring.md §2), each over --connections connections,
// as many checks polling at once do (issue 15 sets their target at 1 and at
// 32 connections): the last finished session of one job and its last five,
// by JobName sorted by end time descending; the job sessions created in the
// last 24 hours; and the repositories. They need a world with jobs; without
// any they are skipped.
//
// The report scenarios read one frame of the summary report each
// (monitoring.md §7) over one connection, as exporters poll them; they are
// skipped in the same case.
var monitorScenarios = []string{"monitor-last1", "monitor-last5", "monitor-24h", "monitor-repos",
	"report-overview", "report-vms", "report-jobs", "report-days", "report-repos"}

// reportScenarios maps each report scenario to its frame's path.
var reportScenarios = []struct{ name, path string }{
	{"report-overview", "overview"}, {"report-vms", "vms_overview"}, {"report-jobs", "job_statistics"},
	{"report-days", "processed_vms"}, {"report-repos", "repository"},
}

// monitorData is what the monitoring scenarios learn about the world.
type monitorData struct {
	Jobs   []string  // backup job names
	Newest time.Time // creation time of the newest backup job session
}

// discoverMonitor reads the backup job names and the newest backup job
// session through the query service.
func (b *bench) discoverMonitor(ctx context.Context) (*monitorData, error) {
	var jobs struct {
		Refs *struct{ Refs []struct{ Name string } }
	}
	filter := url.QueryEscape("JobType==Backup")
	if err := b.api.Get(ctx, "/api/query?type=Job&filter="+filter+"&pageSize=1000", &jobs); err != nil {
		return nil, err
	}
	m := &monitorData{}
	if jobs.Refs != nil {
		for _, j := range jobs.Refs.Refs {
			m.Jobs = append(m.Jobs, j.Name)
		}
	}
	var last struct {
		Entities *struct {
			BackupJobSessions *struct {
				BackupJobSessions []struct{ CreationTimeUTC string }
			}
		}
	}
	if err := b.api.Get(ctx, "/api/query?type=BackupJobSession&format=Entities&sortDesc=CreationTime&pageSize=1",
		&last); err != nil {
		return nil, err
	}
	if e := last.Entities; e != nil && e.BackupJobSessions != nil && len(e.BackupJobSessions.BackupJobSessions) > 0 {
		t, err := time.Parse(time.RFC3339Nano, e.BackupJobSessions.BackupJobSessions[0].CreationTimeUTC)
		if err == nil {
			m.Newest = t
		}
	}
	return m, nil
}

// addMonitorScenarios adds the monitoring scenarios to all, with no
// generator when the world has no backup jobs.
func (b *bench) addMonitorScenarios(all map[string]scenario) {
	m := b.monitor
	json := http.Header{"Accept": {"application/json"}}
	last := func(size string) loadgen.Generator {
		if m == nil || len(m.Jobs) == 0 {
			return nil
		}
		return func(r *rand.Rand) loadgen.Request {
			f := `JobName=="` + strings.ReplaceAll(m.Jobs[r.IntN(len(m.Jobs))], `"`, `""`) + `"`
			return loadgen.Request{Path: "/api/query?type=BackupJobSession&filter=" + url.QueryEscape(f) +
				"&format=Entities&pageSize=" + size + "&sortDesc=EndTime", Header: json}
		}
	}
	var day loadgen.Generator
	if m != nil && !m.Newest.IsZero() {
		// The client form: unquoted, without a zone.
		path := "/api/query?type=BackupJobSession&filter=" +
			url.QueryEscape("CreationTime>="+m.Newest.Add(-24*time.Hour).UTC().Format("2006-01-02T15:04:05")) +
			"&format=Entities&pageSize=100"
		day = func(*rand.Rand) loadgen.Request { return loadgen.Request{Path: path, Header: json} }
	}
	var repos loadgen.Generator
	if m != nil && len(m.Jobs) > 0 {
		repos = func(*rand.Rand) loadgen.Request {
			return loadgen.Request{Path: "/api/query?type=Repository&format=Entities", Header: json}
		}
	}
	all["monitor-last1"] = scenario{what: `query: BackupJobSession JobName=="<job>" sortDesc=EndTime pageSize=1`, conns: b.s.connections, next: last("1")}
	all["monitor-last5"] = scenario{what: `query: BackupJobSession JobName=="<job>" sortDesc=EndTime pageSize=5`, conns: b.s.connections, next: last("5")}
	all["monitor-24h"] = scenario{what: "query: BackupJobSession CreationTime>=<24 h ago>, pageSize=100", conns: b.s.connections, next: day}
	all["monitor-repos"] = scenario{what: "query: Repository, format=Entities", conns: b.s.connections, next: repos}
	for _, rs := range reportScenarios {
		var next loadgen.Generator
		if m != nil && len(m.Jobs) > 0 {
			path := "/api/reports/summary/" + rs.path
			next = func(*rand.Rand) loadgen.Request { return loadgen.Request{Path: path, Header: json} }
		}
		all[rs.name] = scenario{what: "GET " + "/api/reports/summary/" + rs.path + " (JSON)", conns: 1, next: next}
	}
}
