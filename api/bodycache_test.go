package api

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/wire"
)

// cachedFixture returns the fixture with ts[2] ended, and a second handler
// over the same store and logon service with a body cache of max bytes.
func cachedFixture(t *testing.T, max int) (*fixture, *Handler, string) {
	f := newFixture(t)
	ended := f.ts[2]
	ended.EndTime, ended.State = ended.CreationTime.Add(time.Hour), emcdp.TaskCompleted
	if err := f.st.Apply(context.Background(), &emcdp.Batch{UpdTaskSessions: []emcdp.TaskSession{ended}}); err != nil {
		t.Fatal(err)
	}
	f.ts[2] = ended
	tok, _ := f.logon(t)
	return f, newHandler(Config{Store: f.st, Clock: f.clock, Auth: f.h.auth, BodyCacheBytes: max}), tok
}

// the three answers of a task session that the cache keeps
var cachedReps = []struct {
	query string
	json  bool
}{{"", false}, {"?format=Entity", false}, {"?format=Entity", true}}

// get answers GET /cdpReplicaTaskSessions/{id}<query> through h.
func (f *fixture) get(t *testing.T, h *Handler, tok string, id emcdp.ID, query string, json bool) (int, string) {
	t.Helper()
	plain := f.h
	f.h = h
	defer func() { f.h = plain }()
	w := f.do(t, req{target: "/api/cdpReplicaTaskSessions/" + id.String() + query, token: tok, json: json})
	return w.Code, w.Body.String()
}

// TestBodyCacheAnswers checks that a cached answer is byte for byte the
// answer without a cache, for each representation and base URL, and that
// only ended task sessions are kept.
func TestBodyCacheAnswers(t *testing.T) {
	f, cached, tok := cachedFixture(t, 1<<20)
	for _, id := range []emcdp.ID{f.ts[0].ID, f.ts[2].ID} {
		for _, r := range cachedReps {
			for i := range 2 { // the second time from the cache
				code, got := f.get(t, cached, tok, id, r.query, r.json)
				wcode, want := f.get(t, f.h, tok, id, r.query, r.json)
				if code != wcode || got != want {
					t.Errorf("%v%s json=%v, request %d: cached handler answered %d\n%s\nwant %d\n%s", id, r.query, r.json, i, code, got, wcode, want)
				}
			}
		}
	}
	if n := len(cached.bodies.m); n != len(cachedReps) {
		t.Errorf("cache holds %d answers, want %d (ended ts[2] only, not running ts[0])", n, len(cachedReps))
	}
	// Another Host is another base URL in every Href: its own entry.
	hr, _ := http.NewRequest("GET", "http://other.example:9399/api/cdpReplicaTaskSessions/"+f.ts[2].ID.String(), nil)
	hr.Header.Set("X-RestSvcSessionId", tok)
	for range 2 {
		w := &discardWriter{h: http.Header{}}
		cached.ServeHTTP(w, hr)
	}
	if _, ok := cached.bodies.m[bodyKey{id: f.ts[2].ID, format: wire.XML, rep: wire.Reference, base: "http://other.example:9399/api"}]; !ok {
		t.Error("no entry under the other base URL")
	}
}

// TestBodyCacheInvalidation changes a cached task session through each kind
// of write that can change an ended one, and checks the next answer is the
// store's.
func TestBodyCacheInvalidation(t *testing.T) {
	ctx := context.Background()
	changes := []struct {
		name  string
		write func(f *fixture) error
		code  int
	}{
		{"update", func(f *fixture) error {
			ts := f.ts[2]
			ts.Result, ts.Reason = emcdp.ResultFailed, "Lost connection to the host"
			return f.st.Apply(ctx, &emcdp.Batch{UpdTaskSessions: []emcdp.TaskSession{ts}})
		}, http.StatusOK},
		{"retention", func(f *fixture) error {
			return f.st.Apply(ctx, &emcdp.Batch{DeleteSessionsBefore: f.ts[2].CreationTime.Add(time.Second)})
		}, http.StatusNotFound},
		{"clear", func(f *fixture) error { return f.st.Clear(ctx) }, http.StatusNotFound},
	}
	for _, c := range changes {
		t.Run(c.name, func(t *testing.T) {
			f, cached, tok := cachedFixture(t, 1<<20)
			id := f.ts[2].ID
			for _, r := range cachedReps {
				f.get(t, cached, tok, id, r.query, r.json)
			}
			if err := c.write(f); err != nil {
				t.Fatal(err)
			}
			tok, _ = f.logon(t) // Clear ended the logon sessions too
			for _, r := range cachedReps {
				code, got := f.get(t, cached, tok, id, r.query, r.json)
				wcode, want := f.get(t, f.h, tok, id, r.query, r.json)
				if code != c.code || wcode != c.code || got != want {
					t.Errorf("%s json=%v after the change: cached %d\n%s\nstore %d\n%s", r.query, r.json, code, got, wcode, want)
				}
			}
		})
	}
}

// TestBodyCacheBounds fills a small cache past its chunks: it never holds
// more than its chunks, evicts the least recently used first, keeps no
// answer longer than itself, and none read across a change (the ticket).
func TestBodyCacheBounds(t *testing.T) {
	body := make([]byte, 1000) // four chunks
	const size = 3 * 4 * bodyChunk
	c := newBodyCache(size)
	key := func(i byte) bodyKey { return bodyKey{id: emcdp.ID{i}, base: "b"} }
	for i := range byte(10) {
		body[0], body[999] = i, i
		c.put(c.ticket(), key(i), time.Time{}, body)
		if i == 5 {
			c.get(new(key(3)), nil) // 3 is now more recent than 4 and 5
		}
		if held := len(c.m)*4 + len(c.free); held != size/bodyChunk || len(c.m) > 3 {
			t.Fatalf("after %d puts: %d entries and %d free chunks", i+1, len(c.m), len(c.free))
		}
	}
	for i := range byte(10) {
		got, ok := c.get(new(key(i)), nil)
		if want := i >= 7; ok != want || ok && (len(got) != len(body) || got[0] != i || got[999] != i) {
			t.Errorf("entry %d held: %v (%d bytes), want %v", i, ok, len(got), want)
		}
	}
	c = newBodyCache(size)
	c.put(c.ticket(), key(1), time.Time{}, body)
	c.put(c.ticket(), key(2), time.Time{}, body)
	c.get(new(key(1)), nil)
	c.put(c.ticket(), key(3), time.Time{}, body)
	c.put(c.ticket(), key(4), time.Time{}, body) // evicts 2, the least recently used
	if _, ok := c.get(new(key(2)), nil); ok {
		t.Error("least recently used entry 2 was kept")
	}
	if _, ok := c.get(new(key(1)), nil); !ok {
		t.Error("recently used entry 1 was evicted")
	}

	tk := c.ticket()
	c.change(emcdp.Change{TaskSessions: []emcdp.ID{{9}}})
	c.put(tk, key(9), time.Time{}, body)
	if _, ok := c.get(new(key(9)), nil); ok {
		t.Error("an answer read before a change was kept")
	}
	c.put(c.ticket(), key(8), time.Time{}, make([]byte, size+1))
	if _, ok := c.get(new(key(8)), nil); ok {
		t.Error("an answer longer than the cache was kept")
	}
	c.change(emcdp.Change{All: true})
	if len(c.m) != 0 || len(c.free) != size/bodyChunk {
		t.Errorf("after a clear: %d entries, %d free chunks", len(c.m), len(c.free))
	}
}
