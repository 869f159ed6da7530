package api

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/wire"
)

// cachedFixture returns the fixture with all task sessions but ts[0]
// ended, and a second handler over the same store and logon service with a
// body cache of max bytes.
func cachedFixture(t *testing.T, max int) (*fixture, *Handler, string) {
	f := newFixture(t)
	for i := 1; i < len(f.ts); i++ {
		ended := f.ts[i]
		ended.EndTime, ended.State = ended.CreationTime.Add(time.Duration(i)*time.Hour+1500*time.Millisecond), emcdp.TaskCompleted
		if i == 3 {
			ended.Result, ended.Reason = emcdp.ResultWarning, "Low free space on the target datastore"
		}
		if err := f.st.Apply(context.Background(), &emcdp.Batch{UpdTaskSessions: []emcdp.TaskSession{ended}}); err != nil {
			t.Fatal(err)
		}
		f.ts[i] = ended
	}
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
// answer without a cache, for each representation and base URL, also when
// it was packed against another task session's answer, and that only ended
// task sessions are kept.
func TestBodyCacheAnswers(t *testing.T) {
	f, cached, tok := cachedFixture(t, 1<<20)
	for _, ts := range f.ts {
		id := ts.ID
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
	if n, want := len(cached.bodies.m), (len(f.ts)-1)*len(cachedReps); n != want {
		t.Errorf("cache holds %d answers, want %d (the ended ones, not running ts[0])", n, want)
	}
	// Another Host is another base URL in every Href: its own entry.
	hr, _ := http.NewRequest("GET", "http://other.example:9399/api/cdpReplicaTaskSessions/"+f.ts[2].ID.String(), nil)
	hr.Header.Set("X-RestSvcSessionId", tok)
	for range 2 {
		w := &discardWriter{h: http.Header{}}
		cached.ServeHTTP(w, hr)
	}
	d := (*cached.bodies.shapes.Load())[bodyShape{format: wire.XML, rep: wire.Reference, base: "http://other.example:9399/api"}]
	if d == nil {
		t.Fatal("no shape for the other base URL")
	}
	if _, ok := cached.bodies.m[bodyKey{id: f.ts[2].ID, shape: d.idx}]; !ok {
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
	// Bodies that do not pack: each takes 16 chunks (1,000 bytes and a
	// 3-byte literal tag).
	body := func(i byte) []byte {
		b := make([]byte, 1000)
		r := rand.New(rand.NewPCG(uint64(i), 1))
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		return b
	}
	const size = 3 * 16 * bodyChunk
	c := newBodyCache(size)
	s := &bodyShape{base: "b"}
	if c.dict(s, []byte("a dictionary that no body matches")) == nil {
		t.Fatal("no dictionary")
	}
	id := func(i byte) emcdp.ID { return emcdp.ID{i} }
	held := func() int {
		n := len(c.free)
		for _, e := range c.m {
			n += len(e.chunks)
		}
		return n
	}
	for i := range byte(10) {
		c.put(c.ticket(), s, id(i), time.Time{}, body(i))
		if i == 5 {
			c.get(s, id(3), nil) // 3 is now more recent than 4 and 5
		}
		if held() != size/bodyChunk || len(c.m) > 3 {
			t.Fatalf("after %d puts: %d entries, %d chunks held and free", i+1, len(c.m), held())
		}
	}
	for i := range byte(10) {
		got, ok := c.get(s, id(i), nil)
		if want := i >= 7; ok != want || ok && !bytes.Equal(got, body(i)) {
			t.Errorf("entry %d held: %v (%d bytes), want %v", i, ok, len(got), want)
		}
	}
	c = newBodyCache(size)
	c.dict(s, []byte("a dictionary that no body matches"))
	c.put(c.ticket(), s, id(1), time.Time{}, body(1))
	c.put(c.ticket(), s, id(2), time.Time{}, body(2))
	c.put(c.ticket(), s, id(3), time.Time{}, body(3))
	c.get(s, id(1), nil)
	c.put(c.ticket(), s, id(4), time.Time{}, body(4)) // evicts 2, the least recently used
	if _, ok := c.get(s, id(2), nil); ok {
		t.Error("least recently used entry 2 was kept")
	}
	if _, ok := c.get(s, id(1), nil); !ok {
		t.Error("recently used entry 1 was evicted")
	}

	tk := c.ticket()
	c.change(emcdp.Change{TaskSessions: []emcdp.ID{{9}}})
	c.put(tk, s, id(9), time.Time{}, body(9))
	if _, ok := c.get(s, id(9), nil); ok {
		t.Error("an answer read before a change was kept")
	}
	c.put(c.ticket(), s, id(8), time.Time{}, make([]byte, size+1))
	if _, ok := c.get(s, id(8), nil); ok {
		t.Error("an answer longer than the cache was kept")
	}
	c.change(emcdp.Change{All: true})
	if len(c.m) != 0 || len(c.free) != size/bodyChunk {
		t.Errorf("after a clear: %d entries, %d free chunks", len(c.m), len(c.free))
	}
}

// TestBodyCacheShapes checks that the cache keeps the answers of at most
// maxBodyShapes shapes, and that answers of the same id in two shapes are
// two entries.
func TestBodyCacheShapes(t *testing.T) {
	c := newBodyCache(1 << 20)
	for i := range maxBodyShapes + 1 {
		s := &bodyShape{base: fmt.Sprintf("https://host%d/api", i)}
		c.put(c.ticket(), s, emcdp.ID{1}, time.Time{}, []byte(s.base))
		got, ok := c.get(s, emcdp.ID{1}, nil)
		if want := i < maxBodyShapes; ok != want || ok && string(got) != s.base {
			t.Errorf("shape %d: %q %v, want kept %v", i, got, ok, want)
		}
	}
}
