package control_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/emcdp/emcdp/emcdptest"
)

// sendWith sends a request with the given headers and cookies.
func sendWith(t *testing.T, srv *emcdptest.Server, method, path string, hdr map[string]string, cookies []*http.Cookie, body string) answer {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	resp, err := srv.HTTPClient().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{resp.StatusCode, resp.Header, b}
}

// TestConsoleLogon: without credentials the console's address answers its
// logon page alone (and the page's script and style); the console's own
// files need the cookie that the logon sets for the right token only
// (HttpOnly, Secure over HTTPS, SameSite=Strict); the cookie opens the
// control API only beside the console's header, so that a page of another
// site cannot use it; a forged cookie opens nothing; logging off removes it.
func TestConsoleLogon(t *testing.T) {
	srv := emcdptest.Start(t, emcdptest.WithNow(t0))
	page := sendWith(t, srv, "GET", "/_emcdp/ui/", nil, nil, "")
	if page.status != http.StatusOK || !strings.Contains(string(page.body), `id="login-form"`) ||
		strings.Contains(string(page.body), "app.js") {
		t.Fatalf("the console's address without credentials: %d %s; want the logon page alone", page.status, page.body)
	}
	for _, p := range []string{"/_emcdp/ui/logon.js", "/_emcdp/ui/style.css"} {
		if a := sendWith(t, srv, "GET", p, nil, nil, ""); a.status != http.StatusOK {
			t.Errorf("GET %s (the logon page's) = %d", p, a.status)
		}
	}
	for _, p := range []string{"/_emcdp/ui/app.js", "/_emcdp/ui/index.html", "/_emcdp/ui/nothing.js", "/_emcdp/ui/x/../app.js"} {
		if a := sendWith(t, srv, "GET", p, nil, nil, ""); a.status != http.StatusUnauthorized || !strings.Contains(string(a.body), `"error"`) {
			t.Errorf("GET %s without credentials = %d %s, want 401 with an error", p, a.status, a.body)
		}
	}
	for body, want := range map[string]int{`{"token":"wrong"}`: 401, `{"token":1}`: 400, `{`: 400, ``: 400,
		`{"token":"` + srv.ControlToken + `","x":1}`: 400} {
		a := sendWith(t, srv, "POST", "/_emcdp/ui/logon", nil, nil, body)
		if a.status != want || !strings.Contains(string(a.body), `"error"`) || len(a.header["Set-Cookie"]) != 0 {
			t.Errorf("logon with %q = %d %s %q, want %d with an error and no cookie", body, a.status, a.body, a.header["Set-Cookie"], want)
		}
	}
	if a := sendWith(t, srv, "GET", "/_emcdp/ui/logon", nil, nil, ""); a.status != http.StatusMethodNotAllowed {
		t.Errorf("GET of the logon = %d, want 405", a.status)
	}
	a := sendWith(t, srv, "POST", "/_emcdp/ui/logon", nil, nil, `{"token":"`+srv.ControlToken+`"}`)
	cookies := (&http.Response{Header: a.header}).Cookies()
	if a.status != http.StatusNoContent || len(cookies) != 1 {
		t.Fatalf("logon with the token = %d %q", a.status, a.header["Set-Cookie"])
	}
	c := cookies[0]
	if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteStrictMode || c.Path != "/_emcdp/" || c.MaxAge <= 0 ||
		strings.Contains(c.Value, srv.ControlToken) {
		t.Errorf("console cookie %q", a.header["Set-Cookie"])
	}
	jar := []*http.Cookie{{Name: c.Name, Value: c.Value}}
	if a := sendWith(t, srv, "GET", "/_emcdp/ui/", nil, jar, ""); a.status != http.StatusOK || !strings.Contains(string(a.body), "app.js") {
		t.Errorf("the console's address after logging on: %d %s", a.status, a.body)
	}
	if a := sendWith(t, srv, "GET", "/_emcdp/ui/app.js", nil, jar, ""); a.status != http.StatusOK {
		t.Errorf("app.js after logging on: %d", a.status)
	}
	console := map[string]string{"X-Emcdp-Console": "1"}
	if a := sendWith(t, srv, "GET", "/_emcdp/world", console, jar, ""); a.status != http.StatusOK {
		t.Errorf("the control API with the cookie and the console's header: %d %s", a.status, a.body)
	}
	if a := sendWith(t, srv, "POST", "/_emcdp/clock", nil, jar, `{"advance":"1h"}`); a.status != http.StatusUnauthorized {
		t.Errorf("the control API with the cookie alone: %d, want 401", a.status)
	}
	forged := c.Value[:len(c.Value)-2] + "AA"
	if forged == c.Value {
		forged = c.Value[:len(c.Value)-2] + "BB"
	}
	for _, v := range []string{forged, "1" + c.Value, "9999999999.x", "", "."} {
		bad := []*http.Cookie{{Name: c.Name, Value: v}}
		if a := sendWith(t, srv, "GET", "/_emcdp/world", console, bad, ""); a.status != http.StatusUnauthorized {
			t.Errorf("the control API with the cookie %q: %d, want 401", v, a.status)
		}
		if a := sendWith(t, srv, "GET", "/_emcdp/ui/app.js", nil, bad, ""); a.status != http.StatusUnauthorized {
			t.Errorf("app.js with the cookie %q: %d, want 401", v, a.status)
		}
	}
	if a := sendWith(t, srv, "POST", "/_emcdp/ui/logoff", nil, nil, ""); a.status != http.StatusUnauthorized {
		t.Errorf("logoff without credentials = %d, want 401", a.status)
	}
	a = sendWith(t, srv, "POST", "/_emcdp/ui/logoff", console, jar, "")
	if cookies := (&http.Response{Header: a.header}).Cookies(); a.status != http.StatusNoContent || len(cookies) != 1 ||
		cookies[0].Name != c.Name || cookies[0].MaxAge >= 0 {
		t.Errorf("logoff = %d %q, want 204 removing the cookie", a.status, a.header["Set-Cookie"])
	}
}
