package emcdptest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/emcdp/emcdp/client"
	"github.com/emcdp/emcdp/control"
	"github.com/emcdp/emcdp/emcdptest"
	"github.com/emcdp/emcdp/sim"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// t0 is the instant the tests' worlds are seeded to.
var t0 = time.Date(2026, 6, 15, 6, 30, 0, 0, time.UTC)

// call sends a control or metrics request and returns the status and body.
func call(t *testing.T, srv *emcdptest.Server, method, path, token, body string) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := srv.HTTPClient().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// ctl sends an authorised control request, expects want and decodes
// the answer into v.
func ctl(t *testing.T, srv *emcdptest.Server, method, path, body string, want int, v any) {
	t.Helper()
	st, b := call(t, srv, method, path, srv.ControlToken, body)
	if st != want {
		t.Fatalf("%s %s = %d %s, want %d", method, path, st, b, want)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
}

// scrape reads /metrics through the Prometheus text-format parser.
func scrape(t *testing.T, srv *emcdptest.Server) map[string]*dto.MetricFamily {
	t.Helper()
	st, b := call(t, srv, "GET", "/metrics", srv.ControlToken, "")
	if st != http.StatusOK {
		t.Fatalf("GET /metrics = %d", st)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// value returns the value of the metric of family name whose labels
// include every pair of labels; ok is false when there is none.
func value(fams map[string]*dto.MetricFamily, name string, labels map[string]string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, lp := range m.GetLabel() {
			have[lp.GetName()] = lp.GetValue()
		}
		for k, v := range labels {
			if have[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount()), true
		}
	}
	return 0, false
}

// queryWithRetry reads one page, retrying an answer of 503 up to five times
// as a careful client does.
func queryWithRetry(ctx context.Context, c *client.Client, q client.Query) (*client.Page, int, error) {
	for try := 1; ; try++ {
		p, err := c.QueryPage(ctx, q, 1)
		if client.StatusOf(err) == http.StatusServiceUnavailable && try < 5 {
			continue
		}
		return p, try, err
	}
}

// TestFaultRetryJournalMetrics: ready → reset → a 503 on /api/query for two
// requests → the client retries and succeeds → the journal shows exactly
// those requests with their query strings and statuses → the metrics count
// the 503s.
func TestFaultRetryJournalMetrics(t *testing.T) {
	srv := emcdptest.Start(t, emcdptest.WithNow(t0))
	ctx := context.Background()

	var ready struct{ Ready bool }
	ctl(t, srv, "GET", "/_emcdp/ready", "", http.StatusOK, &ready)
	if !ready.Ready {
		t.Fatal("not ready")
	}
	ctl(t, srv, "POST", "/_emcdp/reset", "", http.StatusOK, nil)
	var rule struct{ ID string }
	ctl(t, srv, "POST", "/_emcdp/faults", `{"method":"GET","path":"/api/query*","status":503,"count":2}`, http.StatusCreated, &rule)

	c := srv.Client(t)
	q := client.Query{Type: "CdpPolicy", Filter: `Name=="CDP Exchange"`, PageSize: 10}
	page, tries, err := queryWithRetry(ctx, c, q)
	if err != nil {
		t.Fatalf("query after %d tries: %v", tries, err)
	}
	if tries != 3 || len(page.Items) != 1 {
		t.Fatalf("%d tries, %d items; want 3 tries and 1 item", tries, len(page.Items))
	}
	var rules []any
	ctl(t, srv, "GET", "/_emcdp/faults", "", http.StatusOK, &rules)
	if len(rules) != 0 {
		t.Errorf("the rule is still listed after its two requests: %v", rules)
	}

	var journal []struct {
		ID, Method, Path, Query, User, Fault string
		Status                               int
	}
	ctl(t, srv, "GET", "/_emcdp/requests?path=/api/query", "", http.StatusOK, &journal)
	if len(journal) != 3 {
		t.Fatalf("journal holds %d query requests, want 3: %+v", len(journal), journal)
	}
	for i, want := range []int{503, 503, 200} {
		e := journal[i]
		if e.Status != want || e.Method != "GET" || !strings.Contains(e.Query, "type=CdpPolicy") ||
			!strings.Contains(e.Query, "filter=Name") || e.ID == "" {
			t.Errorf("journal[%d] = %+v, want status %d with the query string", i, e, want)
		}
		if (want == 503) != (e.Fault == rule.ID) {
			t.Errorf("journal[%d] fault = %q, rule %q", i, e.Fault, rule.ID)
		}
	}
	if journal[2].User != srv.User {
		t.Errorf("the served request's user = %q, want %q", journal[2].User, srv.User)
	}
	var all []struct{ Path string }
	ctl(t, srv, "GET", "/_emcdp/requests", "", http.StatusOK, &all)
	if len(all) != 4 { // the logon and the three queries; the reset came before
		t.Errorf("journal holds %d requests, want 4 (logon + 3 queries): %+v", len(all), all)
	}

	fams := scrape(t, srv)
	if v, _ := value(fams, "emcdp_faults_injected_total", map[string]string{"kind": "status"}); v != 2 {
		t.Errorf("emcdp_faults_injected_total{kind=status} = %v, want 2", v)
	}
	if v, _ := value(fams, "emcdp_http_requests_total", map[string]string{"route": "/api/query", "method": "GET", "status": "503"}); v != 2 {
		t.Errorf("emcdp_http_requests_total 503 on /api/query = %v, want 2", v)
	}
	if v, _ := value(fams, "emcdp_http_requests_total", map[string]string{"route": "/api/query", "method": "GET", "status": "200"}); v != 1 {
		t.Errorf("emcdp_http_requests_total 200 on /api/query = %v, want 1", v)
	}
	if v, _ := value(fams, "emcdp_logons_total", map[string]string{"result": "success"}); v != 1 {
		t.Errorf("emcdp_logons_total{result=success} = %v, want 1", v)
	}
	if v, _ := value(fams, "emcdp_world_resources", map[string]string{"type": "CdpPolicy"}); v != 4 {
		t.Errorf("emcdp_world_resources{type=CdpPolicy} = %v, want 4", v)
	}
	if _, ok := value(fams, "emcdp_http_request_duration_seconds", map[string]string{"route": "/api/query"}); !ok {
		t.Error("no latency histogram for /api/query")
	}
}

// session is the part of a session entity the tests look at.
type session struct {
	UID, State, Result, CreationTimeUTC, EndTimeUTC string
}

func sessions(t *testing.T, c *client.Client, typ string) []session {
	t.Helper()
	var out []session
	err := c.QueryAll(context.Background(), client.Query{Type: typ, PageSize: 500, SortAsc: "CreationTime"}, func(it json.RawMessage) error {
		var s session
		if err := json.Unmarshal(it, &s); err != nil {
			return err
		}
		out = append(out, s)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// bodies reads every page of a query as raw JSON, with the server's root
// URL cut out of the links, so that two servers' answers compare.
func bodies(t *testing.T, srv *emcdptest.Server, c *client.Client, typ string) string {
	t.Helper()
	var all []json.RawMessage
	err := c.QueryAll(context.Background(), client.Query{Type: typ, PageSize: 500}, func(it json.RawMessage) error {
		all = append(all, it)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) == 0 {
		t.Fatalf("no %s at all", typ)
	}
	b, _ := json.Marshal(all)
	return strings.ReplaceAll(string(b), srv.URL, "ROOT")
}

// TestAdvanceEqualsSeed: advancing the clock 24 h rolls the policy sessions
// over and starts new task sessions, and the API then answers exactly as a
// server whose world was seeded to that instant.
func TestAdvanceEqualsSeed(t *testing.T) {
	srv := emcdptest.Start(t, emcdptest.WithNow(t0))
	c := srv.Client(t)
	before := sessions(t, c, "CdpReplicaSession")
	tasksBefore := sessions(t, c, "CdpReplicaTaskSession")

	var clk struct{ Now time.Time }
	ctl(t, srv, "POST", "/_emcdp/clock", `{"advance":"24h"}`, http.StatusOK, &clk)
	if !clk.Now.Equal(t0.Add(24 * time.Hour)) {
		t.Fatalf("clock after advance = %v, want %v", clk.Now, t0.Add(24*time.Hour))
	}
	// The advance aged the logon session by 24 h too: it has expired.
	if err := c.Get(context.Background(), "/api/backupServers", nil); client.StatusOf(err) != http.StatusUnauthorized {
		t.Errorf("a logon session idle for 24 h of advanced time: %v, want 401", err)
	}
	c = srv.Client(t)
	after := sessions(t, c, "CdpReplicaSession")
	tasksAfter := sessions(t, c, "CdpReplicaTaskSession")

	working := func(list []session) map[string]bool {
		m := map[string]bool{}
		for _, s := range list {
			if s.State == "Working" {
				m[s.UID] = true
			}
		}
		return m
	}
	wb, wa := working(before), working(after)
	if len(wb) != 4 || len(wa) != 4 {
		t.Fatalf("working policy sessions: %d before, %d after; want one per policy (4)", len(wb), len(wa))
	}
	for uid := range wb {
		if wa[uid] {
			t.Errorf("policy session %s still works after 24 h: it should have rolled over", uid)
		}
	}
	if len(after) != len(before)+4 {
		t.Errorf("%d policy sessions after 24 h, %d before; want 4 new", len(after), len(before))
	}
	if len(tasksAfter) <= len(tasksBefore) {
		t.Errorf("%d task sessions after 24 h, %d before; want new ones", len(tasksAfter), len(tasksBefore))
	}
	fams := scrape(t, srv)
	for typ, want := range map[string]int{"CdpReplicaSession": len(after) - len(before), "CdpReplicaTaskSession": len(tasksAfter) - len(tasksBefore)} {
		if v, _ := value(fams, "emcdp_sim_sessions_created_total", map[string]string{"type": typ}); int(v) != want {
			t.Errorf("emcdp_sim_sessions_created_total{type=%s} = %v, want %d", typ, v, want)
		}
	}

	// The same world seeded straight to t0+24h.
	cfg := sim.Demo()
	cfg.Start = t0.Add(-time.Duration(cfg.Days) * 24 * time.Hour)
	ref := emcdptest.Start(t, emcdptest.WithWorld(cfg, "demo"), emcdptest.WithNow(t0.Add(24*time.Hour)))
	rc := ref.Client(t)
	for _, typ := range []string{"CdpReplicaSession", "CdpReplicaTaskSession"} {
		got, want := bodies(t, srv, c, typ), bodies(t, ref, rc, typ)
		if got != want {
			t.Errorf("%s after advancing differs from a seed to the same instant (%d vs %d bytes)", typ, len(got), len(want))
		}
	}
}

// TestResetBetweenTests: two tests share a server; the first logs on, adds
// a fault rule and moves the clock; after a reset the second gets the same
// answers as a fresh server.
func TestResetBetweenTests(t *testing.T) {
	srv := emcdptest.Start(t, emcdptest.WithNow(t0))
	fresh := emcdptest.Start(t, emcdptest.WithNow(t0))
	var token string
	t.Run("first", func(t *testing.T) {
		c := srv.Client(t)
		token = c.Token()
		if _, err := srv.Faults().Add(control.Rule{Path: "/api/query*", Status: 500}); err != nil {
			t.Fatal(err)
		}
		srv.Advance(t, 6*time.Hour)
		var clk struct{ Paused bool }
		ctl(t, srv, "POST", "/_emcdp/clock", `{"paused":false,"scale":60}`, http.StatusOK, &clk)
		if clk.Paused {
			t.Fatal("the clock did not resume")
		}
	})
	var reset struct{ TookMs float64 }
	ctl(t, srv, "POST", "/_emcdp/reset", "", http.StatusOK, &reset)
	t.Logf("reset of the demo world took %.1f ms", reset.TookMs)
	t.Run("second", func(t *testing.T) {
		old := client.New(srv.URL, srv.HTTPClient())
		old.SetToken(token)
		if err := old.Get(context.Background(), "/api/backupServers", nil); client.StatusOf(err) != http.StatusUnauthorized {
			t.Errorf("the first test's logon session after reset: %v, want 401", err)
		}
		if n := len(srv.Faults().List()); n != 0 {
			t.Errorf("%d fault rules after reset", n)
		}
		st := srv.Clock().State()
		if !st.Now.Equal(t0) || !st.Paused || st.Scale != 1 {
			t.Errorf("clock after reset = %+v, want paused at %v, scale 1", st, t0)
		}
		c, fc := srv.Client(t), fresh.Client(t)
		for _, typ := range []string{"BackupServer", "CdpPolicy", "CdpReplicaSession", "CdpReplicaTaskSession"} {
			if got, want := bodies(t, srv, c, typ), bodies(t, fresh, fc, typ); got != want {
				t.Errorf("%s after reset differs from a fresh server", typ)
			}
		}
		if n := len(srv.Journal().Entries(control.Filter{Path: "/api/sessionmngr", Method: "POST"})); n != 1 {
			t.Errorf("journal after reset holds %d logons, want the second test's one", n)
		}
	})
}

// BenchmarkReset measures a reset of the demo world.
func BenchmarkReset(b *testing.B) {
	srv := emcdptest.Start(b)
	for b.Loop() {
		srv.Reset(b)
	}
}
