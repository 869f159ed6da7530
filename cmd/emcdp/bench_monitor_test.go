package main

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestMonitorScenariosConnections checks that the monitoring queries run at
// --connections, as issue 15's target for them is set at 1 and at 32
// connections, while the report frames stay at one, and that the wrk
// driver sends the monitors' Accept header beside the token.
func TestMonitorScenariosConnections(t *testing.T) {
	b := &bench{s: &benchSettings{benchFlags: benchFlags{connections: 7}},
		monitor: &monitorData{Jobs: []string{`Backup "A"`, "Backup B"}, Newest: time.Date(2026, 11, 30, 4, 0, 0, 0, time.UTC)}}
	all := map[string]scenario{}
	b.addMonitorScenarios(all)
	for _, name := range monitorScenarios {
		sc, ok := all[name]
		switch {
		case !ok || sc.next == nil:
			t.Errorf("%s: no generator", name)
			continue
		case strings.HasPrefix(name, "monitor-") && sc.conns != 7:
			t.Errorf("%s runs at %d connections, want --connections (7)", name, sc.conns)
		case strings.HasPrefix(name, "report-") && sc.conns != 1:
			t.Errorf("%s runs at %d connections, want 1", name, sc.conns)
		}
		if !strings.HasPrefix(name, "monitor-") {
			continue
		}
		plan, err := planWrk(sc.next, http.Header{"X-RestSvcSessionId": {"token"}})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := plan.header.Get("Accept"); got != "application/json" {
			t.Errorf("%s: wrk sends Accept %q, want application/json", name, got)
		}
		if got := plan.header["X-RestSvcSessionId"]; len(got) != 1 || got[0] != "token" {
			t.Errorf("%s: wrk sends token %q", name, got)
		}
		if s := plan.script(); !strings.Contains(s, `["Accept"] = "application/json"`) || !strings.Contains(s, "/api/query?type=") {
			t.Errorf("%s: the wrk script lacks the header or the query:\n%s", name, s)
		}
	}
}
