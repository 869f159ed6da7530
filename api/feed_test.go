package api

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/auth"
	"github.com/emcdp/emcdp/sqlite"
)

// fedStore is a store shared with other processes whose change feed the
// test drives: its listeners hear only what the test reports (feed), not
// the embedded store's own writes, and it listens while listening is set.
// It counts the reads of task sessions and logon sessions.
type fedStore struct {
	*sqlite.DB
	feed      emcdp.Changes
	listening atomic.Bool
	reads     atomic.Int32
}

func (s *fedStore) OnChange(fn func(emcdp.Change)) { s.feed.OnChange(fn) }
func (s *fedStore) Listening() bool                { return s.listening.Load() }

func (s *fedStore) TaskSession(ctx context.Context, id emcdp.ID) (*emcdp.TaskSession, error) {
	s.reads.Add(1)
	return s.DB.TaskSession(ctx, id)
}

func (s *fedStore) LogonSession(ctx context.Context, id emcdp.ID) (*emcdp.LogonSession, error) {
	s.reads.Add(1)
	return s.DB.LogonSession(ctx, id)
}

// TestFeedGate checks that a replica answers GET by id from its caches,
// body and logon session, without reading the store while its store's feed
// listens, and reads the store for both while the feed does not.
func TestFeedGate(t *testing.T) {
	ctx := context.Background()
	f, _, _ := cachedFixture(t, 1<<20)
	fs := &fedStore{DB: f.st}
	fs.listening.Store(true)
	h := newHandler(Config{Store: fs, Clock: f.clock, Auth: &auth.Service{Store: fs, Clock: f.clock}, BodyCacheBytes: 1 << 20})
	tok, lid := f.logon(t)
	id := f.ts[2].ID
	get := func() (int, string, int32) {
		t.Helper()
		n := fs.reads.Load()
		code, body := f.get(t, h, tok, id, "?format=Entity", false)
		return code, body, fs.reads.Load() - n
	}
	if code, _, _ := get(); code != http.StatusOK {
		t.Fatalf("first read: %d", code)
	}
	if code, _, reads := get(); code != http.StatusOK || reads != 0 {
		t.Fatalf("second read: %d with %d store reads, want 200 with none", code, reads)
	}

	// Writes the feed does not report: while it listens, the caches answer.
	ts := f.ts[2]
	ts.Reason = "unheard"
	if err := f.st.Apply(ctx, &emcdp.Batch{UpdTaskSessions: []emcdp.TaskSession{ts}}); err != nil {
		t.Fatal(err)
	}
	if err := f.st.DeleteLogonSession(ctx, lid); err != nil {
		t.Fatal(err)
	}
	if code, body, reads := get(); code != http.StatusOK || strings.Contains(body, "unheard") || reads != 0 {
		t.Fatalf("read from the caches: %d with %d store reads\n%s", code, reads, body)
	}

	// Once the feed stops listening, the store answers.
	fs.listening.Store(false)
	if code, _, reads := get(); code != http.StatusUnauthorized || reads == 0 {
		t.Errorf("read with a session logged off while the feed is off: %d with %d store reads, want 401 from the store", code, reads)
	}
	tok, _ = f.logon(t)
	for i := range 2 {
		if code, body, reads := get(); code != http.StatusOK || !strings.Contains(body, "unheard") || reads != 2 {
			t.Errorf("read %d while the feed is off: %d with %d store reads, want 200 with 2\n%s", i, code, reads, body)
		}
	}

	// Listening again, after telling of a change of everything.
	fs.feed.Changed(emcdp.Change{All: true})
	fs.listening.Store(true)
	get()
	if code, body, reads := get(); code != http.StatusOK || !strings.Contains(body, "unheard") || reads != 0 {
		t.Errorf("read when the feed listens again: %d with %d store reads\n%s", code, reads, body)
	}
}
