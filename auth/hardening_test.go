package auth

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
)

// TestMalformedCredentials checks that credentials no user could have are
// refused with EUnauthorized before any lookup, record or hash: a NUL or
// bytes that are not UTF-8 reach no database, and a huge user name is not
// stored as a failed logon.
func TestMalformedCredentials(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	long := strings.Repeat("u", MaxUserNameBytes+1)
	cases := []struct{ user, pw string }{
		{"oper\x00ator", "secret"}, {"oper\xffator", "secret"}, {"operator\x01", "secret"},
		{"operator", "sec\x00ret"}, {"operator", "sec\xc3ret"},
		{long, "secret"}, {strings.Repeat("u", 44<<10), "secret"},
		{"operator", "secret" + strings.Repeat("x", MaxPasswordBytes)},
	}
	for _, c := range cases {
		if _, _, err := f.svc.Logon(ctx, c.user, c.pw); code(err) != emcdp.EUnauthorized {
			t.Errorf("Logon(%.20q, %.20q): %v, want EUnauthorized", c.user, c.pw, err)
		}
		r := request("", "")
		r.SetBasicAuth(c.user, c.pw)
		if _, err := f.svc.Authenticate(context.Background(), r); code(err) != emcdp.EUnauthorized {
			t.Errorf("Basic %.20q: %v, want EUnauthorized", c.user, err)
		}
	}
	if n := f.hashes.Load(); n != 0 {
		t.Errorf("%d bcrypt comparisons for malformed credentials, want none", n)
	}
	for _, key := range []string{emcdp.UserKey(long), "operator"} {
		if n, err := f.store.LogonFailures(ctx, key, t0.Add(-time.Hour)); err != nil || n != 0 {
			t.Errorf("failures recorded for %.20q: %d, %v", key, n, err)
		}
	}
	// A name at the limit is an ordinary unknown user.
	if _, _, err := f.svc.Logon(ctx, strings.Repeat("u", MaxUserNameBytes), "secret"); code(err) != emcdp.EUnauthorized || f.hashes.Load() != 1 {
		t.Errorf("name of %d bytes: %v after %d hashes", MaxUserNameBytes, err, f.hashes.Load())
	}
}

// TestPasswordLimitAtLogon checks that logon refuses what bcrypt would
// truncate: a 72-byte password works, the same with any suffix does not.
func TestPasswordLimitAtLogon(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	pw := strings.Repeat("p", MaxPasswordBytes)
	f.addUser(t, "long", pw, emcdp.RolePortalUser)
	if _, _, err := f.svc.Logon(ctx, "long", pw); err != nil {
		t.Fatalf("the %d-byte password: %v", MaxPasswordBytes, err)
	}
	if _, _, err := f.svc.Logon(ctx, "long", pw+"anything"); code(err) != emcdp.EUnauthorized {
		t.Errorf("the password with a suffix: %v, want EUnauthorized", err)
	}
}

// TestHashSlots checks that bcrypt work is bounded: with every slot held, a
// further logon waits HashWait and is refused with EUnavailable, while a
// request with a live token is served at once.
func TestHashSlots(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	// Set before the first check: a slot rests after each check for at most
	// half of HashWait, so the next logon below always finds it in time.
	f.svc.HashConcurrency, f.svc.HashWait = 1, 200*time.Millisecond
	_, tok, err := f.svc.Logon(ctx, "operator", "secret")
	if err != nil {
		t.Fatal(err)
	}
	held, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	f.svc.OnHash = func() { once.Do(func() { close(held); <-release }) }
	done := make(chan error, 1)
	go func() {
		_, _, err := f.svc.Logon(ctx, "operator", "secret")
		done <- err
	}()
	select {
	case <-held:
	case err := <-done:
		t.Fatalf("the logon meant to hold the slot ended without hashing: %v", err)
	}
	start := time.Now()
	if _, _, err := f.svc.Logon(ctx, "nobody", "whatever"); code(err) != emcdp.EUnavailable {
		t.Errorf("logon with every slot held: %v, want EUnavailable", err)
	}
	if d := time.Since(start); d < f.svc.HashWait {
		t.Errorf("refused after %v, before the wait of %v", d, f.svc.HashWait)
	}
	if _, err := f.svc.Authenticate(context.Background(), request(tok, "")); err != nil {
		t.Errorf("token with every slot held: %v", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Errorf("the logon holding the slot: %v", err)
	}
	if _, _, err := f.svc.Logon(ctx, "operator", "secret"); err != nil {
		t.Errorf("logon once the slot is free: %v", err)
	}
}

// TestSweepPrunesFailures checks that failed logons older than the window
// are removed by Sweep, so that names tried once do not stay forever.
func TestSweepPrunesFailures(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, name := range []string{"ghost1", "ghost2", "operator"} {
		if _, _, err := f.svc.Logon(ctx, name, "wrong-password"); code(err) != emcdp.EUnauthorized {
			t.Fatal(err)
		}
	}
	f.clock.Advance(DefaultFailureWindow + time.Second)
	if _, err := f.svc.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"ghost1", "ghost2", "operator"} {
		if n, err := f.store.LogonFailures(ctx, name, time.Time{}); err != nil || n != 0 {
			t.Errorf("%s: %d failures left after the sweep (%v)", name, n, err)
		}
	}
}

// TestParallelRightPasswords checks that checks which end as successes do
// not lock out a correct logon: with every failure slot reserved by right
// passwords still being compared, a further right password waits for them
// and is accepted, and no failure stays behind.
func TestParallelRightPasswords(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.svc.MaxFailures, f.svc.HashConcurrency, f.svc.HashWait = 2, 3, time.Minute
	f.svc.BasicCacheTTL = -1
	refused := make(chan struct{}, 1)
	f.svc.Store = refusalWatch{f.store, refused}
	var arrived atomic.Int32
	release := make(chan struct{})
	f.svc.OnHash = func() {
		if arrived.Add(1) <= 2 {
			<-release
		}
	}
	errs := make(chan error, 3)
	logon := func() {
		_, _, err := f.svc.Logon(ctx, "operator", "secret")
		errs <- err
	}
	go logon()
	go logon()
	for arrived.Load() < 2 {
		time.Sleep(time.Millisecond)
	}
	go logon()
	select {
	case <-refused: // it found the slots reserved and waits
	case err := <-errs:
		t.Fatalf("a logon with every failure slot reserved ended at once: %v", err)
	}
	close(release)
	for range 3 {
		if err := <-errs; err != nil {
			t.Errorf("a right password while the slots were reserved: %v", err)
		}
	}
	if n, err := f.store.LogonFailures(ctx, "operator", t0.Add(-time.Hour)); err != nil || n != 0 {
		t.Errorf("failures after right passwords = %d, %v", n, err)
	}
}

// refusalWatch is the real store, telling of each reservation it refuses.
type refusalWatch struct {
	emcdp.AuthStore
	refused chan struct{}
}

func (r refusalWatch) ReserveLogonFailure(ctx context.Context, key string, t, since time.Time, max int) (int, bool, error) {
	n, ok, err := r.AuthStore.ReserveLogonFailure(ctx, key, t, since, max)
	if err == nil && !ok {
		select {
		case r.refused <- struct{}{}:
		default:
		}
	}
	return n, ok, err
}
