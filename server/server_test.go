package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emcdp/emcdp/api"
	"github.com/emcdp/emcdp/control"
	"github.com/emcdp/emcdp/sim"
	"github.com/emcdp/emcdp/sqlite"
)

// TestResetToStoredWorld: a server started on a world seeded earlier than
// now runs its clock from now, and a reset brings back the world as the
// store held it at start, not a world seeded to the reset's time.
func TestResetToStoredWorld(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "emcdp.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	seeded := time.Now().UTC().Add(-36 * time.Hour).Truncate(time.Second)
	cfg := sim.Demo()
	if err := sim.Seed(ctx, st, cfg, seeded, nil); err != nil {
		t.Fatal(err)
	}
	srv, err := New(ctx, Config{Store: st, World: &cfg, WorldName: "demo",
		HTTP: api.ServerConfig{Addr: "127.0.0.1:0", DataDir: t.TempDir()}, Control: control.Config{Enabled: true}})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Open(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if d := time.Since(srv.Clock().Now()); d < -time.Minute || d > time.Minute {
		t.Errorf("the world clock starts %v away from now, want now", d)
	}
	before, err := srv.Control().World().Summary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Control().Advance(ctx, time.Hour); err != nil {
		t.Fatal(err)
	}
	moved, _ := srv.Control().World().Summary(ctx)
	if !moved.Until.After(time.Now()) {
		t.Errorf("after advancing, the world reaches %v", moved.Until)
	}
	if _, err := srv.Control().Reset(ctx); err != nil {
		t.Fatal(err)
	}
	after, err := srv.Control().World().Summary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !after.Until.Equal(seeded) || !after.Start.Equal(*before.Start) {
		t.Errorf("after reset the world spans %v…%v, want %v…%v", after.Start, after.Until, before.Start, seeded)
	}
	for k, n := range before.Counts {
		if after.Counts[k] != n {
			t.Errorf("%s: %d after reset, %d before", k, after.Counts[k], n)
		}
	}
}

// TestNotReady: with the store gone, readiness fails without telling why
// beyond the log; health still answers.
func TestNotReady(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "emcdp.db"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := sim.Demo()
	if err := sim.Seed(ctx, st, cfg, time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	srv, err := New(ctx, Config{Store: st, World: &cfg, HTTP: api.ServerConfig{Addr: "127.0.0.1:0", DataDir: t.TempDir()}})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Open(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	get := func(path string) (int, string) {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Authorization", "Bearer "+srv.Control().Token())
		srv.http.Handler().ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	if code, b := get("/_emcdp/ready"); code != http.StatusOK {
		t.Fatalf("ready = %d %s", code, b)
	}
	st.Close()
	if code, b := get("/_emcdp/ready"); code != http.StatusServiceUnavailable || !strings.Contains(b, "see the server log") {
		t.Errorf("ready with the store closed = %d %s", code, b)
	}
	if code, _ := get("/_emcdp/health"); code != http.StatusOK {
		t.Errorf("health = %d", code)
	}
	// A request that reaches the closed store is counted as a server error.
	req := httptest.NewRequest("GET", "/api/backupServers", nil)
	req.SetBasicAuth("admin", "x")
	rec := httptest.NewRecorder()
	srv.http.Handler().ServeHTTP(rec, req)
	code, m := get("/metrics")
	if code != http.StatusOK || !strings.Contains(m, `emcdp_server_errors_total{status="503"} 1`) {
		t.Errorf("request with the store closed = %d; metrics:\n%s", rec.Code, m)
	}
}
