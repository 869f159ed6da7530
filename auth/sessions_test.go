package auth

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
)

// readCounter counts the logon-session reads that reach the store.
type readCounter struct {
	emcdp.Store
	reads atomic.Int32
}

func (c *readCounter) LogonSession(ctx context.Context, id emcdp.ID) (*emcdp.LogonSession, error) {
	c.reads.Add(1)
	return c.Store.LogonSession(ctx, id)
}

// soleWriterFixture is a fixture whose service remembers sessions, with the
// store's logon-session reads counted.
func soleWriterFixture(t *testing.T) (*fixture, *readCounter) {
	f := newFixture(t)
	rc := &readCounter{Store: f.store}
	f.svc.Store = rc
	f.svc.SoleWriter = true
	return f, rc
}

// TestSoleWriterReadsOnce: a remembered session authenticates every further
// request without a store read, and is still renewed in the store.
func TestSoleWriterReadsOnce(t *testing.T) {
	f, rc := soleWriterFixture(t)
	ls, tok, err := f.svc.Logon(context.Background(), "operator", "secret")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		f.clock.Advance(2 * time.Second)
		if _, err := f.svc.Authenticate(context.Background(), request(tok, "")); err != nil {
			t.Fatal(err)
		}
	}
	if n := rc.reads.Load(); n != 1 {
		t.Errorf("%d logon-session reads for 5 requests, want 1", n)
	}
	got, err := f.store.LogonSession(context.Background(), ls.ID)
	if err != nil || !got.LastSeen.Equal(f.clock.Now()) {
		t.Errorf("stored session %+v %v, want it renewed to %v", got, err, f.clock.Now())
	}
}

// TestSoleWriterExpiryAndLogoff: a remembered session expires after the idle
// time and ends at once on logoff, exactly as an unremembered one.
func TestSoleWriterExpiryAndLogoff(t *testing.T) {
	f, _ := soleWriterFixture(t)
	f.svc.IdleTimeout = 10 * time.Minute
	ctx := context.Background()
	_, tok, _ := f.svc.Logon(ctx, "operator", "secret")
	for i := 0; i < 3; i++ {
		f.clock.Advance(9 * time.Minute)
		if _, err := f.svc.Authenticate(context.Background(), request(tok, "")); err != nil {
			t.Fatalf("request %d after 9 min idle: %v", i, err)
		}
	}
	f.clock.Advance(10 * time.Minute)
	if _, err := f.svc.Authenticate(context.Background(), request(tok, "")); code(err) != emcdp.EUnauthorized {
		t.Fatalf("after 10 min idle: %v, want unauthorized", err)
	}

	ls, tok, _ := f.svc.Logon(ctx, "operator", "secret")
	c, err := f.svc.Authenticate(context.Background(), request(tok, ""))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Logoff(ctx, c, ls.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Authenticate(context.Background(), request(tok, "")); code(err) != emcdp.EUnauthorized {
		t.Fatalf("after logoff: %v, want unauthorized", err)
	}
}

// TestSoleWriterSweep: sweeping forgets the idle sessions it removes.
func TestSoleWriterSweep(t *testing.T) {
	f, _ := soleWriterFixture(t)
	f.svc.IdleTimeout = time.Minute
	_, tok, _ := f.svc.Logon(context.Background(), "operator", "secret")
	if _, err := f.svc.Authenticate(context.Background(), request(tok, "")); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(2 * time.Minute)
	if n, err := f.svc.Sweep(context.Background()); n != 1 || err != nil {
		t.Fatalf("Sweep = %d, %v; want 1", n, err)
	}
	if _, ok := f.svc.sessions.get(mustParseToken(t, tok)); ok {
		t.Error("a swept session is still remembered")
	}
}

func mustParseToken(t *testing.T, tok string) emcdp.ID {
	t.Helper()
	id, ok := ParseToken(tok)
	if !ok {
		t.Fatalf("bad token %q", tok)
	}
	return id
}

// TestRenewalOncePerInterval checks that requests which read a session while
// this process is renewing it do not renew it again, that the renewal resumes
// after the interval, and that a session ended elsewhere is refused whether
// or not a renewal is due.
func TestRenewalOncePerInterval(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ls, tok, err := f.svc.Logon(ctx, "operator", "secret")
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(2 * time.Second)
	stale, err := f.store.LogonSession(ctx, ls.ID) // read before the renewal below
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Authenticate(context.Background(), request(tok, "")); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		s := *stale
		if _, err := f.svc.AuthenticateRead(context.Background(), request(tok, ""), &s); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.store.touches.Load(); n != 1 {
		t.Fatalf("%d renewals by requests within one interval, want 1", n)
	}
	f.clock.Advance(2 * time.Second)
	s := *stale
	if _, err := f.svc.AuthenticateRead(context.Background(), request(tok, ""), &s); err != nil {
		t.Fatal(err)
	}
	if n := f.store.touches.Load(); n != 2 {
		t.Fatalf("%d renewals after the interval, want 2", n)
	}

	// Logged off elsewhere: refused when the read finds nothing, and when a
	// read from before the logoff is renewed.
	if err := f.store.DeleteLogonSession(ctx, ls.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AuthenticateRead(context.Background(), request(tok, ""), nil); code(err) != emcdp.EUnauthorized {
		t.Errorf("no session read: %v, want 401", err)
	}
	f.clock.Advance(2 * time.Second)
	s = *stale
	if _, err := f.svc.AuthenticateRead(context.Background(), request(tok, ""), &s); code(err) != emcdp.EUnauthorized {
		t.Errorf("renewal of a session logged off meanwhile: %v, want 401", err)
	}
	if _, err := f.svc.Authenticate(context.Background(), request(tok, "")); code(err) != emcdp.EUnauthorized {
		t.Errorf("after the logoff: %v, want 401", err)
	}
}

// TestSoleWriterSharesCallers: the requests of a remembered session share
// its Caller, and a renewal keeps a new one rather than changing the shared
// one under the requests that hold it.
func TestSoleWriterSharesCallers(t *testing.T) {
	f, _ := soleWriterFixture(t)
	_, tok, err := f.svc.Logon(context.Background(), "operator", "secret")
	if err != nil {
		t.Fatal(err)
	}
	auth := func() *Caller {
		t.Helper()
		c, err := f.svc.Authenticate(context.Background(), request(tok, ""))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	first := auth()
	seen := first.Session.LastSeen
	if again := auth(); again != first {
		t.Error("a second request within the renewal interval got a Caller of its own")
	}
	f.clock.Advance(2 * time.Second)
	renewed := auth()
	if renewed == first || !renewed.Session.LastSeen.Equal(f.clock.Now()) {
		t.Errorf("after a renewal: the same Caller %v, last seen %v, want a new one last seen %v",
			renewed == first, renewed.Session.LastSeen, f.clock.Now())
	}
	if !first.Session.LastSeen.Equal(seen) {
		t.Errorf("the renewal changed the session of the Caller held before it: last seen %v, was %v", first.Session.LastSeen, seen)
	}
	if again := auth(); again != renewed {
		t.Error("the renewed Caller is not the one remembered")
	}
}

// TestSoleWriterAuthenticateAllocs: a request by the token of a remembered
// session, within the renewal interval, is authenticated without an
// allocation (the server's hottest path: every GET answered from memory).
func TestSoleWriterAuthenticateAllocs(t *testing.T) {
	f, _ := soleWriterFixture(t)
	_, tok, err := f.svc.Logon(context.Background(), "operator", "secret")
	if err != nil {
		t.Fatal(err)
	}
	r := request(tok, "")
	ctx := context.Background()
	if _, err := f.svc.Authenticate(ctx, r); err != nil {
		t.Fatal(err)
	}
	n := testing.AllocsPerRun(100, func() {
		if _, err := f.svc.Authenticate(ctx, r); err != nil {
			t.Fatal(err)
		}
	})
	if n != 0 {
		t.Errorf("%.1f allocations to authenticate a remembered session, want none", n)
	}
}
