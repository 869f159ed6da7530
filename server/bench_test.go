package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/api"
	"github.com/emcdp/emcdp/auth"
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

// BenchmarkServeGetByID serves GET of a task session by id, answered from
// the body cache, and the bench's ceiling route through the whole server
// handler as "emcdp serve" runs on SQLite (the control API off, the sole
// writer, the default body cache): the difference between a scenario and
// the ceiling is what a GET by id costs above the transport, the metrics
// included.
func BenchmarkServeGetByID(b *testing.B) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "emcdp.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	cfg := sim.Demo()
	// A fixed instant, so that every run serves the same world.
	if err := sim.Seed(ctx, st, cfg, time.Date(2026, 6, 18, 12, 0, 0, 0, time.UTC), nil); err != nil {
		b.Fatal(err)
	}
	srv, err := New(ctx, Config{Store: st, World: &cfg, Auth: AuthConfig{SoleWriter: true},
		API: api.Config{BenchRoute: true, BodyCacheBytes: api.DefaultBodyCacheBytes}})
	if err != nil {
		b.Fatal(err)
	}
	h := srv.http.Handler()
	ls := &emcdp.LogonSession{ID: emcdp.NewID(), UserName: "bench", UserKey: "bench", Created: time.Now().UTC(), LastSeen: time.Now().UTC()}
	if err := st.CreateLogonSession(ctx, ls); err != nil {
		b.Fatal(err)
	}
	res, err := st.Query(ctx, &emcdp.Query{Kind: emcdp.KindCdpReplicaTaskSession, PageSize: 100, Page: 1})
	if err != nil {
		b.Fatal(err)
	}
	var ended []emcdp.TaskSession // the answers the body cache keeps
	for _, ts := range res.TaskSessions {
		if !ts.Running() {
			ended = append(ended, ts)
		}
	}
	if len(ended) == 0 {
		b.Fatal("no ended task sessions")
	}
	for _, sc := range []struct{ name, query, accept string }{
		{"ceiling", "", ""},
		{"ref-xml", "", ""},
		{"entity-xml", "?format=Entity", ""},
		{"entity-json", "?format=Entity", "application/json"},
	} {
		b.Run(sc.name, func(b *testing.B) {
			reqs := make([]*http.Request, len(ended))
			for i, ts := range ended {
				path := "/api/cdpReplicaTaskSessions/" + ts.ID.String() + sc.query
				if sc.name == "ceiling" {
					path = api.BenchCeilingPath
				}
				r := httptest.NewRequest("GET", "https://127.0.0.1:9398"+path, nil)
				r.Header.Set("X-RestSvcSessionId", auth.Token(ls.ID))
				if sc.accept != "" {
					r.Header.Set("Accept", sc.accept)
				}
				reqs[i] = r
			}
			w := &discardWriter{h: http.Header{}}
			for _, r := range reqs { // fills the cache: the loop measures hits
				h.ServeHTTP(w, r)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				clear(w.h)
				h.ServeHTTP(w, reqs[i%len(reqs)])
				if w.code != http.StatusOK {
					b.Fatalf("status %d", w.code)
				}
			}
		})
	}
}

// discardWriter is a ResponseWriter that keeps nothing but the headers and
// the status, so that a benchmark measures the handler, not a recorder.
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }
