package control_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/emcdp/emcdp/client"
	"github.com/emcdp/emcdp/control"
	"github.com/emcdp/emcdp/emcdptest"
)

var t0 = time.Date(2026, 6, 15, 6, 30, 0, 0, time.UTC)

type answer struct {
	status int
	header http.Header
	body   []byte
}

func send(t *testing.T, srv *emcdptest.Server, method, path, auth, body string) answer {
	t.Helper()
	var hdr map[string]string
	if auth != "" {
		hdr = map[string]string{"Authorization": auth}
	}
	return sendWith(t, srv, method, path, hdr, nil, body)
}

// do sends an authorised request, expects want and decodes into v.
func do(t *testing.T, srv *emcdptest.Server, method, path, body string, want int, v any) {
	t.Helper()
	a := send(t, srv, method, path, "Bearer "+srv.ControlToken, body)
	if a.status != want {
		t.Fatalf("%s %s = %d %s, want %d", method, path, a.status, a.body, want)
	}
	if v != nil {
		if err := json.Unmarshal(a.body, v); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, a.body)
		}
	}
}

// endpoints are every guarded method and path, with a body that would
// change something if it were accepted.
var endpoints = []struct{ method, path, body string }{
	{"GET", "/_emcdp/world", ""},
	{"POST", "/_emcdp/reset", ""},
	{"POST", "/_emcdp/scenario", ""},
	{"GET", "/_emcdp/clock", ""},
	{"POST", "/_emcdp/clock", `{"advance":"1h","paused":false}`},
	{"GET", "/_emcdp/faults", ""},
	{"POST", "/_emcdp/faults", `{"status":500}`},
	{"DELETE", "/_emcdp/faults", ""},
	{"DELETE", "/_emcdp/faults/1", ""},
	{"GET", "/_emcdp/requests", ""},
	{"DELETE", "/_emcdp/requests", ""},
	{"GET", "/_emcdp/overview", ""},
	{"GET", "/_emcdp/timeline", ""},
	{"GET", "/_emcdp/sessions/00000000-0000-0000-0000-000000000001", ""},
	{"POST", "/_emcdp/episodes", `{"vm":"sql-prod-01","duration":"1h"}`},
}

// TestTokenRequired: without the token, or with a wrong one, every guarded
// endpoint answers 401 and changes nothing; past the limit of wrong bearer
// tokens, 429, also for the right token, until a reset.
func TestTokenRequired(t *testing.T) {
	srv := emcdptest.Start(t, emcdptest.WithNow(t0))
	if _, err := srv.Faults().Add(control.Rule{Path: "/nothing", Status: 500}); err != nil {
		t.Fatal(err)
	}
	srv.Client(t) // one journalled logon
	before := len(srv.Journal().Entries(control.Filter{}))
	wrong := 0 // wrong bearer tokens sent
	for _, auth := range []string{"", "Basic " + srv.ControlToken, srv.ControlToken, "Bearer wrong", "Bearer " + srv.ControlToken + "x"} {
		for _, e := range endpoints {
			a := send(t, srv, e.method, e.path, auth, e.body)
			if strings.HasPrefix(auth, "Bearer") {
				wrong++
			}
			if wrong > control.DefaultMaxTokenFailures {
				if a.status != http.StatusTooManyRequests || a.header.Get("Retry-After") == "" {
					t.Errorf("%s %s with %q after %d wrong tokens = %d, want 429 with Retry-After", e.method, e.path, auth, wrong-1, a.status)
				}
				continue
			}
			if a.status != http.StatusUnauthorized {
				t.Errorf("%s %s with %q = %d, want 401", e.method, e.path, auth, a.status)
			}
			if !strings.HasPrefix(a.header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s %s: no Bearer challenge", e.method, e.path)
			}
		}
	}
	if n := len(srv.Faults().List()); n != 1 {
		t.Errorf("%d fault rules after refused requests, want 1", n)
	}
	if now := srv.Clock().Now(); !now.Equal(t0) {
		t.Errorf("clock moved to %v", now)
	}
	if n := len(srv.Journal().Entries(control.Filter{})); n != before {
		t.Errorf("journal holds %d entries, had %d", n, before)
	}
	if a := send(t, srv, "GET", "/_emcdp/world", "Bearer "+srv.ControlToken, ""); a.status != http.StatusTooManyRequests {
		t.Errorf("the token while wrong ones are locked out: %d, want 429", a.status)
	}
	// A reset forgets the wrong tokens; the token is accepted whatever the
	// scheme's case.
	srv.Reset(t)
	if a := send(t, srv, "GET", "/_emcdp/world", "bearer "+srv.ControlToken, ""); a.status != http.StatusOK {
		t.Errorf("lower-case scheme: %d", a.status)
	}
}

// TestControlOff: with the control API off, every /_emcdp/ path but health
// and readiness answers 404, as any unknown path does.
func TestControlOff(t *testing.T) {
	srv := emcdptest.Start(t, emcdptest.WithoutControl())
	for _, e := range endpoints {
		for _, auth := range []string{"", "Bearer " + srv.ControlToken} {
			if a := send(t, srv, e.method, e.path, auth, e.body); a.status != http.StatusNotFound {
				t.Errorf("%s %s = %d, want 404", e.method, e.path, a.status)
			}
		}
	}
	for _, p := range []string{"/_emcdp/", "/_emcdp/nothing", "/_emcdp/ui/", "/_emcdp/ui/app.js"} {
		if a := send(t, srv, "GET", p, "", ""); a.status != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", p, a.status)
		}
	}
	for _, p := range []string{"/_emcdp/health", "/_emcdp/ready"} {
		if a := send(t, srv, "GET", p, "", ""); a.status != http.StatusOK {
			t.Errorf("GET %s = %d %s, want 200", p, a.status, a.body)
		}
	}
	if a := send(t, srv, "GET", "/metrics", "", ""); a.status != http.StatusUnauthorized {
		t.Errorf("GET /metrics without the token = %d, want 401", a.status)
	}
	if a := send(t, srv, "GET", "/metrics", "Bearer "+srv.ControlToken, ""); a.status != http.StatusOK {
		t.Errorf("GET /metrics with the token = %d", a.status)
	}
	// Nothing is journalled without the control API.
	srv.Client(t)
	if n := len(srv.Journal().Entries(control.Filter{})); n != 0 {
		t.Errorf("journal holds %d entries with the control API off", n)
	}
}

func TestHealthAndReady(t *testing.T) {
	srv := emcdptest.Start(t)
	var h struct{ Status string }
	do(t, srv, "GET", "/_emcdp/health", "", http.StatusOK, &h)
	if h.Status != "ok" {
		t.Errorf("health = %+v", h)
	}
	if a := send(t, srv, "POST", "/_emcdp/health", "", ""); a.status != http.StatusMethodNotAllowed {
		t.Errorf("POST health = %d", a.status)
	}
	var r struct {
		Ready  bool
		Reason string
	}
	do(t, srv, "GET", "/_emcdp/ready", "", http.StatusOK, &r)
	if !r.Ready {
		t.Errorf("ready = %+v", r)
	}
}

func TestWorldAndScenario(t *testing.T) {
	srv := emcdptest.Start(t, emcdptest.WithNow(t0))
	var w struct {
		Scenario string
		Seed     int64
		Start    time.Time
		Until    time.Time
		Counts   map[string]int
		Clock    struct {
			Now    time.Time
			Paused bool
		}
	}
	do(t, srv, "GET", "/_emcdp/world", "", http.StatusOK, &w)
	if w.Scenario != "demo" || w.Counts["BackupServer"] != 2 || w.Counts["CdpPolicy"] != 4 ||
		w.Counts["CdpReplicaTaskSession"] == 0 || !w.Until.Equal(t0) || !w.Clock.Now.Equal(t0) || !w.Clock.Paused {
		t.Errorf("world = %+v", w)
	}
	if !w.Start.Equal(t0.Add(-72 * time.Hour)) {
		t.Errorf("world start = %v, want 3 days before %v", w.Start, t0)
	}

	data, err := os.ReadFile("../examples/multi-site.json")
	if err != nil {
		t.Fatal(err)
	}
	do(t, srv, "POST", "/_emcdp/scenario?name=multi-site", string(data), http.StatusOK, &w)
	if w.Scenario != "multi-site" || w.Counts["BackupServer"] != 3 || w.Counts["CdpPolicy"] != 7 {
		t.Errorf("after loading multi-site: %+v", w)
	}
	if a := send(t, srv, "POST", "/_emcdp/scenario", "Bearer "+srv.ControlToken, `{"servers": [], "bogus": 1}`); a.status != http.StatusBadRequest {
		t.Errorf("a bad scenario = %d %s, want 400", a.status, a.body)
	}
	// Reset returns to the world the server started with, not the loaded one.
	do(t, srv, "POST", "/_emcdp/reset", "", http.StatusOK, nil)
	do(t, srv, "GET", "/_emcdp/world", "", http.StatusOK, &w)
	if w.Scenario != "demo" || w.Counts["BackupServer"] != 2 || w.Counts["CdpPolicy"] != 4 {
		t.Errorf("after reset: %+v", w)
	}
	// An empty body loads the demo world.
	do(t, srv, "POST", "/_emcdp/scenario", "", http.StatusOK, &w)
	if w.Scenario != "demo" || w.Counts["CdpPolicy"] != 4 {
		t.Errorf("after loading the demo: %+v", w)
	}
}

func TestClock(t *testing.T) {
	srv := emcdptest.Start(t, emcdptest.WithNow(t0))
	var c control.ClockState
	do(t, srv, "GET", "/_emcdp/clock", "", http.StatusOK, &c)
	if !c.Now.Equal(t0) || !c.Paused || c.Scale != 1 {
		t.Fatalf("clock = %+v", c)
	}
	do(t, srv, "POST", "/_emcdp/clock", `{"advance":"90m"}`, http.StatusOK, &c)
	if !c.Now.Equal(t0.Add(90 * time.Minute)) {
		t.Errorf("after advance: %+v", c)
	}
	if d := c.SessionNow.Sub(time.Now()); d < 89*time.Minute || d > 91*time.Minute {
		t.Errorf("session clock %v is %v ahead of the wall clock, want 90 min", c.SessionNow, d)
	}
	var w struct{ Until time.Time }
	do(t, srv, "GET", "/_emcdp/world", "", http.StatusOK, &w)
	if !w.Until.Equal(t0.Add(90 * time.Minute)) {
		t.Errorf("the world reaches %v after the advance, want %v", w.Until, t0.Add(90*time.Minute))
	}
	do(t, srv, "POST", "/_emcdp/clock", `{"scale":3600,"paused":false}`, http.StatusOK, &c)
	if c.Paused || c.Scale != 3600 {
		t.Errorf("after resume: %+v", c)
	}
	time.Sleep(20 * time.Millisecond)
	do(t, srv, "POST", "/_emcdp/clock", `{"paused":true}`, http.StatusOK, &c)
	if !c.Paused || !c.Now.After(t0.Add(90*time.Minute+time.Minute)) {
		t.Errorf("a clock running 3600 times as fast for 20 ms: %+v", c)
	}
	for _, bad := range []string{`{"scale":0}`, `{"scale":-1}`, `{"advance":"-1h"}`, `{"advance":"100000h"}`, `{"advance":"soon"}`, `{"speed":2}`, `[`} {
		if a := send(t, srv, "POST", "/_emcdp/clock", "Bearer "+srv.ControlToken, bad); a.status != http.StatusBadRequest {
			t.Errorf("POST clock %s = %d, want 400", bad, a.status)
		}
	}
}

func TestFaultRules(t *testing.T) {
	srv := emcdptest.Start(t, emcdptest.WithNow(t0))
	var r1, r2 control.Rule
	do(t, srv, "POST", "/_emcdp/faults", `{"path":"/api/backupservers","status":500,"message":"boom"}`, http.StatusCreated, &r1)
	do(t, srv, "POST", "/_emcdp/faults", `{"path":"/api/cdppolicies*","delay":"10ms"}`, http.StatusCreated, &r2)
	var list []control.Rule
	do(t, srv, "GET", "/_emcdp/faults", "", http.StatusOK, &list)
	if len(list) != 2 || list[0].ID != r1.ID || list[1].ID != r2.ID {
		t.Fatalf("rules = %+v", list)
	}
	do(t, srv, "DELETE", "/_emcdp/faults/"+r1.ID, "", http.StatusNoContent, nil)
	do(t, srv, "DELETE", "/_emcdp/faults/"+r1.ID, "", http.StatusNotFound, nil)
	do(t, srv, "DELETE", "/_emcdp/faults", "", http.StatusNoContent, nil)
	do(t, srv, "GET", "/_emcdp/faults", "", http.StatusOK, &list)
	if len(list) != 0 {
		t.Errorf("rules after DELETE = %+v", list)
	}
	for _, bad := range []string{`{}`, `{"status":200}`, `{"status":500,"drop":true}`, `{"delay":"1h"}`,
		`{"status":500,"probability":2}`, `{"status":500,"count":-1}`, `{"status":500,"color":"red"}`,
		// A second value after the rule, which would be silently ignored.
		`{"status":500}{"drop":true}`, `{"status":500} x`} {
		if a := send(t, srv, "POST", "/_emcdp/faults", "Bearer "+srv.ControlToken, bad); a.status != http.StatusBadRequest {
			t.Errorf("POST faults %s = %d, want 400", bad, a.status)
		}
	}
}

// TestFaultKinds: each kind of fault reaches the client as it should, and
// only for the user the rule names.
func TestFaultKinds(t *testing.T) {
	srv := emcdptest.Start(t, emcdptest.WithNow(t0))
	ctx := context.Background()
	c := srv.Client(t)
	add := func(r control.Rule) {
		t.Helper()
		if _, err := srv.Faults().Add(r); err != nil {
			t.Fatal(err)
		}
	}

	// A status fault answers an Error body in the client's format.
	add(control.Rule{Path: "/api/backupservers", Status: 500, Message: "injected", Count: 1})
	err := c.Get(ctx, "/api/backupServers", nil)
	var e *client.Error
	if !errors.As(err, &e) || e.Status != 500 || e.Message != "injected" || e.RequestID == "" {
		t.Errorf("status fault: %v", err)
	}
	xml := send(t, srv, "GET", "/api/", "", "")
	add(control.Rule{Path: "/api/", Status: 502, Count: 1})
	if a := send(t, srv, "GET", "/api/", "", ""); a.status != 502 || !strings.Contains(string(a.body), "<Error") ||
		a.header.Get("Content-Type") != xml.header.Get("Content-Type") {
		t.Errorf("XML status fault = %d %s %q", a.status, a.body, a.header.Get("Content-Type"))
	}

	// A rule for another user leaves this one alone; one for this user applies.
	add(control.Rule{Path: "/api/backupservers", Status: 500, User: "somebody-else"})
	if err := c.Get(ctx, "/api/backupServers", nil); err != nil {
		t.Errorf("a rule for another user applied: %v", err)
	}
	srv.Faults().Clear()
	add(control.Rule{Path: "/api/backupservers", Status: 429, User: strings.ToUpper(srv.User), Count: 1})
	if err := c.Get(ctx, "/api/backupServers", nil); client.StatusOf(err) != 429 {
		t.Errorf("a rule for this user: %v, want 429", err)
	}

	// Drop and truncate break the answer; a slow body arrives whole.
	// (On a new connection: Go's transport sends a GET again by itself when
	// a kept-alive connection closes without an answer.)
	hc := srv.HTTPClient()
	hc.Transport.(*http.Transport).DisableKeepAlives = true
	fresh := client.New(srv.URL, hc)
	fresh.SetToken(c.Token())
	add(control.Rule{Path: "/api/backupservers", Drop: true, Count: 1})
	if err := fresh.Get(ctx, "/api/backupServers", nil); err == nil || client.StatusOf(err) != 0 {
		t.Errorf("dropped connection: %v, want a transport error", err)
	}
	add(control.Rule{Path: "/api/backupservers", Truncate: true, Count: 1})
	if err := c.Get(ctx, "/api/backupServers", nil); err == nil || !strings.Contains(err.Error(), "unexpected EOF") {
		t.Errorf("truncated body: %v, want unexpected EOF", err)
	}
	add(control.Rule{Path: "/api/backupservers", SlowBody: control.Duration(50 * time.Millisecond), Count: 1})
	var slow, normal any
	start := time.Now()
	if err := c.Get(ctx, "/api/backupServers", &slow); err != nil {
		t.Errorf("slow body: %v", err)
	}
	if took := time.Since(start); took < 40*time.Millisecond {
		t.Errorf("slow body came in %v, want about 50 ms", took)
	}
	if err := c.Get(ctx, "/api/backupServers", &normal); err != nil {
		t.Fatal(err)
	}
	sb, _ := json.Marshal(slow)
	nb, _ := json.Marshal(normal)
	if string(sb) != string(nb) {
		t.Error("the slow body differs from the normal one")
	}
	add(control.Rule{Path: "/api/backupservers", Delay: control.Duration(30 * time.Millisecond), Count: 1})
	start = time.Now()
	if err := c.Get(ctx, "/api/backupServers", nil); err != nil {
		t.Error(err)
	}
	if took := time.Since(start); took < 30*time.Millisecond {
		t.Errorf("delayed request came in %v, want at least 30 ms", took)
	}
	// Probability 0 < p < 1 applies to some requests and not others;
	// Hits counts them.
	add(control.Rule{Path: "/api/", Status: 503, Probability: 0.5})
	hit := 0
	for range 200 {
		if a := send(t, srv, "GET", "/api/", "", ""); a.status == 503 {
			hit++
		}
	}
	if hit == 0 || hit == 200 {
		t.Errorf("a rule of probability 0.5 applied to %d of 200 requests", hit)
	}
	if l := srv.Faults().List(); l[len(l)-1].Hits != hit {
		t.Errorf("hits = %d, want %d", l[len(l)-1].Hits, hit)
	}

	// Every injected fault is journalled with its rule.
	var faulted []control.Entry
	do(t, srv, "GET", "/_emcdp/requests?path=/api/backupservers", "", http.StatusOK, &faulted)
	n := 0
	for _, e := range faulted {
		if e.Fault != "" {
			n++
		}
	}
	if n != 6 {
		t.Errorf("%d journalled faults on /api/backupServers, want 6", n)
	}
}

func TestJournalFilters(t *testing.T) {
	srv := emcdptest.Start(t, emcdptest.WithNow(t0))
	c := srv.Client(t)
	ctx := context.Background()
	mid := time.Now().UTC()
	_ = c.Get(ctx, "/api/backupServers", nil)
	_ = c.Get(ctx, "/api/nothing", nil)
	_ = c.Get(ctx, "/api/query?type=CdpPolicy&password=hunter2&format=Entities", nil)
	var got []control.Entry
	do(t, srv, "GET", "/_emcdp/requests", "", http.StatusOK, &got)
	if len(got) != 4 {
		t.Fatalf("journal = %+v, want 4 entries", got)
	}
	q := got[3]
	if strings.Contains(q.Query, "hunter2") || !strings.Contains(q.Query, "password=REDACTED") || !strings.Contains(q.Query, "type=CdpPolicy") {
		t.Errorf("journalled query = %q, want the password redacted and the rest kept", q.Query)
	}
	for _, e := range got {
		if strings.Contains(e.Query+e.Path, srv.Password) {
			t.Errorf("the password appears in %+v", e)
		}
	}
	for query, want := range map[string]int{
		"?status=404": 1, "?method=POST": 1, "?path=BACKUPSERVERS": 1, "?limit=2": 2,
		"?since=" + mid.Format(time.RFC3339Nano): 3, "?method=GET&status=200": 2,
	} {
		do(t, srv, "GET", "/_emcdp/requests"+query, "", http.StatusOK, &got)
		if len(got) != want {
			t.Errorf("requests%s: %d entries, want %d", query, len(got), want)
		}
	}
	for _, bad := range []string{"?status=x", "?limit=-1", "?since=yesterday"} {
		if a := send(t, srv, "GET", "/_emcdp/requests"+bad, "Bearer "+srv.ControlToken, ""); a.status != http.StatusBadRequest {
			t.Errorf("requests%s = %d, want 400", bad, a.status)
		}
	}
	do(t, srv, "DELETE", "/_emcdp/requests", "", http.StatusNoContent, nil)
	do(t, srv, "GET", "/_emcdp/requests", "", http.StatusOK, &got)
	if len(got) != 0 {
		t.Errorf("journal after DELETE = %+v", got)
	}
}

func TestJournalIsBounded(t *testing.T) {
	j := control.NewJournal(3)
	for i := range 5 {
		j.Add(control.Entry{Status: 200 + i})
	}
	got := j.Entries(control.Filter{})
	if len(got) != 3 || got[0].Status != 202 || got[2].Status != 204 {
		t.Errorf("entries = %+v, want the last three in order", got)
	}
}

func TestUnknownControlPath(t *testing.T) {
	srv := emcdptest.Start(t)
	big := `{"message":"` + strings.Repeat("x", 2<<20) + `"}`
	for _, p := range []string{"/_emcdp/faults", "/_emcdp/scenario", "/_emcdp/clock"} {
		if a := send(t, srv, "POST", p, "Bearer "+srv.ControlToken, big); a.status != http.StatusRequestEntityTooLarge {
			t.Errorf("POST %s with 2 MiB = %d, want 413", p, a.status)
		}
	}
	do(t, srv, "GET", "/_emcdp/nothing", "", http.StatusNotFound, nil)
	do(t, srv, "PUT", "/_emcdp/world", "", http.StatusMethodNotAllowed, nil)
}

// TestMetricsBounded: made-up methods and paths do not make new series.
func TestMetricsBounded(t *testing.T) {
	srv := emcdptest.Start(t)
	for _, m := range []string{"FOO", "BAR", "BAZ"} {
		send(t, srv, m, "/api/x"+m, "", "")
	}
	a := send(t, srv, "GET", "/metrics", "Bearer "+srv.ControlToken, "")
	for _, bad := range []string{"FOO", "BAR", "/api/xFOO"} {
		if strings.Contains(string(a.body), bad) {
			t.Errorf("the metrics hold %q", bad)
		}
	}
	if !strings.Contains(string(a.body), `emcdp_http_requests_total{method="other",route="unmatched",status="404"} 3`) &&
		!strings.Contains(string(a.body), `emcdp_http_requests_total{method="other",route="unmatched",status="405"} 3`) {
		t.Errorf("made-up methods are not counted as other:\n%s", a.body)
	}
}

// TestLogonMetrics: failed logons and lockouts are counted apart.
func TestLogonMetrics(t *testing.T) {
	srv := emcdptest.Start(t)
	ctx := context.Background()
	for range 7 {
		c := client.New(srv.URL, srv.HTTPClient())
		if err := c.Logon(ctx, srv.User, "wrong"); client.StatusOf(err) != http.StatusUnauthorized {
			t.Fatalf("bad logon: %v", err)
		}
	}
	a := send(t, srv, "GET", "/metrics", "Bearer "+srv.ControlToken, "")
	for _, want := range []string{`emcdp_logons_total{result="failure"} 5`, `emcdp_logons_total{result="lockout"} 2`} {
		if !strings.Contains(string(a.body), want) {
			t.Errorf("metrics lack %s:\n%s", want, grepLines(string(a.body), "emcdp_logons_total"))
		}
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestFaultUserAsAuthenticated matches a rule on the user of a request that
// carries its token both in the cookie and, stale, in the header: the API
// authenticates it by the cookie, so the rule must see that user too.
func TestFaultUserAsAuthenticated(t *testing.T) {
	srv := emcdptest.Start(t, emcdptest.WithNow(t0))
	c := srv.Client(t)
	if err := c.Get(context.Background(), "/api/backupServers", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Faults().Add(control.Rule{Path: "/api/backupservers", Status: 429, User: srv.User}); err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest("GET", srv.URL+"/api/backupServers", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.AddCookie(&http.Cookie{Name: "X-RestSvcSessionId", Value: c.Token()})
	req.Header.Set("X-RestSvcSessionId", "c3RhbGU=")
	resp, err := srv.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 {
		t.Errorf("a request of %s by its cookie: %d, want the rule's 429", srv.User, resp.StatusCode)
	}
}
