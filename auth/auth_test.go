package auth

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/sqlite"
	"golang.org/x/crypto/bcrypt"
)

var t0 = time.Date(2026, 6, 15, 6, 0, 0, 0, time.UTC)

type fixture struct {
	svc    *Service
	store  *touchCounter
	clock  *emcdp.ManualClock
	hashes atomic.Int32
}

// newFixture opens a fresh SQLite store in the test's temporary folder and a
// service over it, with one user, operator/secret.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := &fixture{store: &touchCounter{Store: db}, clock: emcdp.NewManualClock(t0)}
	// A generous hash wait: the tests log on one after another, and on a
	// machine loaded by other work the slot a check holds after its
	// comparison (verify) can be freed later than the default second; the
	// tests of the gate set their own wait.
	f.svc = &Service{Store: f.store, Clock: f.clock, OnHash: func() { f.hashes.Add(1) }, HashWait: 10 * time.Second}
	f.addUser(t, "operator", "secret", emcdp.RolePortalUser)
	return f
}

// addUser stores a user hashed at the minimum cost to keep tests fast.
func (f *fixture) addUser(t *testing.T, name, pw string, role emcdp.Role) {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.PutUser(context.Background(), &emcdp.User{Name: name, PasswordHash: string(h), Role: role}); err != nil {
		t.Fatal(err)
	}
}

func code(err error) emcdp.Code {
	if err == nil {
		return ""
	}
	return emcdp.ErrorCode(err)
}

func request(tok string, cookie string) *http.Request {
	r := httptest.NewRequest("GET", "/api/cdpPolicies", nil)
	if tok != "" {
		r.Header.Set("x-restsvcsessionid", tok)
	}
	if cookie != "" {
		r.AddCookie(&http.Cookie{Name: SessionHeader, Value: cookie})
	}
	return r
}

func TestHashPassword(t *testing.T) {
	h, err := HashPassword("pw")
	if err != nil {
		t.Fatal(err)
	}
	if bcrypt.CompareHashAndPassword([]byte(h), []byte("pw")) != nil {
		t.Fatal("hash does not verify")
	}
	if bcrypt.CompareHashAndPassword([]byte(h), []byte("px")) == nil {
		t.Fatal("hash verifies a wrong password")
	}
}

func TestTokenIsBase64OfSessionID(t *testing.T) {
	f := newFixture(t)
	ls, tok, err := f.svc.Logon(context.Background(), `LAB\Operator`, "secret")
	if err != nil {
		t.Fatal(err)
	}
	want := base64.StdEncoding.EncodeToString([]byte(ls.ID.String()))
	if tok != want {
		t.Fatalf("token %q, want base64(SessionId) %q", tok, want)
	}
	if ls.UserName != `LAB\Operator` || ls.UserKey != "operator" {
		t.Fatalf("session user %q key %q", ls.UserName, ls.UserKey)
	}
	id, ok := ParseToken(tok)
	if !ok || id != ls.ID {
		t.Fatalf("ParseToken(%q) = %v %v", tok, id, ok)
	}
	for _, bad := range []string{"", "x", "not base64!", base64.StdEncoding.EncodeToString([]byte("not-a-guid"))} {
		if _, ok := ParseToken(bad); ok {
			t.Errorf("ParseToken(%q) accepted", bad)
		}
	}
}

func TestLogonFailures(t *testing.T) {
	f := newFixture(t)
	f.addUser(t, "norole", "pw", "")
	f.addUser(t, "oddrole", "pw", "Janitor")
	ctx := context.Background()
	for _, c := range []struct{ user, pw string }{
		{"operator", "wrong"}, {"nobody", "secret"}, {"norole", "pw"}, {"oddrole", "pw"}, {"", "secret"},
	} {
		if _, _, err := f.svc.Logon(ctx, c.user, c.pw); code(err) != emcdp.EUnauthorized {
			t.Errorf("Logon(%q, %q): %v, want unauthorized", c.user, c.pw, err)
		}
	}
	if n := countSessions(t, f.store); n != 0 {
		t.Fatalf("%d sessions created by failed logons", n)
	}
}

func TestSessionExpiryAndRenewal(t *testing.T) {
	f := newFixture(t)
	f.svc.IdleTimeout = 10 * time.Minute
	_, tok, err := f.svc.Logon(context.Background(), "operator", "secret")
	if err != nil {
		t.Fatal(err)
	}
	// Requests every 9 minutes keep the session alive well past the timeout.
	for i := 0; i < 4; i++ {
		f.clock.Advance(9 * time.Minute)
		c, err := f.svc.Authenticate(context.Background(), request(tok, ""))
		if err != nil {
			t.Fatalf("request %d after 9 min idle: %v", i, err)
		}
		if c.UserKey != "operator" || c.Session == nil {
			t.Fatalf("caller %+v", c)
		}
	}
	f.clock.Advance(10 * time.Minute)
	if _, err := f.svc.Authenticate(context.Background(), request(tok, "")); code(err) != emcdp.EUnauthorized {
		t.Fatalf("after 10 min idle: %v, want unauthorized", err)
	}
	if n, _ := f.svc.Sweep(context.Background()); n != 1 {
		t.Fatalf("Sweep removed %d sessions, want 1", n)
	}
}

func TestTouchIsThrottled(t *testing.T) {
	f := newFixture(t)
	ls, tok, _ := f.svc.Logon(context.Background(), "operator", "secret")
	for i := 0; i < 5; i++ {
		if _, err := f.svc.Authenticate(context.Background(), request(tok, "")); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.store.touches.Load(); n != 0 {
		t.Fatalf("%d touches within the touch interval", n)
	}
	f.clock.Advance(2 * time.Second)
	if _, err := f.svc.Authenticate(context.Background(), request(tok, "")); err != nil {
		t.Fatal(err)
	}
	if n := f.store.touches.Load(); n != 1 {
		t.Fatalf("%d touches after the interval, want 1", n)
	}
	if got, err := f.store.LogonSession(context.Background(), ls.ID); err != nil || !got.LastSeen.Equal(f.clock.Now()) {
		t.Fatalf("stored session after the touch: %+v %v, want LastSeen %v", got, err, f.clock.Now())
	}
}

func TestCookieWinsOverHeader(t *testing.T) {
	f := newFixture(t)
	f.addUser(t, "other", "pw2", emcdp.RolePortalAdministrator)
	_, tokA, _ := f.svc.Logon(context.Background(), "operator", "secret")
	_, tokB, _ := f.svc.Logon(context.Background(), "other", "pw2")
	c, err := f.svc.Authenticate(context.Background(), request(tokA, tokB))
	if err != nil || c.UserKey != "other" {
		t.Fatalf("header A + cookie B: %+v %v, want user other", c, err)
	}
	// A dead cookie is not rescued by a good header: the cookie is the one used.
	if _, err := f.svc.Authenticate(context.Background(), request(tokA, Token(emcdp.NewID()))); code(err) != emcdp.EUnauthorized {
		t.Fatalf("dead cookie with live header: %v", err)
	}
	// Valid Basic credentials are: any valid means suffices.
	r := request("", Token(emcdp.NewID()))
	r.SetBasicAuth("other", "pw2")
	if c, err := f.svc.Authenticate(context.Background(), r); err != nil || c.UserKey != "other" || c.Session != nil {
		t.Fatalf("dead cookie with good Basic: %+v %v", c, err)
	}
}

func TestLockout(t *testing.T) {
	f := newFixture(t)
	f.svc.MaxFailures = 3
	f.svc.FailureWindow = 5 * time.Minute
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if _, _, err := f.svc.Logon(ctx, "operator", "bad"); code(err) != emcdp.EUnauthorized {
			t.Fatal(err)
		}
	}
	before := f.hashes.Load()
	_, _, err := f.svc.Logon(ctx, `LAB\OPERATOR`, "secret")
	if code(err) != emcdp.EUnauthorized || err.Error() != MsgLockedOut {
		t.Fatalf("locked-out logon with the right password: %v", err)
	}
	if f.hashes.Load() != before {
		t.Fatal("the password was checked during the lockout")
	}
	// Basic requests are locked out as well.
	r := request("", "")
	r.SetBasicAuth("operator", "secret")
	if _, err := f.svc.Authenticate(context.Background(), r); code(err) != emcdp.EUnauthorized {
		t.Fatalf("Basic during lockout: %v", err)
	}
	f.clock.Advance(5*time.Minute + time.Second)
	if _, _, err := f.svc.Logon(ctx, "operator", "secret"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
	// Failures below the limit are forgotten after a good logon.
	for i := 0; i < 2; i++ {
		f.svc.Logon(ctx, "operator", "bad")
	}
	if _, _, err := f.svc.Logon(ctx, "operator", "secret"); err != nil {
		t.Fatal(err)
	}
	if n, _ := f.store.LogonFailures(ctx, "operator", time.Time{}); n != 0 {
		t.Fatalf("%d failures kept after a good logon", n)
	}
}

func TestBasicCache(t *testing.T) {
	f := newFixture(t)
	f.svc.BasicCacheTTL = time.Minute
	basic := func(user, pw string) error {
		r := request("", "")
		r.SetBasicAuth(user, pw)
		c, err := f.svc.Authenticate(context.Background(), r)
		if err == nil && (c.Session != nil || c.UserKey != "operator") {
			t.Fatalf("Basic caller %+v", c)
		}
		return err
	}
	if err := basic("operator", "secret"); err != nil {
		t.Fatal(err)
	}
	if err := basic("operator", "secret"); err != nil {
		t.Fatal(err)
	}
	if n := f.hashes.Load(); n != 1 {
		t.Fatalf("%d bcrypt comparisons for two Basic requests, want 1", n)
	}
	if err := basic("operator", "wrong"); code(err) != emcdp.EUnauthorized {
		t.Fatalf("wrong password: %v", err)
	}
	if n := f.hashes.Load(); n != 2 {
		t.Fatalf("a wrong password did not reach bcrypt (%d)", n)
	}
	f.clock.Advance(61 * time.Second)
	if err := basic("operator", "secret"); err != nil {
		t.Fatal(err)
	}
	if n := f.hashes.Load(); n != 3 {
		t.Fatalf("expired cache entry still used (%d comparisons)", n)
	}
	// A changed password invalidates the entry at once.
	f.addUser(t, "operator", "new", emcdp.RolePortalUser)
	if err := basic("operator", "secret"); code(err) != emcdp.EUnauthorized {
		t.Fatalf("old password after change: %v", err)
	}
	// A removed role does too.
	f.addUser(t, "operator", "new", "")
	if err := basic("operator", "new"); code(err) != emcdp.EUnauthorized {
		t.Fatalf("role-less user via Basic: %v", err)
	}
	for k := range f.svc.cache {
		if k == [32]byte{} {
			t.Fatal("zero cache key")
		}
	}
}

func TestBasicCacheBounded(t *testing.T) {
	f := newFixture(t)
	f.svc.BasicCacheSize = 4
	for i := 0; i < 10; i++ {
		name := string(rune('a'+i)) + "user"
		f.addUser(t, name, "pw", emcdp.RolePortalUser)
		r := request("", "")
		r.SetBasicAuth(name, "pw")
		if _, err := f.svc.Authenticate(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(f.svc.cache); n > 4 {
		t.Fatalf("cache holds %d entries, bound 4", n)
	}
}

func TestSessionsAndLogoff(t *testing.T) {
	f := newFixture(t)
	f.addUser(t, "other", "pw2", emcdp.RolePortalUser)
	ctx := context.Background()
	a, tokA, _ := f.svc.Logon(ctx, "operator", "secret")
	b, _, _ := f.svc.Logon(ctx, "other", "pw2")
	ca, err := f.svc.Authenticate(context.Background(), request(tokA, ""))
	if err != nil {
		t.Fatal(err)
	}
	if ls, err := f.svc.CallerSession(ctx, ca); err != nil || ls.ID != a.ID {
		t.Fatalf("CallerSession: %v %v", ls, err)
	}
	if _, err := f.svc.Session(ctx, ca, b.ID); code(err) != emcdp.ENotFound {
		t.Fatalf("other user's session: %v", err)
	}
	if err := f.svc.Logoff(ctx, ca, b.ID); code(err) != emcdp.ENotFound {
		t.Fatalf("logoff of other user's session: %v", err)
	}
	if err := f.svc.Logoff(ctx, ca, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Authenticate(context.Background(), request(tokA, "")); code(err) != emcdp.EUnauthorized {
		t.Fatalf("token after logoff: %v", err)
	}
	if err := f.svc.Logoff(ctx, ca, a.ID); code(err) != emcdp.ENotFound {
		t.Fatalf("second logoff: %v", err)
	}
}

func TestCallerSessionForBasic(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := &Caller{UserName: "operator", UserKey: "operator"}
	s1, err := f.svc.CallerSession(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := f.svc.CallerSession(ctx, c)
	if err != nil || s2.ID != s1.ID {
		t.Fatalf("second CallerSession made a new session: %v %v", s2, err)
	}
}

func TestCreateUser(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.svc.CreateUser(ctx, `LAB\Admin`, "pw-long-enough", "portaladministrator"); err != nil {
		t.Fatal(err)
	}
	u, err := f.store.User(ctx, "admin")
	if err != nil || u.Role != emcdp.RolePortalAdministrator || u.PasswordHash == "pw-long-enough" {
		t.Fatalf("stored user %+v %v", u, err)
	}
	long := strings.Repeat("x", MaxUserNameBytes+1)
	for _, c := range []struct{ name, pw, role string }{
		{"", "password", "PortalUser"}, {"x", "", "PortalUser"}, {"x", "password", "Boss"},
		{"x", "short", "PortalUser"}, {"x", strings.Repeat("p", MaxPasswordBytes+1), "PortalUser"},
		{long, "password", "PortalUser"}, {"a\x00b", "password", "PortalUser"}, {"a\xffb", "password", "PortalUser"},
		{"x", "pass\x00word", "PortalUser"}, {"x", "pass\xffword", "PortalUser"},
	} {
		if err := f.svc.CreateUser(ctx, c.name, c.pw, emcdp.Role(c.role)); code(err) != emcdp.EInvalid {
			t.Errorf("CreateUser(%v): %v", c, err)
		}
	}
	if _, _, err := f.svc.Logon(ctx, "admin@lab", "pw-long-enough"); err != nil {
		t.Fatal(err)
	}
}

func TestStoreErrorsPassThrough(t *testing.T) {
	f := newFixture(t)
	f.svc.Store = failingStore{f.store}
	_, _, err := f.svc.Logon(context.Background(), "operator", "secret")
	if err == nil || code(err) == emcdp.EUnauthorized || !errors.Is(err, errDown) {
		t.Fatalf("store failure became %v", err)
	}
}

var errDown = emcdp.Errorf(emcdp.EUnavailable, "store down")

// failingStore is a fault injector: the real store, except that
// ReserveLogonFailure, the first store call of a password check, fails with
// errDown.
type failingStore struct{ emcdp.AuthStore }

func (failingStore) ReserveLogonFailure(context.Context, string, time.Time, time.Time, int) (int, bool, error) {
	return 0, false, errDown
}

// touchCounter is the real store with a count of the TouchLogonSession
// calls that reach it, which is how a test sees the service's write
// throttling: the store's LastSeen cannot tell a skipped write from a write
// of the same instant. Every call is passed on unchanged.
type touchCounter struct {
	emcdp.Store
	touches atomic.Int32
}

func (c *touchCounter) TouchLogonSession(ctx context.Context, id emcdp.ID, now time.Time) error {
	c.touches.Add(1)
	return c.Store.TouchLogonSession(ctx, id, now)
}

// countSessions returns the number of logon sessions in st. The store has no
// listing across users, so it removes them all and counts the removals: call
// it only where a test has no further use for its sessions.
func countSessions(t *testing.T, st emcdp.AuthStore) int {
	t.Helper()
	n, err := st.DeleteLogonSessionsBefore(context.Background(), time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	return n
}
