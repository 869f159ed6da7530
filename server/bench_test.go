package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/emcdp/emcdp/api"
	"github.com/emcdp/emcdp/control"
	"github.com/emcdp/emcdp/sim"
	"github.com/emcdp/emcdp/sqlite"
)

// BenchmarkControlOverhead serves the entry point, the cheapest answer,
// through the bare API handler and through the server's handler with the
// control API off and on, to show what the control plane adds per request.
func BenchmarkControlOverhead(b *testing.B) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "emcdp.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	cfg := sim.Demo()
	if err := sim.Seed(ctx, st, cfg, time.Now(), nil); err != nil {
		b.Fatal(err)
	}
	handlers := map[string]http.Handler{"bare": api.NewHandler(api.Config{Store: st})}
	for name, on := range map[string]bool{"control-off": false, "control-on": true} {
		srv, err := New(ctx, Config{Store: st, World: &cfg, Control: control.Config{Enabled: on, JournalSize: 1000}})
		if err != nil {
			b.Fatal(err)
		}
		handlers[name] = srv.http.Handler()
	}
	for _, name := range []string{"bare", "control-off", "control-on"} {
		h := handlers[name]
		b.Run(name, func(b *testing.B) {
			req := httptest.NewRequest("GET", "/api/", nil)
			b.ReportAllocs()
			for b.Loop() {
				h.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
	}
}
