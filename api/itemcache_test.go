package api

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/auth"
	"github.com/emcdp/emcdp/wire"
)

// itemCacheQueries are the query answers of job sessions that the item
// cache takes part in, in JSON and XML: pages of the creation order, by end
// time, filtered, with two base URLs.
var itemCacheQueries = []string{
	"http://example.com/api/query?type=BackupJobSession&format=Entities&pageSize=7",
	"http://example.com/api/query?type=BackupJobSession&format=Entities&pageSize=7&page=2",
	"http://example.com/api/query?type=BackupJobSession&format=Entities&pageSize=9&sortDesc=EndTime",
	"http://other.example.com:9398/api/query?type=BackupJobSession&format=Entities&pageSize=50&sortAsc=CreationTime",
	"http://example.com/api/query?type=BackupJobSession&format=Entities&filter=Result==Success&pageSize=5&page=3",
	"http://example.com/api/query?type=BackupJobSession&format=Entities&pageSize=200",
	"http://example.com/api/query?type=BackupJobSession&format=Entities&pageSize=5&page=500",
}

// checkItemCache requires every answer of itemCacheQueries through cached
// (with an item cache) to be, byte for byte, the answer of f.h (without):
// twice, so that the second reads the items the first kept. It returns the
// number of items the cache holds.
func checkItemCache(t *testing.T, step string, f *fixture, cached *Handler, tok string) int {
	t.Helper()
	plain := f.h
	defer func() { f.h = plain }()
	for _, u := range itemCacheQueries {
		for _, json := range []bool{false, true} {
			f.h = plain
			want := f.do(t, req{target: u, token: tok, json: json})
			if want.Code != http.StatusOK {
				t.Fatalf("%s: GET %s: %d %s", step, u, want.Code, want.Body)
			}
			f.h = cached
			for round := range 2 {
				if got := f.do(t, req{target: u, token: tok, json: json}); got.Body.String() != want.Body.String() {
					t.Fatalf("%s: GET %s (JSON %v), round %d, through the item cache:\n%s\nwant\n%s", step, u, json, round, got.Body, want.Body)
				}
			}
		}
	}
	cached.items.mu.Lock()
	defer cached.items.mu.Unlock()
	return len(cached.items.m)
}

// TestItemCacheWrites checks that the query answers of job sessions through
// the item cache stay those without it across every kind of write that
// changes a job session's entity or its restore-point links: an update of
// the session, a point added, renamed, moved to another session and retired,
// the old sessions removed, and the store cleared and written again with
// the same ids and other contents. Each write is made after the cache holds
// the sessions it changes, so that a missing version trigger
// (sqlgen.ItemVersions) leaves a stale item behind.
func TestItemCacheWrites(t *testing.T) {
	ctx := context.Background()
	f, d := vbrFixture(t, wire.V12)
	tok, _ := f.logon(t)
	cached := newHandler(Config{Store: f.st, Clock: f.clock, Auth: f.h.auth, Profile: wire.V12, ItemCacheBytes: 1 << 20})
	if cached.items == nil {
		t.Fatal("no item cache over SQLite")
	}
	if n := checkItemCache(t, "start", f, cached, tok); n == 0 {
		t.Fatal("nothing kept")
	}
	points := map[emcdp.ID][]emcdp.RestorePoint{}
	for _, p := range d.RestorePoints {
		points[p.JobSessionID] = append(points[p.JobSessionID], p)
	}
	var withPoints []emcdp.JobSession // ended backup job sessions with restore points
	for _, s := range d.JobSessions {
		if emcdp.Describe(&s) == emcdp.BackupJobSessionDesc && len(points[s.ID]) > 0 && !s.Running() {
			withPoints = append(withPoints, s)
		}
	}
	if len(withPoints) < 3 {
		t.Fatalf("%d ended backup job sessions with points: the dataset does not exercise the links", len(withPoints))
	}
	apply := func(step string, b *emcdp.Batch) {
		t.Helper()
		if err := f.st.Apply(ctx, b); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		checkItemCache(t, step, f, cached, tok)
	}

	s := withPoints[0]
	s.Result, s.FailureMessage, s.EndTime = emcdp.ResultFailed, "Job session failed after retention", s.EndTime.Add(time.Minute)
	apply("session updated", &emcdp.Batch{UpdJobSessions: []emcdp.JobSession{s}})

	p := points[withPoints[1].ID][0]
	p.ID, p.Name = emcdp.NewID(), "Nov 30 2026 11:11:11"
	apply("point added", &emcdp.Batch{RestorePoints: []emcdp.RestorePoint{p}})

	p.Name = "Nov 30 2026 11:12:13"
	apply("point renamed", &emcdp.Batch{RestorePoints: []emcdp.RestorePoint{p}})

	p.JobSessionID = withPoints[2].ID
	apply("point moved", &emcdp.Batch{RestorePoints: []emcdp.RestorePoint{p}})

	apply("point retired", &emcdp.Batch{Retired: []emcdp.Retired{{Kind: emcdp.KindRestorePoint, ID: points[withPoints[0].ID][0].ID}}})

	apply("old sessions removed", &emcdp.Batch{DeleteSessionsBefore: withPoints[len(withPoints)/2].CreationTime})

	if err := f.st.Clear(ctx); err != nil {
		t.Fatal(err)
	}
	tok, _ = f.logon(t) // the logon sessions went too
	checkItemCache(t, "cleared", f, cached, tok)
	b := d.Batch(rand.New(rand.NewPCG(1, 2)))
	for i := range b.NewJobSessions {
		b.NewJobSessions[i].Name += " again"
	}
	for i := range b.RestorePoints {
		b.RestorePoints[i].Name += " again"
	}
	apply("written again", b)
}

// TestItemCacheBound checks that the item cache keeps to its size, the
// least recently used out first, refuses an item larger than itself and
// replaces an item's older version.
func TestItemCacheBound(t *testing.T) {
	const size = 10 * (1000 + itemOverhead)
	c := newItemCache(size)
	shape, _ := c.shape(itemShape{format: wire.JSON, base: "http://a"})
	ids := make([]emcdp.ID, 30)
	item := make([]byte, 1000)
	for i := range ids {
		ids[i] = emcdp.NewID()
		c.put(shape, ids[i], 1, item)
		if c.get(shape, ids[0], 1) == nil {
			t.Fatalf("the most used item fell out after %d", i)
		}
		if c.size > size {
			t.Fatalf("%d bytes held in a cache of %d", c.size, size)
		}
	}
	if len(c.m) != 10 || c.get(shape, ids[1], 1) != nil || c.get(shape, ids[29], 1) == nil {
		t.Fatalf("%d items kept; want the 10 most recent", len(c.m))
	}
	c.put(shape, ids[29], 2, item[:10])
	if c.get(shape, ids[29], 1) != nil || c.get(shape, ids[29], 2) == nil || c.size != 9*(1000+itemOverhead)+10+itemOverhead {
		t.Fatalf("the new version did not replace the old: %d bytes held", c.size)
	}
	c.put(shape, emcdp.NewID(), 1, make([]byte, size))
	if len(c.m) != 10 {
		t.Fatalf("an item larger than the cache was kept")
	}
	for i := range maxItemShapes + 1 {
		if _, ok := c.shape(itemShape{format: wire.XML, base: fmt.Sprint("http://", i)}); ok != (i < maxItemShapes-1) {
			t.Fatalf("shape %d kept: %v", i+2, ok)
		}
	}
}

// TestItemCacheVersionedStore checks where the item cache is used: over a
// store that versions job sessions, for their entities, and not without
// ItemCacheBytes or over a store that does not (as the PostgreSQL store).
func TestItemCacheVersionedStore(t *testing.T) {
	f := newFixture(t)
	if h := newHandler(Config{Store: f.st, Clock: f.clock}); h.items != nil {
		t.Error("an item cache without ItemCacheBytes")
	}
	plain := struct{ emcdp.Store }{f.st} // the store's methods less its versions
	if h := newHandler(Config{Store: plain, Clock: f.clock, Auth: &auth.Service{Store: plain, Clock: f.clock}, ItemCacheBytes: 1 << 20}); h.items != nil {
		t.Error("an item cache over a store without versions")
	}
	if !f.st.Versioned(emcdp.KindBackupJobSession) || f.st.Versioned(emcdp.KindCdpReplicaTaskSession) || f.st.Versioned(emcdp.KindReplicaJobSession) {
		t.Error("versioned kinds: want the backup job sessions alone")
	}
}

// TestItemCacheConcurrent answers the job-session queries through the item
// cache from several goroutines while sessions and points are written, and
// then requires the answers to be those without the cache: what a reader of
// an older snapshot keeps must not outlive the versions that follow it.
func TestItemCacheConcurrent(t *testing.T) {
	ctx := context.Background()
	f, d := vbrFixture(t, wire.V12)
	tok, _ := f.logon(t)
	cached := newHandler(Config{Store: f.st, Clock: f.clock, Auth: f.h.auth, Profile: wire.V12, ItemCacheBytes: 1 << 20})
	var sessions []emcdp.JobSession
	for _, s := range d.JobSessions {
		if emcdp.Describe(&s) == emcdp.BackupJobSessionDesc && !s.Running() {
			sessions = append(sessions, s)
		}
	}
	done := make(chan struct{})
	errs := make(chan error, 4)
	for g := range 4 {
		go func() {
			for i := 0; ; i++ {
				select {
				case <-done:
					errs <- nil
					return
				default:
				}
				r := httptest.NewRequest("GET", itemCacheQueries[(g+i)%len(itemCacheQueries)], nil)
				r.Header.Set(auth.SessionHeader, tok)
				if g%2 == 0 {
					r.Header.Set("Accept", "application/json")
				}
				w := httptest.NewRecorder()
				cached.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					errs <- fmt.Errorf("GET %s: %d", r.URL, w.Code)
					return
				}
			}
		}()
	}
	for i := range 40 {
		s := sessions[i%len(sessions)]
		s.Progress, s.FailureMessage = i%100, fmt.Sprint("write ", i)
		if err := f.st.Apply(ctx, &emcdp.Batch{UpdJobSessions: []emcdp.JobSession{s}}); err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	checkItemCache(t, "after the writes", f, cached, tok)
}
