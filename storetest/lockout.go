package storetest

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/auth"
	"golang.org/x/crypto/bcrypt"
)

// testReservations checks the failure slots a password check reserves: the
// reservations and the failures share the limit, a reservation that ends in
// success frees its slot, one that ends in failure becomes a failure.
func testReservations(t *testing.T, st emcdp.Store) {
	ctx := context.Background()
	at := func(m int) time.Time { return Base.Add(time.Duration(m) * time.Minute) }
	for i := range 3 {
		if n, ok, err := st.ReserveLogonFailure(ctx, "operator", at(1), at(0), 3); err != nil || !ok || n != 0 {
			t.Fatalf("reservation %d = %d, %v, %v; want 0, true", i, n, ok, err)
		}
	}
	if _, ok, err := st.ReserveLogonFailure(ctx, "operator", at(1), at(0), 3); err != nil || ok {
		t.Fatalf("a fourth reservation of three slots = %v, %v", ok, err)
	}
	if n, err := st.LogonFailures(ctx, "operator", at(0)); err != nil || n != 0 {
		t.Errorf("reservations counted as failures: %d, %v", n, err)
	}
	if err := st.SettleLogonFailure(ctx, "operator", at(1), true); err != nil {
		t.Fatal(err)
	}
	if err := st.SettleLogonFailure(ctx, "operator", at(1), false); err != nil {
		t.Fatal(err)
	}
	if n, err := st.LogonFailures(ctx, "operator", at(0)); err != nil || n != 1 {
		t.Errorf("after one failed settlement = %d, %v; want 1", n, err)
	}
	// One slot is free again; the still open reservation survives a clear.
	if n, ok, err := st.ReserveLogonFailure(ctx, "operator", at(2), at(0), 3); err != nil || !ok || n != 1 {
		t.Fatalf("reservation after a success = %d, %v, %v; want 1, true", n, ok, err)
	}
	if err := st.ClearLogonFailures(ctx, "operator"); err != nil {
		t.Fatal(err)
	}
	if n, ok, err := st.ReserveLogonFailure(ctx, "operator", at(2), at(0), 3); err != nil || !ok || n != 0 {
		t.Fatalf("reservation after a clear = %d, %v, %v; want 0, true", n, ok, err)
	}
	if _, ok, err := st.ReserveLogonFailure(ctx, "operator", at(2), at(0), 3); err != nil || ok {
		t.Fatalf("a clear freed the open reservations: %v, %v", ok, err)
	}
	// Reservations leave the window like failures, and are pruned with them.
	// Held now: reservations at 1, 2 and 2 minutes.
	if _, ok, err := st.ReserveLogonFailure(ctx, "operator", at(9), at(1), 3); err != nil || ok {
		t.Fatalf("reservations at the window's start not counted: %v, %v", ok, err)
	}
	if n, ok, err := st.ReserveLogonFailure(ctx, "operator", at(9), at(2), 3); err != nil || !ok || n != 0 {
		t.Fatalf("a reservation before the window counted: %d, %v, %v", n, ok, err)
	}
	if n, err := st.PruneLogonFailures(ctx, at(2), 100); err != nil || n != 1 {
		t.Errorf("PruneLogonFailures(before 2 min) = %d, %v; want 1", n, err)
	}
	if n, err := st.PruneLogonFailures(ctx, at(0), 1); err != nil || n != 2 {
		t.Errorf("PruneLogonFailures(keep 1) = %d, %v; want 2", n, err)
	}
	if err := st.SettleLogonFailure(ctx, "operator", at(9), true); err != nil {
		t.Fatal(err)
	}
	if n, err := st.LogonFailures(ctx, "operator", at(0)); err != nil || n != 1 {
		t.Errorf("the last failure = %d, %v; want 1", n, err)
	}
}

// testParallelGuesses sends wrong passwords for one user at once through
// services sharing st, more than the limit and with a hashing slot for each,
// and checks that no more than the limit of them is compared.
func testParallelGuesses(t *testing.T, st emcdp.Store) {
	LogonRace(t, st, st)
}

// LogonRace runs wrong-password logons for one user at once, half through
// a service on each of the stores (which must share their data), and fails
// when more than MaxFailures passwords are compared. Every comparison
// blocks until the guesses that find no slot have been answered, or until
// one comparison too many has started.
func LogonRace(t *testing.T, a, b emcdp.Store) {
	ctx := context.Background()
	const limit, guesses = 3, 10
	h, err := bcrypt.GenerateFromPassword([]byte("secret-pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.PutUser(ctx, &emcdp.User{Name: "operator", PasswordHash: string(h), Role: emcdp.RolePortalUser, Created: Base}); err != nil {
		t.Fatal(err)
	}
	clock := emcdp.NewManualClock(Base)
	var hashes atomic.Int32
	release := make(chan struct{})
	var once sync.Once
	free := func() { once.Do(func() { close(release) }) }
	onHash := func() {
		if hashes.Add(1) > limit {
			free()
		}
		<-release
	}
	svcs := [2]*auth.Service{}
	for i, st := range []emcdp.Store{a, b} {
		svcs[i] = &auth.Service{Store: st, Clock: clock, MaxFailures: limit, HashConcurrency: guesses,
			HashWait: 50 * time.Millisecond, OnHash: onHash}
	}
	errs := make(chan error, guesses)
	for i := range guesses {
		go func() {
			_, _, err := svcs[i%2].Logon(ctx, "operator", "wrong-pw")
			errs <- err
		}()
	}
	var bad, busy int
	for i := range guesses {
		err := <-errs
		var e *emcdp.Error
		switch {
		case errors.As(err, &e) && e.Code == emcdp.EUnauthorized && e.Message == auth.MsgBadLogon:
			bad++
		case errors.As(err, &e) && e.Code == emcdp.EUnavailable:
			busy++
		default:
			t.Errorf("guess: %v", err)
		}
		if i == guesses-limit-1 {
			free()
		}
	}
	if n := hashes.Load(); n > limit || bad > limit {
		t.Errorf("%d parallel guesses: %d passwords compared, %d answered as wrong; want at most %d", guesses, n, bad, limit)
	}
	if bad+busy != guesses {
		t.Errorf("%d wrong, %d busy of %d guesses", bad, busy, guesses)
	}
	if _, _, err := svcs[1].Logon(ctx, "operator", "secret-pw"); err == nil || err.Error() != auth.MsgLockedOut {
		t.Errorf("right password after %d wrong: %v, want the lockout", bad, err)
	}
}
