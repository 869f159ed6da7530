package main

import (
	"bytes"
	"context"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emcdp/emcdp/loadgen"
)

// needWrk skips a test that runs wrk when it is not installed, except in CI,
// where its absence is a failure.
func needWrk(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("wrk")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("wrk is not installed, and CI needs it: %v", err)
		}
		t.Skip("wrk is not installed (apt-get install wrk); the wrk driver is not tested")
	}
	return p
}

func TestLuaQuote(t *testing.T) {
	for in, want := range map[string]string{
		"":                     `""`,
		"/api/x?format=Entity": `"/api/x?format=Entity"`,
		`a"b\c`:                `"a\"b\\c"`,
		"new\nline\x00é":       `"new\010line\000\195\169"`,
	} {
		if got := luaQuote(in); got != want {
			t.Errorf("luaQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestPlanWrk(t *testing.T) {
	ids := []string{"a", "b", "c", "d"}
	token := http.Header{"X-RestSvcSessionId": {"tok"}}
	p, err := planWrk(func(r *rand.Rand) loadgen.Request {
		return loadgen.Request{Path: "/api/x/" + ids[r.IntN(len(ids))], Header: http.Header{"Accept": {"application/json"}}}
	}, token)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(p.paths)
	if p.method != "GET" || strings.Join(p.paths, " ") != "/api/x/a /api/x/b /api/x/c /api/x/d" ||
		// Names are kept as written, as package loadgen keeps them.
		!slices.Equal(p.header["X-RestSvcSessionId"], []string{"tok"}) || p.header.Get("Accept") != "application/json" || len(p.header) != 2 {
		t.Errorf("plan = %+v", p)
	}
	if token.Get("Accept") != "" {
		t.Error("the common header was changed")
	}

	// A generator's own header wins over the common one.
	p, err = planWrk(func(*rand.Rand) loadgen.Request {
		return loadgen.Request{Method: "POST", Path: "/api/sessionMngr/?v=latest", Header: http.Header{"X-RestSvcSessionId": {"mine"}}}
	}, token)
	if err != nil {
		t.Fatal(err)
	}
	if p.method != "POST" || len(p.paths) != 1 || !slices.Equal(p.header["X-RestSvcSessionId"], []string{"mine"}) {
		t.Errorf("plan = %+v", p)
	}

	// Distinct paths are bounded.
	n := 0
	p, err = planWrk(func(*rand.Rand) loadgen.Request { n++; return loadgen.Request{Path: "/p/" + strconv.Itoa(n)} }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.paths) != wrkMaxPaths {
		t.Errorf("%d paths, want %d", len(p.paths), wrkMaxPaths)
	}

	// wrk sends one method and header set, and no bodies.
	for name, g := range map[string]loadgen.Generator{
		"varying method": func(r *rand.Rand) loadgen.Request {
			return loadgen.Request{Method: []string{"GET", "POST"}[r.IntN(2)], Path: "/"}
		},
		"varying header": func(r *rand.Rand) loadgen.Request {
			return loadgen.Request{Path: "/", Header: http.Header{"Accept": {strconv.Itoa(r.IntN(2))}}}
		},
		"body": func(*rand.Rand) loadgen.Request { return loadgen.Request{Path: "/", Body: []byte("x")} },
	} {
		if _, err := planWrk(g, nil); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestWrkScript(t *testing.T) {
	p := &wrkPlan{method: "GET", header: http.Header{"Accept": {"application/json"}, "X-RestSvcSessionId": {"t\"k"}},
		paths: []string{"/api/a", `/api/query?filter=VmDisplayName%3D%3D%22vm%22`}}
	s := p.script()
	for _, want := range []string{
		"emcdp_method = \"GET\"\n",
		"  [\"Accept\"] = \"application/json\",\n  [\"X-RestSvcSessionId\"] = \"t\\\"k\",\n",
		"emcdp_paths = {\n  \"/api/a\",\n  \"/api/query?filter=VmDisplayName%3D%3D%22vm%22\",\n}\n",
		"function done(summary, latency, requests)",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("the script lacks %q:\n%s", want, s)
		}
	}
	if !strings.HasSuffix(s, wrkLua) {
		t.Error("the script does not end with the embedded bench_wrk.lua")
	}
}

func TestParseWrkOutput(t *testing.T) {
	out := `Running 1s test @ https://127.0.0.1:4443/
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   210.00us  100.00us   9.00ms   90.00%
  24000 requests in 2.00s, 36.00MB read
Requests/sec:  12000.00
Transfer/sec:     18.00MB
EMCDP-WRK {"requests":24000,"made":24031,"durationUs":2000000,"bytes":36000000,"errors":{"connect":0,"read":1,"write":0,"status":3,"timeout":2},"latencyUs":{"min":50,"max":9000,"mean":210.500,"p50":180,"p90":400,"p99":1234}}
`
	r, err := parseWrkOutput([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	st := r.stat(scenario{name: "entity-xml", what: "GET x"}, 4)
	if st.Name != "entity-xml" || st.Driver != "wrk" || st.Request != "GET x" || st.Connections != 4 || st.Requests != 24000 ||
		st.RPS != 12000 || st.P50 != 0.18 || st.P90 != 0.4 || st.P99 != 1.234 || st.Max != 9 || st.Bytes != 36000000 ||
		st.MeanBody != 1500 || st.StatusErrors != 3 || st.TransportErrors != 3 {
		t.Errorf("stat = %+v", st)
	}
	if st.FirstError != "wrk: 3 answers of status 400 or above, 1 read errors, 2 timeouts" {
		t.Errorf("FirstError = %q", st.FirstError)
	}

	// A run without answers has no rate, no mean body and no error.
	r, err = parseWrkOutput([]byte(`EMCDP-WRK {"requests":0,"durationUs":0,"bytes":0,"errors":{"connect":0,"read":0,"write":0,"status":0,"timeout":0},"latencyUs":{"min":0,"max":0,"mean":0,"p50":0,"p90":0,"p99":0}}`))
	if err != nil {
		t.Fatal(err)
	}
	if st := r.stat(scenario{name: "collection"}, 1); st.RPS != 0 || st.MeanBody != 0 || st.FirstError != "" {
		t.Errorf("empty stat = %+v", st)
	}

	for name, bad := range map[string]string{
		"no result line":   "Running 1s test\n  0 requests in 1.00s\n",
		"bad JSON":         "EMCDP-WRK {\"requests\":nan}\n",
		"negative":         `EMCDP-WRK {"requests":-1}`,
		"not all scripted": `EMCDP-WRK {"requests":24000,"made":23999}`,
	} {
		if _, err := parseWrkOutput([]byte(bad)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestWrkArgs(t *testing.T) {
	got := strings.Join(wrkArgs(1, 1500*time.Millisecond, 2*time.Minute, "/tmp/s.lua", "https://127.0.0.1:1/"), " ")
	if got != "-t 1 -c 1 -d 2s --timeout 120s -s /tmp/s.lua https://127.0.0.1:1/" {
		t.Errorf("wrkArgs = %s", got)
	}
	if got := wrkSeconds(100 * time.Millisecond); got != "1s" {
		t.Errorf("wrkSeconds(100ms) = %s", got)
	}
}

func TestBenchDriverFlag(t *testing.T) {
	for arg, want := range map[string]string{"": "go", "go": "go", "WRK": "wrk", "both": "go,wrk"} {
		var args []string
		if arg != "" {
			args = []string{"--driver", arg}
		}
		s, err := parseBench(t, args, nil)
		if err != nil {
			t.Fatalf("--driver %q: %v", arg, err)
		}
		if got := strings.Join(s.drivers, ","); got != want {
			t.Errorf("--driver %q: drivers %s, want %s", arg, got, want)
		}
	}
	if _, err := parseBench(t, []string{"--driver", "ab"}, nil); err == nil || !strings.Contains(err.Error(), "--driver") {
		t.Errorf("--driver ab: %v", err)
	}
}

// TestFindWrkMissing checks that a missing wrk is reported with the way to
// install it, before any dataset is seeded.
func TestFindWrkMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := findWrk()
	if err == nil || !strings.Contains(err.Error(), "apt-get install wrk") {
		t.Fatalf("findWrk without wrk: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "emcdp")
	if err := os.WriteFile(bin, nil, 0o700); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(t.TempDir(), "data")
	var out, errb bytes.Buffer
	c := &benchCmd{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	err = c.Run(t.Context(), []string{"--driver", "both", "--emcdp", bin, "--data", data})
	if err == nil || !strings.Contains(err.Error(), "apt-get install wrk") {
		t.Errorf("bench --driver both without wrk: %v", err)
	}
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Errorf("the dataset folder was made before wrk was found: %v", err)
	}
}

func TestReportPerDriver(t *testing.T) {
	r := &benchReport{Drivers: []string{"go", "wrk"}}
	r.add(scenarioStat{Name: "ceiling", Driver: "go", RPS: 1000}, 10, 10, 5)
	r.add(scenarioStat{Name: "ceiling", Driver: "wrk", RPS: 4000}, 20, 20, 5)
	r.add(scenarioStat{Name: "entity-xml", Driver: "go", RPS: 500}, 30, 30, 5)
	r.add(scenarioStat{Name: "entity-xml", Driver: "wrk", RPS: 1000}, 15, 15, 5)
	for i, want := range []float64{1, 1, 0.5, 0.25} {
		if s := r.Scenarios[i]; s.CeilingRatio == nil || *s.CeilingRatio != want {
			t.Errorf("%s %s: ratio %v, want %v", s.Name, s.Driver, s.CeilingRatio, want)
		}
	}
	if r.PeakRSS != 30 || r.Scenarios[1].PeakRSS != 20 {
		t.Errorf("peak RSS %d, scenario %d", r.PeakRSS, r.Scenarios[1].PeakRSS)
	}
	var b bytes.Buffer
	r.print(&b)
	lines := strings.Split(b.String(), "\n")
	if !strings.Contains(lines[2], "scenario  driver  conns") || !strings.Contains(b.String(), "entity-xml     wrk") {
		t.Errorf("table:\n%s", b.String())
	}
	b.Reset()
	r.Drivers = []string{"go"}
	r.print(&b)
	if strings.Contains(b.String(), "driver") {
		t.Errorf("a one-driver table has a driver column:\n%s", b.String())
	}
}

// TestWrkScriptRuns runs the generated script in the real wrk against a
// TLS server and checks what arrives: the method, the headers, paths drawn
// from the plan (more than one of them), and counts that match the
// server's.
func TestWrkScriptRuns(t *testing.T) {
	wrk := needWrk(t)
	var mu sync.Mutex
	seen := map[string]int{}
	var bad []string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.URL.RequestURI()]++
		if r.Method != "POST" || r.Header.Get("X-RestSvcSessionId") != "tok" || r.Header.Get("Accept") != "application/json" {
			bad = append(bad, r.Method+" "+r.URL.RequestURI()+" "+r.Header.Get("Accept"))
		}
		mu.Unlock()
		if strings.HasSuffix(r.URL.Path, "/missing") {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte("0123456789"))
	}))
	defer srv.Close()

	ids := []string{"a", "b", "c", "d", "e", "f", "missing"}
	p, err := planWrk(func(r *rand.Rand) loadgen.Request {
		return loadgen.Request{Method: "POST", Path: "/api/x/" + ids[r.IntN(len(ids))] + "?q=%22v%22",
			Header: http.Header{"Accept": {"application/json"}}}
	}, http.Header{"X-RestSvcSessionId": {"tok"}})
	if err != nil {
		t.Fatal(err)
	}
	r := runScript(t, wrk, p, srv.URL+"/")
	mu.Lock()
	defer mu.Unlock()
	if len(bad) > 0 {
		t.Errorf("%d requests without the plan's method and headers, e.g. %s", len(bad), bad[0])
	}
	var total, missing int64
	for path, n := range seen {
		if !slices.Contains(p.paths, path) {
			t.Errorf("wrk sent %s, which the plan does not hold", path)
		}
		total += int64(n)
		if strings.Contains(path, "/missing") {
			missing += int64(n)
		}
	}
	if len(seen) != len(ids) {
		t.Errorf("wrk sent %d distinct paths, want all %d: %v", len(seen), len(ids), seen)
	}
	// wrk stops at the end of its window with requests still in flight,
	// which the server answered but wrk did not count.
	if r.Requests < 100 || r.Requests > total || total-r.Requests > 2 {
		t.Errorf("wrk counted %d requests, the server answered %d", r.Requests, total)
	}
	if r.Errors.Status < 1 || r.Errors.Status > missing {
		t.Errorf("wrk counted %d status errors, the server answered %d with 404", r.Errors.Status, missing)
	}
	if r.LatencyUs.P50 <= 0 || r.LatencyUs.P99 < r.LatencyUs.P50 || r.LatencyUs.Max < r.LatencyUs.P99 || r.DurationUs < 900_000 {
		t.Errorf("result %+v", r)
	}
}

// TestWrkScriptOnePath runs the script of a plan of one path, as the
// ceiling's: its requests, too, come from the script's request(), so that
// the client's cost per request is the same on both sides of a ratio.
func TestWrkScriptOnePath(t *testing.T) {
	wrk := needWrk(t)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	p, err := planWrk(func(*rand.Rand) loadgen.Request { return loadgen.Request{Method: "GET", Path: "/api/_bench/ceiling"} }, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := runScript(t, wrk, p, srv.URL+"/")
	if r.Requests < 100 || r.Made < r.Requests {
		t.Errorf("wrk counted %d answers to %d requests made by the script", r.Requests, r.Made)
	}
}

// runScript runs wrk for a second over 2 connections to url with p's
// script and returns what the script's done() wrote.
func runScript(t *testing.T, wrk string, p *wrkPlan, url string) *wrkResult {
	t.Helper()
	script := filepath.Join(t.TempDir(), "s.lua")
	if err := os.WriteFile(script, []byte(p.script()), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, wrk, wrkArgs(2, time.Second, 5*time.Second, script, url)...).CombinedOutput()
	if err != nil {
		t.Fatalf("wrk: %v\n%s", err, out)
	}
	r, err := parseWrkOutput(out)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestRunWrkSlowAnswer checks that runWrk says so when wrk counted no answer
// because one takes longer than the window, and leaves no script behind.
func TestRunWrkSlowAnswer(t *testing.T) {
	wrk := needWrk(t)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2500 * time.Millisecond):
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	var log bytes.Buffer
	b := &bench{s: &benchSettings{benchFlags: benchFlags{duration: time.Second, timeout: 10 * time.Second}, wrkPath: wrk},
		srv: &serverProc{url: srv.URL}, token: "tok", log: &log}
	st, err := b.runWrk(t.Context(), scenario{name: "collection", conns: 1,
		next: func(*rand.Rand) loadgen.Request { return loadgen.Request{Path: "/api/x"} }})
	if err != nil {
		t.Fatal(err)
	}
	if st.Requests != 0 || st.Driver != "wrk" || !strings.Contains(log.String(), "give a longer --duration") {
		t.Errorf("stat %+v, log %q", st, log.String())
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "*")); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}
