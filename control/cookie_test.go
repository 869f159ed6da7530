package control

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestConsoleCookieExpires: a console cookie opens the console until its
// expiry and not after, and only on a server with the token it was made for.
func TestConsoleCookieExpires(t *testing.T) {
	p, other := &Plane{token: "one"}, &Plane{token: "two"}
	now := time.Unix(1_800_000_000, 0)
	r := httptest.NewRequest("GET", "/_emcdp/world", nil)
	r.AddCookie(&http.Cookie{Name: consoleCookie, Value: p.consoleValue(now.Add(time.Hour))})
	if !p.consoleLoggedOn(r, now) || !p.consoleLoggedOn(r, now.Add(time.Hour-time.Second)) {
		t.Error("a cookie before its expiry was refused")
	}
	if p.consoleLoggedOn(r, now.Add(time.Hour)) {
		t.Error("a cookie at its expiry was taken")
	}
	if other.consoleLoggedOn(r, now) {
		t.Error("a cookie of another token was taken")
	}
}
