package control

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/emcdp/emcdp/api"
)

// The console's logon. A browser cannot send the control token as a bearer
// token when it opens a page, so the console's logon page hands the token to
// the server once (ui/logon), and the server answers with the console
// cookie: the expiry and a MAC of it keyed by the control token. The cookie
// needs no state on the server (nothing to bound, good on every replica that
// shares the token), tells nothing of the token, is void once the token
// changes, and no page script reads it (HttpOnly).

const (
	// consoleCookie names the console cookie.
	consoleCookie = "emcdp_console"
	// consoleHeader must come with a request that the console cookie
	// authorises. A browser sends a cookie with any request to its site, but
	// a page of another origin cannot add a header without a CORS preflight,
	// which the server never grants: so no other page can use the cookie
	// (cross-site request forgery).
	consoleHeader = "X-Emcdp-Console"
	// consoleLifetime is how long a console logon lasts.
	consoleLifetime = 12 * time.Hour
)

// consoleMAC returns the MAC of a console cookie that expires at exp (Unix
// seconds).
func (p *Plane) consoleMAC(exp int64) []byte {
	m := hmac.New(sha256.New, []byte(p.token))
	m.Write([]byte("emcdp console\x00"))
	m.Write(strconv.AppendInt(nil, exp, 10))
	return m.Sum(nil)
}

// consoleValue returns the value of a console cookie that expires at exp.
func (p *Plane) consoleValue(exp time.Time) string {
	e := exp.Unix()
	return strconv.FormatInt(e, 10) + "." + base64.RawURLEncoding.EncodeToString(p.consoleMAC(e))
}

// consoleLoggedOn tells whether r carries a console cookie of this token
// that has not expired at now; the MAC is compared in constant time.
func (p *Plane) consoleLoggedOn(r *http.Request, now time.Time) bool {
	c, err := r.Cookie(consoleCookie)
	if err != nil {
		return false
	}
	es, ms, ok := strings.Cut(c.Value, ".")
	if !ok {
		return false
	}
	exp, err := strconv.ParseInt(es, 10, 64)
	if err != nil || exp <= now.Unix() {
		return false
	}
	mac, err := base64.RawURLEncoding.DecodeString(ms)
	return err == nil && hmac.Equal(mac, p.consoleMAC(exp))
}

// serveConsoleLogon takes the control token from the console's logon page,
// as the JSON body {"token": "…"}, and answers 204 with the console cookie,
// 401 for another token, or 429 while wrong tokens are locked out.
func (p *Plane) serveConsoleLogon(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		methodNotAllowed(w, "POST")
		return
	}
	var body struct {
		Token string `json:"token"`
	}
	if !readJSON(w, r, &body) {
		return
	}
	ok, wait := p.guard.check(body.Token)
	if wait > 0 {
		p.tooManyGuesses(w, wait)
		return
	}
	if !ok {
		writeError(w, http.StatusUnauthorized, "this is not the control token (the token given to or printed by emcdp serve --control)")
		return
	}
	p.setConsoleCookie(w, r, p.consoleValue(time.Now().Add(consoleLifetime)), int(consoleLifetime/time.Second))
	w.WriteHeader(http.StatusNoContent)
}

// serveConsoleLogoff removes the console cookie from the browser of a
// console that is logged on. A copy of the cookie stays good until it
// expires, or until the server's token changes.
func (p *Plane) serveConsoleLogoff(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		methodNotAllowed(w, "POST")
		return
	}
	if !p.authorize(w, r) {
		return
	}
	p.setConsoleCookie(w, r, "", -1)
	w.WriteHeader(http.StatusNoContent)
}

// setConsoleCookie sets the console cookie for the control API's paths:
// HttpOnly, sent by the browser to this site alone (SameSite=Strict), and
// over HTTPS alone when the browser reached the server over HTTPS.
func (p *Plane) setConsoleCookie(w http.ResponseWriter, r *http.Request, value string, maxAge int) {
	base := p.cfg.ExternalURL
	if base == "" {
		base = api.RequestBase(r)
	}
	http.SetCookie(w, &http.Cookie{Name: consoleCookie, Value: value, Path: Prefix, MaxAge: maxAge, HttpOnly: true,
		Secure: strings.HasPrefix(strings.ToLower(base), "https:"), SameSite: http.SameSiteStrictMode})
}
