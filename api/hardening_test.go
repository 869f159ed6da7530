package api

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/auth"
)

// TestLogonSessionsListsCallerOnly checks that GET /api/logonSessions shows
// the calling session alone, not the user's other sessions: a client that
// logs off by deleting the first item must not end another client's session.
func TestLogonSessionsListsCallerOnly(t *testing.T) {
	f := newFixture(t)
	tokA, idA := f.logon(t)
	tokB, idB := f.logon(t) // the same user, another client
	for _, c := range []struct {
		tok        string
		self, peer string
	}{{tokA, idA.String(), idB.String()}, {tokB, idB.String(), idA.String()}} {
		w := f.do(t, req{target: "/api/logonSessions", token: c.tok, json: true})
		body := w.Body.String()
		if w.Code != 200 || strings.Count(body, `"SessionId"`) != 1 || !strings.Contains(body, c.self) || strings.Contains(body, c.peer) {
			t.Errorf("logonSessions for %s: %d %s", c.self, w.Code, body)
		}
	}
	// A client that sends Basic credentials alone sees one session, the
	// same one on every request, which is neither of the token clients'.
	var basicID string
	for i := 0; i < 3; i++ {
		w := f.do(t, req{target: "/api/logonSessions", user: "operator", pw: f.secret})
		body := w.Body.String()
		if w.Code != 200 || strings.Count(body, "<SessionId>") != 1 || strings.Contains(body, idA.String()) || strings.Contains(body, idB.String()) {
			t.Fatalf("logonSessions by Basic: %d %s", w.Code, body)
		}
		id := body[strings.Index(body, "<SessionId>")+len("<SessionId>"):]
		id = id[:strings.Index(id, "<")]
		if basicID != "" && id != basicID {
			t.Errorf("request %d by Basic shows session %s, before %s", i, id, basicID)
		}
		basicID = id
	}
}

// TestLogRedactsSessionIDs checks that the request log never holds the id
// of a logon session (its token is the base64 of the id), in any request
// that names one.
func TestLogRedactsSessionIDs(t *testing.T) {
	f := newFixture(t)
	var logs bytes.Buffer
	f.h.log = slog.New(slog.NewTextHandler(&logs, nil))
	tok, id := f.logon(t)
	for _, r := range []req{
		{target: "/api/logonSessions/" + id.String(), token: tok},
		{target: "/API//LogonSessions/" + strings.ToUpper(id.String()) + "/", token: tok},
		{target: "/api/logonSessions/" + id.String() + "/nothing", token: tok},
		{method: "DELETE", target: "/api/logonSessions/" + id.String(), token: tok},
	} {
		f.do(t, r)
	}
	if !strings.Contains(logs.String(), "logonSessions/REDACTED") {
		t.Fatalf("no request logged with a redacted id:\n%s", logs.String())
	}
	for _, secret := range []string{id.String(), strings.ToUpper(id.String()), tok} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the log holds %s:\n%s", secret, logs.String())
		}
	}
}

// stallingStore is a real store whose Query waits, once entered, until
// its context ends or release is closed; it reports each context that was
// cancelled. It stands for a table scan that takes longer than a deadline.
type stallingStore struct {
	emcdp.Store
	entered   chan struct{}
	release   chan struct{}
	queries   atomic.Int32
	cancelled atomic.Int32
}

func (s *stallingStore) Query(ctx context.Context, q *emcdp.Query) (*emcdp.QueryResult, error) {
	s.queries.Add(1)
	select {
	case s.entered <- struct{}{}:
	default:
	}
	select {
	case <-ctx.Done():
		s.cancelled.Add(1)
		return nil, ctx.Err()
	case <-s.release:
	}
	return s.Store.Query(ctx, q)
}

func newStalling(t *testing.T, f *fixture, timeout time.Duration, scans int) *stallingStore {
	st := &stallingStore{Store: f.st, entered: make(chan struct{}, 1), release: make(chan struct{})}
	f.h = newHandler(Config{Store: st, Clock: f.clock, Auth: &auth.Service{Store: f.st, Clock: f.clock},
		RequestTimeout: timeout, MaxScans: scans})
	return st
}

// TestRequestDeadline checks that a request running past the deadline is
// answered 503 with an Error body and Retry-After, and that the store query
// it started sees its context cancelled.
func TestRequestDeadline(t *testing.T) {
	f := newFixture(t)
	tok, _ := f.logon(t)
	st := newStalling(t, f, 100*time.Millisecond, 4)
	for _, target := range []string{"/api/cdpReplicaTaskSessions", "/api/query?type=CdpReplicaTaskSession", "/api/backupServers"} {
		for _, js := range []bool{false, true} {
			w := f.do(t, req{target: target, token: tok, json: js})
			if w.Code != 503 || w.Header().Get("Retry-After") == "" || !strings.Contains(w.Body.String(), "did not complete in time") {
				t.Errorf("%s: %d Retry-After %q %s", target, w.Code, w.Header().Get("Retry-After"), w.Body)
			}
		}
	}
	if n := st.cancelled.Load(); n != 6 {
		t.Errorf("%d store queries saw their context cancelled, want 6", n)
	}
}

// holdScanSlot starts a collection read that stalls in st and returns once
// it holds the one scan slot, with the channel its status arrives on when st
// is released.
func holdScanSlot(f *fixture, st *stallingStore, tok string) <-chan int {
	done := make(chan int, 1)
	go func() {
		w := httptest.NewRecorder()
		r := httptest.NewRequest("GET", "/api/cdpReplicaTaskSessions", nil)
		r.Header.Set(auth.SessionHeader, tok)
		f.h.ServeHTTP(w, r)
		done <- w.Code
	}()
	<-st.entered // the one slot is taken, by a request with a long deadline
	return done
}

// TestScanSlots checks that scanning reads beyond MaxScans wait for a slot,
// and get the 503 of a timeout when their deadline passes first, while reads
// by id are served at once.
func TestScanSlots(t *testing.T) {
	f := newFixture(t)
	tok, _ := f.logon(t)
	st := newStalling(t, f, 10*time.Second, 1)
	done := holdScanSlot(f, st, tok)
	f.h.timeout = 200 * time.Millisecond
	start := time.Now()
	if w := f.do(t, req{target: "/api/cdpReplicaTaskSessions/" + f.ts[0].ID.String(), token: tok}); w.Code != 200 {
		t.Errorf("read by id while the scan slot is taken: %d %s", w.Code, w.Body)
	}
	if d := time.Since(start); d > 150*time.Millisecond {
		t.Errorf("the read by id took %v; it must not wait for the scan", d)
	}
	w := f.do(t, req{target: "/api/query?type=CdpReplicaTaskSession", token: tok})
	if w.Code != 503 || !strings.Contains(w.Body.String(), "did not complete in time") {
		t.Errorf("a second scan: %d %s, want the 503 of a timeout", w.Code, w.Body)
	}
	if n := st.queries.Load(); n != 1 {
		t.Errorf("%d store queries; the waiting scan must not have reached the store", n)
	}
	close(st.release)
	if code := <-done; code != 200 {
		t.Errorf("the first scan: %d", code)
	}
	if w := f.do(t, req{target: "/api/cdpReplicaTaskSessions", token: tok}); w.Code != 200 {
		t.Errorf("a scan once the slot is free: %d", w.Code)
	}
}

// TestReportScanSlot checks that a frame of the summary report waits for a
// scan slot as collections do: with the one slot taken, it gets the 503 of
// a timeout without reading the store.
func TestReportScanSlot(t *testing.T) {
	f := newFixture(t)
	tok, _ := f.logon(t)
	st := newStalling(t, f, 10*time.Second, 1)
	rs := &reportCounter{stallingStore: st}
	f.h = newHandler(Config{Store: rs, Clock: f.clock, Auth: &auth.Service{Store: f.st, Clock: f.clock},
		RequestTimeout: 10 * time.Second, MaxScans: 1})
	done := holdScanSlot(f, st, tok)
	f.h.timeout = 200 * time.Millisecond
	w := f.do(t, req{target: "/api/reports/summary/overview", token: tok})
	if w.Code != 503 || !strings.Contains(w.Body.String(), "did not complete in time") {
		t.Errorf("a report frame while the scan slot is taken: %d %s, want the 503 of a timeout", w.Code, w.Body)
	}
	if n := rs.reports.Load(); n != 0 {
		t.Errorf("%d report reads; the waiting frame must not have reached the store", n)
	}
	close(st.release)
	if code := <-done; code != 200 {
		t.Errorf("the scan: %d", code)
	}
	if w := f.do(t, req{target: "/api/reports/summary/overview", token: tok}); w.Code != 200 || rs.reports.Load() != 1 {
		t.Errorf("a report frame once the slot is free: %d, %d reads", w.Code, rs.reports.Load())
	}
}

// reportCounter counts the report reads of a stalling store.
type reportCounter struct {
	*stallingStore
	reports atomic.Int32
}

func (s *reportCounter) ReportFacts(ctx context.Context, p emcdp.ReportPeriod) (*emcdp.ReportFacts, error) {
	s.reports.Add(1)
	return s.stallingStore.ReportFacts(ctx, p)
}

// stallingReads is a real store whose reads of a logon session and of a
// task session by id, while stall is set, wait until their context ends (at
// most 5 s), and count the contexts that ended.
type stallingReads struct {
	emcdp.Store
	stall atomic.Bool
	ended atomic.Int32
}

func (s *stallingReads) wait(ctx context.Context) error {
	if !s.stall.Load() {
		return nil
	}
	select {
	case <-ctx.Done():
		s.ended.Add(1)
		return ctx.Err()
	case <-time.After(5 * time.Second):
		return nil
	}
}

func (s *stallingReads) LogonSession(ctx context.Context, id emcdp.ID) (*emcdp.LogonSession, error) {
	if err := s.wait(ctx); err != nil {
		return nil, err
	}
	return s.Store.LogonSession(ctx, id)
}

func (s *stallingReads) TaskSession(ctx context.Context, id emcdp.ID) (*emcdp.TaskSession, error) {
	if err := s.wait(ctx); err != nil {
		return nil, err
	}
	return s.Store.TaskSession(ctx, id)
}

// TestRequestDeadlineReads checks that the request's deadline bounds the
// reads that a GET by id makes: the caller's logon session, read by the
// authentication, and the task session.
func TestRequestDeadlineReads(t *testing.T) {
	f := newFixture(t)
	tok, _ := f.logon(t)
	st := &stallingReads{Store: f.st}
	f.h = newHandler(Config{Store: st, Clock: f.clock, Auth: &auth.Service{Store: st, Clock: f.clock},
		RequestTimeout: 100 * time.Millisecond})
	target := "/api/cdpReplicaTaskSessions/" + f.ts[2].ID.String() + "?format=Entity"
	if w := f.do(t, req{target: target, token: tok}); w.Code != 200 {
		t.Fatalf("without a stall: %d %s", w.Code, w.Body)
	}
	st.stall.Store(true)
	start := time.Now()
	w := f.do(t, req{target: target, token: tok})
	if w.Code != 503 || !strings.Contains(w.Body.String(), "did not complete in time") {
		t.Errorf("a stalled logon session read: %d %s, want the 503 of a timeout", w.Code, w.Body)
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("the stalled request took %v", d)
	}
	if n := st.ended.Load(); n != 1 {
		t.Errorf("%d stalled reads saw their context end, want 1", n)
	}
	// Authenticated by Basic credentials (remembered after the first
	// request), the read of the task session is what stalls.
	st.stall.Store(false)
	f.h.timeout = time.Minute // the password check may be slow (the race detector)
	if w := f.do(t, req{target: target, user: "operator", pw: f.secret}); w.Code != 200 {
		t.Fatalf("by Basic credentials without a stall: %d %s", w.Code, w.Body)
	}
	f.h.timeout = 100 * time.Millisecond
	st.stall.Store(true)
	w = f.do(t, req{target: target, user: "operator", pw: f.secret})
	if w.Code != 503 || !strings.Contains(w.Body.String(), "did not complete in time") {
		t.Errorf("a stalled task session read: %d %s, want the 503 of a timeout", w.Code, w.Body)
	}
	if n := st.ended.Load(); n != 2 {
		t.Errorf("%d stalled reads saw their context end, want 2", n)
	}
}
