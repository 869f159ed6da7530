package api

import (
	"context"
	"net/http"
	"testing"

	"github.com/emcdp/emcdp/auth"
)

// TestGetByIDHitAllocs bounds the allocations of a GET of a task session by
// id answered from the body cache, as "emcdp serve" answers it on SQLite:
// the sole writer, the caller's logon session remembered, the answer cached.
// The request comes by token, with a context of its own as net/http gives
// it. Each allocation is work for the collector on the hottest path of the
// server. Three are left: the call, the request id and the Content-Length
// value.
func TestGetByIDHitAllocs(t *testing.T) {
	f, _, _ := cachedFixture(t, 1<<20)
	h := newHandler(Config{Store: f.st, Clock: f.clock, BodyCacheBytes: 1 << 20,
		Auth: &auth.Service{Store: f.st, Clock: f.clock, SoleWriter: true}})
	f.h = h
	tok, _ := f.logon(t)
	h.seq.Store(1 << 20) // request ids as long as a running server's
	for _, c := range []struct {
		query string
		json  bool
		max   float64
	}{
		{"", false, 3},
		{"?format=Entity", false, 3},
		{"?format=Entity", true, 3},
	} {
		r, _ := http.NewRequest("GET", "https://127.0.0.1:9398/api/cdpReplicaTaskSessions/"+f.ts[2].ID.String()+c.query, nil)
		r.Header.Set(auth.SessionHeader, tok)
		if c.json {
			r.Header.Set("Accept", "application/json")
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		r = r.WithContext(ctx)
		w := &discardWriter{h: http.Header{}}
		serve := func() {
			clear(w.h)
			h.ServeHTTP(w, r)
		}
		serve() // the miss that fills the cache
		if n := testing.AllocsPerRun(100, serve); n > c.max {
			t.Errorf("GET by id%s json=%v from the cache: %.1f allocations, want at most %.0f", c.query, c.json, n, c.max)
		}
		if w.code != http.StatusOK {
			t.Errorf("GET by id%s json=%v: status %d", c.query, c.json, w.code)
		}
	}
}

// TestRoutingRoom checks that every route's path and wildcards fit the room
// a call keeps for them, so that routing any request allocates nothing.
func TestRoutingRoom(t *testing.T) {
	var c call
	for i := range routes {
		rt := &routes[i]
		wild := 0
		for _, p := range rt.pattern {
			if p == "*" {
				wild++
			}
		}
		if 1+len(rt.pattern) > len(c.segBuf) || wild > len(c.argBuf) { // "api" is the first segment
			t.Errorf("route %s: %d segments and %d wildcards; a call has room for %d and %d",
				routeName(rt), 1+len(rt.pattern), wild, len(c.segBuf), len(c.argBuf))
		}
	}
}
