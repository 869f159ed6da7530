package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/emcdp/emcdp/api"
	"github.com/emcdp/emcdp/auth"
	"github.com/emcdp/emcdp/client"
	"github.com/emcdp/emcdp/loadgen"
)

// scenarioOrder lists the scenarios in the order they run: the ceiling
// first, so that the others can be compared with it, and the collection
// last, since its very large answers leave the server's heap grown.
var scenarioOrder = []string{
	"ceiling", "ref-xml", "entity-xml", "entity-json", "logon",
	"query-day", "query-page", "query-vm",
	"monitor-last1", "monitor-last5", "monitor-24h", "monitor-repos",
	"report-overview", "report-vms", "report-jobs", "report-days", "report-repos", "collection",
}

func knownScenario(s string) bool {
	for _, n := range scenarioOrder {
		if n == s {
			return true
		}
	}
	return false
}

// bench is one run of the benchmark.
type bench struct {
	s        *benchSettings
	out, log io.Writer

	seededAt time.Time
	password string
	srv      *serverProc
	api      *client.Client // logged on as benchUser
	token    string
	data     *discovery
	monitor  *monitorData
}

// discovery is what the benchmark learns about the dataset through the API.
type discovery struct {
	Total    int         // task sessions
	IDs      []string    // a sample of task-session ids spread over the table
	VMs      []string    // VM names seen in the sample
	Days     []time.Time // whole UTC days inside the history
	MidPage  int         // the page of 100 that query-page reads
	First    time.Time   // the oldest and newest sampled creation times
	Last     time.Time
	BodySize int // bytes of one task-session entity XML as served
}

// scenario is one measured load.
type scenario struct {
	name  string
	what  string // the request, for the table
	conns int
	next  loadgen.Generator
}

func (b *bench) run(ctx context.Context) (err error) {
	if err := b.prepareDataset(ctx); err != nil {
		return err
	}
	if err := b.addUser(ctx); err != nil {
		return err
	}
	srv, err := b.startServer(ctx)
	if err != nil {
		return err
	}
	b.srv = srv
	defer func() {
		if serr := srv.stop(); serr != nil && err == nil {
			err = serr
		}
	}()
	fmt.Fprintf(b.log, "server %s (pid %d) on %s\n", b.s.binary, srv.cmd.Process.Pid, srv.url)

	tr := loadgen.NewTransport()
	tr.MaxConnsPerHost, tr.MaxIdleConnsPerHost, tr.MaxIdleConns = 4, 4, 4
	b.api = client.New(srv.url, &http.Client{Transport: tr, Timeout: b.s.timeout})
	defer tr.CloseIdleConnections()
	if err = b.api.Logon(ctx, benchUser, b.password); err != nil {
		return err
	}
	b.token = b.api.Token()
	if b.data, err = b.discover(ctx); err != nil {
		return err
	}
	if b.monitor, err = b.discoverMonitor(ctx); err != nil {
		return err
	}
	d := b.data
	fmt.Fprintf(b.out, "dataset: %d task sessions (asked for %d), %d VMs, from %s to %s\n",
		d.Total, b.s.taskSessions, b.s.plan.Servers*b.s.plan.Policies*b.s.plan.VMs,
		d.First.Format("2006-01-02 15:04"), d.Last.Format("2006-01-02 15:04"))

	rep := b.newReport()
	for _, slot := range schedule(b.scenarios(), b.s.rounds) {
		sc := slot.scenario
		if sc.next == nil {
			fmt.Fprintf(b.log, "%s skipped: the world has no backup jobs\n", sc.name)
			continue
		}
		for _, driver := range b.s.drivers {
			fmt.Fprintf(b.log, "%-12s%s %s driver, %d connections, %s warm-up + %s …\n", sc.name, slot.label, driver, sc.conns, b.s.warmup, b.s.duration)
			hwm := srv.resetPeak()
			st, err := b.drive(ctx, sc, driver)
			if err != nil {
				return err
			}
			peak, sampled, anon := srv.peak(hwm)
			if !srv.alive() {
				return fmt.Errorf("emcdp serve ended during %s (%v); see %s/serve.log", sc.name, srv.err, b.s.datasetDir())
			}
			rep.add(st, peak, sampled, anon)
			if n := st.StatusErrors + st.TransportErrors; n > 0 {
				fmt.Fprintf(b.log, "%-12s %d errors, the first: %s\n", sc.name, n, st.FirstError)
			}
		}
	}
	// The figures are kept even when the server does not stop cleanly:
	// every scenario has been measured by then, and the failure is still
	// reported, after them, as the run's error.
	stopErr := srv.stop()
	rep.print(b.out)
	if err := rep.write(b.s.jsonPath); err != nil {
		return errors.Join(err, stopErr)
	}
	fmt.Fprintf(b.out, "results written to %s\n", b.s.jsonPath)
	return stopErr
}

// drive runs one scenario with one driver.
func (b *bench) drive(ctx context.Context, sc scenario, driver string) (scenarioStat, error) {
	if driver == "wrk" {
		return b.runWrk(ctx, sc)
	}
	res, err := loadgen.Run(ctx, loadgen.Config{
		BaseURL: b.srv.url, Connections: sc.conns, Warmup: b.s.warmup, Duration: b.s.duration,
		Timeout: b.s.timeout, Next: sc.next, Seed: 1,
		Header: http.Header{"X-RestSvcSessionId": {b.token}},
	})
	if err != nil {
		return scenarioStat{}, err
	}
	return goStat(sc, res), nil
}

// scenarios builds the selected scenarios over the discovered data.
func (b *bench) scenarios() []scenario {
	d, c := b.data, b.s.connections
	id := func(r *rand.Rand) string { return d.IDs[r.IntN(len(d.IDs))] }
	taskPath := "/api/cdpReplicaTaskSessions/"
	basic := "Basic " + basicCredentials(benchUser, b.password)
	all := map[string]scenario{
		"ceiling": {what: "GET " + api.BenchCeilingPath, conns: c, next: func(*rand.Rand) loadgen.Request {
			return loadgen.Request{Path: api.BenchCeilingPath}
		}},
		"ref-xml": {what: "GET " + taskPath + "{id}", conns: c, next: func(r *rand.Rand) loadgen.Request {
			return loadgen.Request{Path: taskPath + id(r)}
		}},
		"entity-xml": {what: "GET " + taskPath + "{id}?format=Entity", conns: c, next: func(r *rand.Rand) loadgen.Request {
			return loadgen.Request{Path: taskPath + id(r) + "?format=Entity"}
		}},
		"entity-json": {what: "GET " + taskPath + "{id}?format=Entity (JSON)", conns: c, next: func(r *rand.Rand) loadgen.Request {
			return loadgen.Request{Path: taskPath + id(r) + "?format=Entity", Header: http.Header{"Accept": {"application/json"}}}
		}},
		// The server checks at most auth.DefaultHashConcurrency() passwords at
		// once and answers 503 to logons that wait longer: more connections
		// would measure the refusals.
		"logon": {what: "POST /api/sessionMngr/?v=latest (Basic)", conns: min(c, auth.DefaultHashConcurrency()), next: func(*rand.Rand) loadgen.Request {
			return loadgen.Request{Method: http.MethodPost, Path: "/api/sessionMngr/?v=latest",
				Header: http.Header{"Authorization": {basic}}}
		}},
		"query-day": {what: "query: one day's task sessions, pageSize=100", conns: c, next: func(r *rand.Rand) loadgen.Request {
			return loadgen.Request{Path: dayQuery(d.Days[r.IntN(len(d.Days))])}
		}},
		"query-page": {what: fmt.Sprintf("query: sortDesc=CreationTimeUTC&page=%d&pageSize=100", d.MidPage), conns: c,
			next: func(*rand.Rand) loadgen.Request { return loadgen.Request{Path: pageQuery(d.MidPage)} }},
		"query-vm": {what: "query: VmDisplayName==<vm>;Result>=Warning", conns: c, next: func(r *rand.Rand) loadgen.Request {
			return loadgen.Request{Path: vmQuery(d.VMs[r.IntN(len(d.VMs))])}
		}},
		"collection": {what: "GET /api/cdpReplicaTaskSessions (30 days)", conns: b.s.collectionConns,
			next: func(*rand.Rand) loadgen.Request { return loadgen.Request{Path: "/api/cdpReplicaTaskSessions"} }},
	}
	b.addMonitorScenarios(all)
	var out []scenario
	for _, name := range b.s.scenarios {
		sc := all[name]
		sc.name = name
		out = append(out, sc)
	}
	return out
}

const querySessions = "/api/query?type=CdpReplicaTaskSession"

// dayQuery filters one UTC day of task sessions.
func dayQuery(day time.Time) string {
	f := fmt.Sprintf(`CreationTimeUTC>="%s";CreationTimeUTC<"%s"`, day.Format("2006-01-02"), day.AddDate(0, 0, 1).Format("2006-01-02"))
	return querySessions + "&filter=" + url.QueryEscape(f) + "&pageSize=100"
}

// pageQuery reads one page of 100 deep in the newest-first order.
func pageQuery(page int) string {
	return querySessions + "&sortDesc=CreationTimeUTC&page=" + strconv.Itoa(page) + "&pageSize=100"
}

// vmQuery filters the problem sessions of one VM.
func vmQuery(vm string) string {
	f := `VmDisplayName=="` + strings.ReplaceAll(vm, `"`, `""`) + `";Result>=Warning`
	return querySessions + "&filter=" + url.QueryEscape(f)
}
