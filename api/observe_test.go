package api

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/emcdp/emcdp/auth"
)

// TestObserveAndRequestLog: every answer carries its request id, Observe
// hears of it with the user and the route pattern, and the log line holds
// the query string with secrets redacted, the user and the same id.
func TestObserveAndRequestLog(t *testing.T) {
	f := newFixture(t)
	var logBuf bytes.Buffer
	var mu sync.Mutex
	var seen []Outcome
	f.h = newHandler(Config{Store: f.st, Clock: f.clock, Auth: &auth.Service{Store: f.st, Clock: f.clock},
		Logger: slog.New(slog.NewJSONHandler(&logBuf, nil)),
		Observe: func(_ *http.Request, o Outcome) {
			mu.Lock()
			seen = append(seen, o)
			mu.Unlock()
		}})
	tok, _ := f.logon(t)
	w := f.do(t, req{target: "/api/query?type=CdpPolicy&format=Entities&password=hunter2&Token=abc", token: tok})
	if w.Code != http.StatusOK {
		t.Fatalf("query = %d %s", w.Code, w.Body)
	}
	id := w.Header().Get(RequestIDHeader)
	missing := f.do(t, req{target: "/api/nothing/here"})
	if len(seen) != 3 || id == "" || seen[1].ID != id || missing.Header().Get(RequestIDHeader) != seen[2].ID {
		t.Fatalf("outcomes %+v, header id %q", seen, id)
	}
	if o := seen[0]; o.Route != "/api/sessionmngr" || o.User != "operator" || o.Status != http.StatusCreated {
		t.Errorf("logon outcome = %+v", o)
	}
	if o := seen[1]; o.Route != "/api/query" || o.User != "operator" || o.Bytes != w.Body.Len() || o.Message != "" {
		t.Errorf("query outcome = %+v (body %d bytes)", o, w.Body.Len())
	}
	if o := seen[2]; o.Route != "" || o.Status != http.StatusNotFound || o.Message == "" {
		t.Errorf("404 outcome = %+v", o)
	}

	var line map[string]any
	for _, l := range strings.Split(strings.TrimSpace(logBuf.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if m["request"] == id {
			line = m
		}
	}
	if line == nil {
		t.Fatalf("no log line for request %s in %s", id, logBuf.String())
	}
	q, _ := line["query"].(string)
	if line["user"] != "operator" || !strings.Contains(q, "type=CdpPolicy") || !strings.Contains(q, "password=REDACTED") ||
		!strings.Contains(q, "Token=REDACTED") {
		t.Errorf("log line = %v", line)
	}
	if strings.Contains(logBuf.String(), "hunter2") || strings.Contains(logBuf.String(), f.secret) || strings.Contains(logBuf.String(), tok) {
		t.Error("a secret reached the log")
	}
}

func TestRoutePattern(t *testing.T) {
	for path, want := range map[string]string{
		"/api/":                       "/api/",
		"/API//cdpPolicies/":          "/api/cdppolicies",
		"/api/cdpPolicies/x/includes": "/api/cdppolicies/{id}/includes",
		"/api/nothing":                "",
		"/elsewhere":                  "",
	} {
		if got := RoutePattern(path); got != want {
			t.Errorf("RoutePattern(%q) = %q, want %q", path, got, want)
		}
	}
}
