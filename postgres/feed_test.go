package postgres

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/api"
	"github.com/emcdp/emcdp/auth"
	"github.com/emcdp/emcdp/storetest"
)

// replica is one store and API handler on the shared schema, with what its
// change feed has heard.
type replica struct {
	db *DB
	h  http.Handler

	mu    sync.Mutex
	heard []emcdp.Change
	woken chan struct{} // signalled after each change heard
}

// openReplica opens a store on u with its feed and an API handler with the
// body cache, as "emcdp serve" does, and waits until the feed listens.
func openReplica(t *testing.T, u string) *replica {
	t.Helper()
	db, err := Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	r := &replica{db: db, woken: make(chan struct{}, 1)}
	r.h = api.NewHandler(api.Config{Store: db, BodyCacheBytes: api.DefaultBodyCacheBytes})
	// A request by token makes the logon service listen too, before the
	// test does: the feed tells its listeners in turn, so that once the
	// test has heard a change the caches have too.
	if code, _, _ := r.get(t, auth.Token(emcdp.NewID()), emcdp.NewID()); code != http.StatusUnauthorized {
		t.Fatalf("a request with an unknown token: %d", code)
	}
	db.OnChange(func(ch emcdp.Change) {
		r.mu.Lock()
		r.heard = append(r.heard, ch)
		r.mu.Unlock()
		select {
		case r.woken <- struct{}{}:
		default:
		}
	})
	db.Listen()
	r.await(t, "the feed listening", func([]emcdp.Change) bool { return db.Listening() })
	return r
}

// await waits, at most 20 s, until ok holds for what the feed has heard.
func (r *replica) await(t *testing.T, what string, ok func([]emcdp.Change) bool) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		r.mu.Lock()
		done := ok(r.heard)
		r.mu.Unlock()
		if done {
			return
		}
		select {
		case <-r.woken:
		case <-time.After(10 * time.Millisecond):
		case <-deadline:
			t.Fatalf("waited 20 s for %s", what)
		}
	}
}

// get sends GET /cdpReplicaTaskSessions/{id}?format=Entity with tok and
// returns the status, the body and the connections the store took for it
// (its round trips).
func (r *replica) get(t *testing.T, tok string, id emcdp.ID) (int, string, int64) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "https://em.test/api/cdpReplicaTaskSessions/"+id.String()+"?format=Entity", nil)
	req.Header.Set(auth.SessionHeader, tok)
	w := httptest.NewRecorder()
	before := r.db.pool.Stat().AcquireCount()
	r.h.ServeHTTP(w, req)
	return w.Code, w.Body.String(), r.db.pool.Stat().AcquireCount() - before
}

// heardAll reports whether a change of everything was heard at least n times.
func heardAll(n int) func([]emcdp.Change) bool {
	return func(hs []emcdp.Change) bool {
		for _, h := range hs {
			if h.All {
				n--
			}
		}
		return n <= 0
	}
}

// TestFeedTwoReplicas runs two replicas on one schema and checks that what
// one writes (an update, retention, a reset, a logoff, the removal of idle
// sessions) is no longer answered from the other's caches once the other
// has heard it, and that an answer and a logon session kept by a replica
// are served without a round trip.
func TestFeedTwoReplicas(t *testing.T) {
	ctx := context.Background()
	u := freshSchema(t)
	a, b := openReplica(t, u), openReplica(t, u)
	d := storetest.NewDataset(7, 4, 6, 16, 60)
	if err := a.db.Apply(ctx, d.Batch(rand.New(rand.NewPCG(1, 2)))); err != nil {
		t.Fatal(err)
	}
	var ended []emcdp.TaskSession
	for _, ts := range d.Tasks {
		if !ts.Running() {
			ended = append(ended, ts)
		}
	}
	if len(ended) < 3 {
		t.Fatalf("the dataset has %d ended task sessions", len(ended))
	}
	oldest, newest := ended[0], ended[0]
	for _, ts := range ended {
		if ts.CreationTime.Before(oldest.CreationTime) {
			oldest = ts
		}
		if ts.CreationTime.After(newest.CreationTime) {
			newest = ts
		}
	}
	logon := func() (emcdp.ID, string) {
		now := emcdp.Ticks(time.Now())
		ls := emcdp.LogonSession{ID: emcdp.NewID(), UserName: "operator", UserKey: "operator", Created: now, LastSeen: now}
		if err := a.db.CreateLogonSession(ctx, &ls); err != nil {
			t.Fatal(err)
		}
		return ls.ID, auth.Token(ls.ID)
	}
	lid, tok := logon()
	for _, id := range []emcdp.ID{oldest.ID, newest.ID} {
		if code, body, _ := b.get(t, tok, id); code != http.StatusOK || !strings.Contains(body, id.String()) {
			t.Fatalf("first read of %v at b: %d\n%s", id, code, body)
		}
		if code, _, trips := b.get(t, tok, id); code != http.StatusOK || trips != 0 {
			t.Errorf("second read of %v at b: %d with %d round trips, want 200 with none", id, code, trips)
		}
	}

	t.Run("update", func(t *testing.T) {
		upd := newest
		upd.Result, upd.Reason = emcdp.ResultFailed, "changed at a"
		if err := a.db.Apply(ctx, &emcdp.Batch{UpdTaskSessions: []emcdp.TaskSession{upd}}); err != nil {
			t.Fatal(err)
		}
		b.await(t, "the update", func(hs []emcdp.Change) bool {
			for _, h := range hs {
				for _, id := range h.TaskSessions {
					if id == upd.ID {
						return true
					}
				}
			}
			return false
		})
		if code, body, _ := b.get(t, tok, upd.ID); code != http.StatusOK || !strings.Contains(body, "changed at a") {
			t.Errorf("read at b after the update: %d\n%s", code, body)
		}
	})

	t.Run("retention", func(t *testing.T) {
		cut := oldest.CreationTime.Add(time.Nanosecond)
		if err := a.db.Apply(ctx, &emcdp.Batch{DeleteSessionsBefore: cut}); err != nil {
			t.Fatal(err)
		}
		b.await(t, "the retention", func(hs []emcdp.Change) bool {
			for _, h := range hs {
				if h.Before.Equal(cut) {
					return true
				}
			}
			return false
		})
		if code, body, _ := b.get(t, tok, oldest.ID); code != http.StatusNotFound {
			t.Errorf("read at b of a task session removed at a: %d\n%s", code, body)
		}
	})

	t.Run("logoff", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodDelete, "https://em.test/api/logonSessions/"+lid.String(), nil)
		req.Header.Set(auth.SessionHeader, tok)
		w := httptest.NewRecorder()
		a.h.ServeHTTP(w, req)
		if w.Code != http.StatusNoContent {
			t.Fatalf("logoff at a: %d\n%s", w.Code, w.Body)
		}
		key := [32]byte(emcdp.LogonSessionKey(lid))
		b.await(t, "the logoff", func(hs []emcdp.Change) bool {
			for _, h := range hs {
				for _, k := range h.Logons {
					if k == key {
						return true
					}
				}
			}
			return false
		})
		if code, body, _ := b.get(t, tok, newest.ID); code != http.StatusUnauthorized {
			t.Errorf("read at b with a session logged off at a: %d\n%s", code, body)
		}
	})

	t.Run("expiry", func(t *testing.T) {
		_, tok := logon()
		if code, _, _ := b.get(t, tok, newest.ID); code != http.StatusOK {
			t.Fatalf("read at b: %d", code)
		}
		cut := time.Now().Add(time.Hour)
		if _, err := a.db.DeleteLogonSessionsBefore(ctx, cut); err != nil {
			t.Fatal(err)
		}
		// The bound itself: tests of other packages sharing the database
		// remove idle sessions too, and the feed's channel is the database's.
		b.await(t, "the removal of idle sessions", func(hs []emcdp.Change) bool {
			for _, h := range hs {
				if h.LogonsBefore.Equal(cut) {
					return true
				}
			}
			return false
		})
		if code, body, _ := b.get(t, tok, newest.ID); code != http.StatusUnauthorized {
			t.Errorf("read at b with a session removed at a: %d\n%s", code, body)
		}
	})

	t.Run("reset", func(t *testing.T) {
		lid, tok := logon()
		if code, _, _ := b.get(t, tok, newest.ID); code != http.StatusOK {
			t.Fatalf("read at b: %d", code)
		}
		b.mu.Lock()
		n := len(b.heard)
		b.mu.Unlock()
		if err := a.db.Clear(ctx); err != nil {
			t.Fatal(err)
		}
		b.await(t, "the reset", func(hs []emcdp.Change) bool { return heardAll(1)(hs[n:]) })
		// The same session, made again after the reset, must be read again,
		// and the task session, gone with the reset, not served.
		now := emcdp.Ticks(time.Now())
		if err := a.db.CreateLogonSession(ctx, &emcdp.LogonSession{ID: lid, UserName: "operator", UserKey: "operator", Created: now, LastSeen: now}); err != nil {
			t.Fatal(err)
		}
		if code, body, _ := b.get(t, tok, newest.ID); code != http.StatusNotFound {
			t.Errorf("read at b after a reset at a: %d\n%s", code, body)
		}
	})
}

// TestFeedReconnect kills the listening connection of a replica and checks
// that the replica forgets what it kept (a change it could not hear is then
// seen), stops using its caches until it listens again, and uses them again
// after.
func TestFeedReconnect(t *testing.T) {
	ctx := context.Background()
	var nb [6]byte
	_, _ = crand.Read(nb[:])
	app := "emcdp_feed_" + hex.EncodeToString(nb[:])
	u := freshSchema(t)
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	q := pu.Query()
	q.Set("application_name", app)
	pu.RawQuery = q.Encode()
	b := openReplica(t, pu.String())
	d := storetest.NewDataset(7, 4, 6, 16, 60)
	if err := b.db.Apply(ctx, d.Batch(rand.New(rand.NewPCG(1, 2)))); err != nil {
		t.Fatal(err)
	}
	var ts emcdp.TaskSession
	for _, x := range d.Tasks {
		if !x.Running() {
			ts = x
			break
		}
	}
	now := emcdp.Ticks(time.Now())
	ls := emcdp.LogonSession{ID: emcdp.NewID(), UserName: "operator", UserKey: "operator", Created: now, LastSeen: now}
	if err := b.db.CreateLogonSession(ctx, &ls); err != nil {
		t.Fatal(err)
	}
	tok := auth.Token(ls.ID)
	if code, _, _ := b.get(t, tok, ts.ID); code != http.StatusOK {
		t.Fatalf("first read: %d", code)
	}
	if _, _, trips := b.get(t, tok, ts.ID); trips != 0 {
		t.Fatalf("second read took %d round trips, want none", trips)
	}

	// A write that no feed hears, as one made while the connection is down.
	if _, err := b.db.pool.Exec(ctx, "UPDATE "+emcdp.CdpReplicaTaskSessionDesc.Table+" SET reason = 'unheard' WHERE id = $1", ts.ID[:]); err != nil {
		t.Fatal(err)
	}
	const listener = `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND query LIKE 'LISTEN %'`
	var old uint32
	if err := b.db.pool.QueryRow(ctx, listener, app).Scan(&old); err != nil {
		t.Fatalf("the listening connection: %v", err)
	}
	if _, err := b.db.pool.Exec(ctx, "SELECT pg_terminate_backend($1)", old); err != nil {
		t.Fatal(err)
	}
	b.await(t, "the feed listening on a new connection", func([]emcdp.Change) bool {
		var pid uint32
		err := b.db.pool.QueryRow(ctx, listener+" AND pid <> $2", app, old).Scan(&pid)
		return err == nil && b.db.Listening()
	})
	// A change of everything when the feed started, when it lost its
	// connection, and when it listened again.
	b.mu.Lock()
	all := heardAll(3)(b.heard)
	b.mu.Unlock()
	if !all {
		t.Errorf("the feed did not report a change of everything when it started, lost the connection and listened again: %+v", b.heard)
	}
	if code, body, _ := b.get(t, tok, ts.ID); code != http.StatusOK || !strings.Contains(body, "unheard") {
		t.Errorf("read after the reconnection: %d\n%s", code, body)
	}
	if code, _, trips := b.get(t, tok, ts.ID); code != http.StatusOK || trips != 0 {
		t.Errorf("read again after the reconnection: %d with %d round trips, want 200 with none", code, trips)
	}
}

// TestFeedPerSchema opens replicas on two schemas of one database and checks
// that a replica hears only the writes of its own schema. PostgreSQL delivers
// notifications in commit order, so once the second replica has heard its
// own write, committed after the first replica's clear, it would have heard
// the clear too had it been sent on its channel.
func TestFeedPerSchema(t *testing.T) {
	ctx := context.Background()
	a := openReplica(t, freshSchema(t))
	c := openReplica(t, freshSchema(t))
	c.mu.Lock()
	n := len(c.heard)
	c.mu.Unlock()
	if err := a.db.Clear(ctx); err != nil {
		t.Fatal(err)
	}
	cut := time.Now().Add(-time.Hour)
	if _, err := c.db.DeleteLogonSessionsBefore(ctx, cut); err != nil {
		t.Fatal(err)
	}
	c.await(t, "its own removal of idle sessions", func(hs []emcdp.Change) bool {
		for _, h := range hs[n:] {
			if h.LogonsBefore.Equal(cut) {
				return true
			}
		}
		return false
	})
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, h := range c.heard[n:] {
		if h.All {
			t.Errorf("a replica heard the clear of a store in another schema of its database")
		}
	}
}
