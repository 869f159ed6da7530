package api

import (
	"context"
	"crypto/tls"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/auth"
)

func TestEntryPoint(t *testing.T) {
	f := newFixture(t)
	for _, p := range []string{"/api", "/api/", "/API//", "//api", "/Api/?v=latest&x=%zz"} {
		w := f.do(t, req{target: p})
		if w.Code != 200 || !strings.Contains(w.Body.String(), `http://example.com/api/sessionMngr/?v=latest`) {
			t.Errorf("GET %s: %d %s", p, w.Code, w.Body)
		}
		if ct := w.Header().Get("Content-Type"); ct != "application/xml; charset=utf-8" {
			t.Errorf("GET %s: Content-Type %q", p, ct)
		}
	}
	w := f.do(t, req{target: "/api/", header: map[string]string{"Accept": "application/xml, application/json;q=0.9"}})
	if w.Header().Get("Content-Type") != "application/json; charset=utf-8" || !strings.HasPrefix(w.Body.String(), "{") {
		t.Errorf("Accept with application/json in a list: %s %s", w.Header().Get("Content-Type"), w.Body)
	}
	for _, a := range []string{"*/*", "text/xml", "application/xml"} {
		w := f.do(t, req{target: "/api/", header: map[string]string{"Accept": a}})
		if !strings.HasPrefix(w.Body.String(), "<?xml") {
			t.Errorf("Accept %s: not XML", a)
		}
	}
	if strings.Contains(w.Body.String(), "v1_2") {
		t.Error("old versions listed by default")
	}
}

func TestBaseURL(t *testing.T) {
	f := newFixture(t)
	r := httptest.NewRequest("GET", "/api/", nil)
	r.Host = "em.lab.local:9398"
	r.TLS = &tls.ConnectionState{}
	if b := f.h.base(r); b != "https://em.lab.local:9398/api" {
		t.Errorf("TLS base %q", b)
	}
	r.TLS = nil
	r.Header.Set("X-Forwarded-Proto", "HTTPS")
	if b := f.h.base(r); b != "https://em.lab.local:9398/api" {
		t.Errorf("forwarded base %q", b)
	}
	r.Host = "evil\"><x"
	if b := f.h.base(r); b != "https://localhost/api" {
		t.Errorf("bad Host copied into links: %q", b)
	}
	// The base kept from the request before serves only the same scheme
	// and host.
	for range 2 {
		for _, c := range []struct {
			host, proto string
			tls         bool
			want        string
		}{
			{"em.lab.local:9398", "", true, "https://em.lab.local:9398/api"},
			{"em.lab.local:9398", "", false, "http://em.lab.local:9398/api"},
			{"em.lab.local:9398", "https", false, "https://em.lab.local:9398/api"},
			{"em.lab.local:9399", "https", false, "https://em.lab.local:9399/api"},
			{"EM.lab.local:9399", "http", true, "http://EM.lab.local:9399/api"},
			{"127.0.0.1:9398", "", true, "https://127.0.0.1:9398/api"},
		} {
			r := httptest.NewRequest("GET", "/api/", nil)
			r.Host = c.host
			if c.proto != "" {
				r.Header.Set("X-Forwarded-Proto", c.proto)
			}
			if c.tls {
				r.TLS = &tls.ConnectionState{}
			}
			if b := f.h.base(r); b != c.want || RequestBase(r) != c.want {
				t.Errorf("%s proto %q TLS %v: base %q, RequestBase %q, want %q", c.host, c.proto, c.tls, b, RequestBase(r), c.want)
			}
		}
	}
	for _, ext := range []string{"https://em.example.com:9398", "https://em.example.com:9398/", "https://em.example.com:9398/api/"} {
		h := newHandler(Config{Store: f.st, ExternalURL: ext, ListOldVersions: true})
		if b := h.base(r); b != "https://em.example.com:9398/api" {
			t.Errorf("ExternalURL %q: base %q", ext, b)
		}
		if len(h.versions) != 6 || h.versions[0] != "v1_2" {
			t.Errorf("versions %v", h.versions)
		}
	}
}

func TestLogonURLForms(t *testing.T) {
	f := newFixture(t)
	for _, p := range []string{"/api/sessionMngr/?v=latest", "/api/sessionMngr/?v=v1_7", "/api/sessionMngr", "/api//sessionMngr/?v=latest",
		"/API/SESSIONMNGR/?V=V1_2"} {
		w := f.do(t, req{method: "POST", target: p, user: `LAB\Operator`, pw: f.secret})
		if w.Code != http.StatusCreated {
			t.Fatalf("POST %s: %d %s", p, w.Code, w.Body)
		}
		tok, id := tokenOf(t, w.Header(), w.Body.Bytes())
		if c := w.Header()["Set-Cookie"]; len(c) != 1 || c[0] != "X-RestSvcSessionId="+tok+"; Path=/api" {
			t.Errorf("Set-Cookie %q", c)
		}
		if !strings.Contains(w.Body.String(), `<UserName>LAB\Operator</UserName>`) ||
			!strings.Contains(w.Body.String(), "http://example.com/api/logonSessions/"+id.String()) {
			t.Errorf("logon body %s", w.Body)
		}
	}
}

// TestLogonCookieAsDocumented: the session cookie is the one the Enterprise
// Manager documents, X-RestSvcSessionId=<token>; Path=/api, whatever the
// scheme the client came by (a proxy that says HTTPS, an https external URL
// in either case): HttpOnly or Secure would protect nothing, since the same
// answer carries the token in its X-RestSvcSessionId header and its body,
// and a page of a client written against the product may read the cookie.
func TestLogonCookieAsDocumented(t *testing.T) {
	f := newFixture(t)
	want := func(tok string) string { return "X-RestSvcSessionId=" + tok + "; Path=/api" }
	w := f.do(t, req{method: "POST", target: "/api/sessionMngr/?v=latest", user: "operator", pw: f.secret,
		header: map[string]string{"X-Forwarded-Proto": "https"}})
	tok, _ := tokenOf(t, w.Header(), w.Body.Bytes())
	if c := w.Header()["Set-Cookie"]; len(c) != 1 || c[0] != want(tok) {
		t.Errorf("Set-Cookie %q", c)
	}
	for _, ext := range []string{"https://em.example.com:9398", "HTTPS://em.example.com:9398"} {
		f.h = newHandler(Config{Store: f.st, Clock: f.clock, ExternalURL: ext, Auth: &auth.Service{Store: f.st, Clock: f.clock}})
		w := f.do(t, req{method: "POST", target: "/api/sessionMngr/?v=latest", user: "operator", pw: f.secret})
		tok, _ := tokenOf(t, w.Header(), w.Body.Bytes())
		if c := w.Header()["Set-Cookie"]; len(c) != 1 || c[0] != want(tok) {
			t.Errorf("--external-url %s: Set-Cookie %q", ext, c)
		}
	}
}

func TestLogonEdgeBodies(t *testing.T) {
	f := newFixture(t)
	// An empty chunked body and a JSON content type with no body.
	hr := httptest.NewRequest("POST", "/api/sessionMngr/?v=latest", strings.NewReader(""))
	hr.TransferEncoding = []string{"chunked"}
	hr.ContentLength = -1
	hr.Header.Set("Content-Type", "application/json")
	hr.SetBasicAuth("operator", f.secret)
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, hr)
	if w.Code != 201 {
		t.Fatalf("chunked empty logon: %d %s", w.Code, w.Body)
	}
	tok, _ := tokenOf(t, w.Header(), w.Body.Bytes())
	w = f.do(t, req{target: "/api/cdpPolicies", token: tok, body: strings.NewReader(""),
		header: map[string]string{"Content-Type": "application/json", "Content-Length": "0"}})
	if w.Code != 200 {
		t.Fatalf("GET with a JSON content type and no body: %d", w.Code)
	}
}

func TestLogonFailures(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		name   string
		r      req
		status int
	}{
		{"no credentials", req{method: "POST", target: "/api/sessionMngr/"}, 401},
		{"wrong password", req{method: "POST", target: "/api/sessionMngr/", user: "operator", pw: "nope"}, 401},
		{"unknown user", req{method: "POST", target: "/api/sessionMngr/", user: "ghost", pw: "x"}, 401},
		{"unknown version", req{method: "POST", target: "/api/sessionMngr/?v=v2_0", user: "operator", pw: f.secret}, 400},
		{"GET", req{target: "/api/sessionMngr/?v=latest"}, 405},
	}
	for _, c := range cases {
		for _, js := range []bool{false, true} {
			c.r.json = js
			w := f.do(t, c.r)
			if w.Code != c.status {
				t.Errorf("%s: %d, want %d: %s", c.name, w.Code, c.status, w.Body)
			}
			if wa := w.Header()["WWW-Authenticate"]; c.status == 401 && (len(wa) != 1 || wa[0] != `Basic realm="RestSvc"`) {
				t.Errorf("%s: WWW-Authenticate %q", c.name, wa)
			}
			if c.status == 405 && w.Header().Get("Allow") != "POST" {
				t.Errorf("%s: Allow %q", c.name, w.Header().Get("Allow"))
			}
			if _, ok := w.Header()[auth.SessionHeader]; ok {
				t.Errorf("%s: a failed logon sent a token", c.name)
			}
		}
	}
}

func TestLockout(t *testing.T) {
	f := newFixture(t)
	for i := 0; i < auth.DefaultMaxFailures; i++ {
		f.do(t, req{method: "POST", target: "/api/sessionMngr/", user: "operator", pw: "bad"})
	}
	w := f.do(t, req{method: "POST", target: "/api/sessionMngr/", user: "operator", pw: f.secret})
	if w.Code != 401 || !strings.Contains(w.Body.String(), "too many") {
		t.Fatalf("logon during lockout: %d %s", w.Code, w.Body)
	}
	f.clock.Advance(auth.DefaultFailureWindow + time.Second)
	f.logon(t)
}

func TestAuthentication(t *testing.T) {
	f := newFixture(t)
	tok, _ := f.logon(t)
	f.addUser(t, "third", "pw3")
	w := f.do(t, req{method: "POST", target: "/api/sessionMngr/", user: "third", pw: "pw3"})
	otherTok, _ := tokenOf(t, w.Header(), w.Body.Bytes())

	target := "/api/cdpReplicaTaskSessions/" + f.ts[0].ID.String()
	ok := []req{
		{target: target, token: tok},
		{target: target, header: map[string]string{"x-restsvcsessionid": tok}},
		{target: target, cookie: tok},
		{target: target, user: "operator", pw: f.secret},
		{target: target, token: "garbage", cookie: tok}, // the cookie wins
	}
	for i, r := range ok {
		if w := f.do(t, r); w.Code != 200 {
			t.Errorf("case %d: %d %s", i, w.Code, w.Body)
		}
	}
	bad := []req{
		{target: target},
		{target: target, token: "garbage"},
		{target: target, token: auth.Token(emcdp.NewID())},
		{target: target, token: tok, cookie: "garbage"}, // the cookie wins, and it is bad
		{target: target, user: "operator", pw: "wrong"},
	}
	for i, r := range bad {
		for _, js := range []bool{false, true} {
			r.json = js
			w := f.do(t, r)
			if w.Code != 401 {
				t.Errorf("bad case %d: %d", i, w.Code)
			}
			if !strings.Contains(w.Body.String(), "X-RestSvcSessionId was expected") && !strings.Contains(w.Body.String(), "Logon failed") {
				t.Errorf("bad case %d: message %s", i, w.Body)
			}
		}
	}
	// The cookie decides whose session it is.
	w = f.do(t, req{target: "/api/logonSessions", token: tok, cookie: otherTok})
	if w.Code != 200 || !strings.Contains(w.Body.String(), "<UserName>third</UserName>") {
		t.Errorf("cookie did not win: %s", w.Body)
	}
}

func TestSessionExpiry(t *testing.T) {
	f := newFixture(t)
	tok, _ := f.logon(t)
	target := "/api/cdpPolicies"
	f.clock.Advance(14 * time.Minute)
	if w := f.do(t, req{target: target, token: tok}); w.Code != 200 {
		t.Fatalf("after 14 min: %d", w.Code)
	}
	f.clock.Advance(14 * time.Minute) // renewed by the request above
	if w := f.do(t, req{target: target, token: tok}); w.Code != 200 {
		t.Fatalf("after 28 min with a request at 14: %d", w.Code)
	}
	f.clock.Advance(15 * time.Minute)
	if w := f.do(t, req{target: target, token: tok}); w.Code != 401 {
		t.Fatalf("after 15 idle minutes: %d", w.Code)
	}
}

func TestLogonSessionsAndLogoff(t *testing.T) {
	f := newFixture(t)
	tok, id := f.logon(t)
	w := f.do(t, req{method: "POST", target: "/api/sessionMngr/", user: "other", pw: "other-pw"})
	_, otherID := tokenOf(t, w.Header(), w.Body.Bytes())

	w = f.do(t, req{target: "/api/logonSessions", token: tok, json: true})
	if w.Code != 200 || !strings.Contains(w.Body.String(), id.String()) || strings.Contains(w.Body.String(), otherID.String()) {
		t.Fatalf("logonSessions: %d %s", w.Code, w.Body)
	}
	upper := strings.ToUpper(id.String())
	if w := f.do(t, req{target: "/api/LOGONSESSIONS/" + upper + "/", token: tok}); w.Code != 200 {
		t.Fatalf("own session by upper-case id: %d", w.Code)
	}
	checks := []struct {
		r      req
		status int
		allow  string
	}{
		{req{target: "/api/logonSessions/" + otherID.String(), token: tok}, 404, ""},
		{req{method: "DELETE", target: "/api/logonSessions/" + otherID.String(), token: tok}, 404, ""},
		{req{method: "DELETE", target: "/api/logonSessions/" + emcdp.NewID().String(), token: tok}, 404, ""},
		{req{method: "DELETE", target: "/api/logonSessions/not-a-guid", token: tok}, 400, ""},
		{req{method: "PUT", target: "/api/logonSessions/" + id.String(), token: tok}, 405, "GET, DELETE"},
		{req{method: "POST", target: "/api/logonSessions", token: tok}, 405, "GET"},
	}
	for i, c := range checks {
		w := f.do(t, c.r)
		if w.Code != c.status || w.Header().Get("Allow") != c.allow {
			t.Errorf("check %d: %d Allow %q: %s", i, w.Code, w.Header().Get("Allow"), w.Body)
		}
	}
	w = f.do(t, req{method: "DELETE", target: "/api//logonSessions/" + id.String(), token: tok})
	if w.Code != 204 || w.Body.Len() != 0 {
		t.Fatalf("logoff: %d %q", w.Code, w.Body)
	}
	if w := f.do(t, req{target: "/api/cdpPolicies", token: tok}); w.Code != 401 {
		t.Fatalf("old token after logoff: %d", w.Code)
	}
}

func TestErrors(t *testing.T) {
	f := newFixture(t)
	tok, _ := f.logon(t)
	ts := "/api/cdpReplicaTaskSessions/" + f.ts[0].ID.String()
	cases := []struct {
		method, target string
		status         int
		allow, msg     string
	}{
		{"GET", "/api/cdpReplicaTaskSessions/1234", 400, "", "not a valid GUID"},
		{"GET", "/api/cdpPolicies/" + f.pol.ID.String() + "/includes/xyz", 400, "", "not a valid GUID"},
		{"GET", "/api/cdpReplicaTaskSessions/" + emcdp.NewID().String(), 404, "", "No CdpReplicaTaskSession with id"},
		{"GET", "/api/backupServers/" + emcdp.NewID().String(), 404, "", "No BackupServer"},
		{"GET", "/api/cdpPolicies/" + emcdp.NewID().String() + "/includes", 404, "", "No CdpPolicy"},
		{"GET", "/api/cdpPolicies/" + f.pol.ID.String() + "/includes/" + emcdp.NewID().String(), 404, "", "No ObjectInJob"},
		{"GET", "/api/cdpReplicaSessions/" + emcdp.NewID().String() + "/cdpReplicaTaskSessions", 404, "", "No CdpReplicaSession"},
		{"GET", "/api/replicas", 404, "", "not found"},
		{"GET", "/other", 404, "", "not found"},
		{"POST", ts, 405, "GET", "not allowed"},
		{"DELETE", "/api/cdpPolicies", 405, "GET", "not allowed"},
		{"PATCH", "/api/", 405, "GET", "not allowed"},
		{"GET", ts + "?format=Fancy", 400, "", "format"},
		{"GET", "/api/backupServers?format=References", 400, "", "format"},
		{"GET", "/api/query?type=Replica", 400, "", ""},
		{"GET", "/api/query?type=CdpReplicaTaskSession&filter=Colour==red", 400, "", "Colour"},
		{"GET", "/api/query", 400, "", ""},
	}
	for _, c := range cases {
		for _, js := range []bool{false, true} {
			w := f.do(t, req{method: c.method, target: c.target, token: tok, json: js})
			if w.Code != c.status {
				t.Errorf("%s %s: %d, want %d: %s", c.method, c.target, w.Code, c.status, w.Body)
				continue
			}
			if w.Header().Get("Allow") != c.allow {
				t.Errorf("%s %s: Allow %q", c.method, c.target, w.Header().Get("Allow"))
			}
			if !strings.Contains(w.Body.String(), c.msg) {
				t.Errorf("%s %s: message %s", c.method, c.target, w.Body)
			}
		}
	}
}

// faultyStore is a fault injector: the real store, except that TaskSession
// fails with err, or panics when panic is set.
type faultyStore struct {
	emcdp.Store
	err   error
	panic bool
}

func (s *faultyStore) TaskSession(ctx context.Context, id emcdp.ID) (*emcdp.TaskSession, error) {
	if s.panic {
		panic("index out of range in /src/secret/path.go")
	}
	return nil, s.err
}

func TestInternalFailures(t *testing.T) {
	f := newFixture(t)
	tok, _ := f.logon(t)
	target := "/api/cdpReplicaTaskSessions/" + f.ts[0].ID.String()
	cases := []struct {
		st     *faultyStore
		status int
	}{
		{&faultyStore{Store: f.st, err: errors.New("sqlite: disk I/O error at /var/lib/emcdp/db")}, 500},
		{&faultyStore{Store: f.st, panic: true}, 500},
		{&faultyStore{Store: f.st, err: emcdp.Errorf(emcdp.EUnavailable, "The store is unavailable")}, 503},
		{&faultyStore{Store: f.st, err: context.Canceled}, 503},
		{&faultyStore{Store: f.st, err: emcdp.Errorf(emcdp.EInternal, "secret detail")}, 500},
	}
	for i, c := range cases {
		f.h = newHandler(Config{Store: c.st, Clock: f.clock, Auth: &auth.Service{Store: f.st, Clock: f.clock}})
		for _, js := range []bool{false, true} {
			w := f.do(t, req{target: target, token: tok, json: js})
			if w.Code != c.status {
				t.Errorf("case %d: %d, want %d", i, w.Code, c.status)
			}
			b := w.Body.String()
			if strings.Contains(b, "/var/lib") || strings.Contains(b, "secret") || strings.Contains(b, "index out of range") {
				t.Errorf("case %d leaks internals: %s", i, b)
			}
		}
	}
}

// TestClosedStore closes the fixture's store under the handler. A closed
// store answers EUnavailable to every call, which is a 503 on every route
// that needs it, whether the request authenticates by token or by Basic
// credentials, and whether it logs on or reads.
func TestClosedStore(t *testing.T) {
	f := newFixture(t)
	tok, _ := f.logon(t)
	if err := f.st.Close(); err != nil {
		t.Fatal(err)
	}
	reqs := []req{
		{target: "/api/cdpReplicaTaskSessions/" + f.ts[0].ID.String(), token: tok},
		{target: "/api/cdpPolicies?format=Entity", token: tok},
		{target: "/api/query?type=CdpReplicaSession", user: "operator", pw: f.secret},
		{method: "POST", target: "/api/sessionMngr/?v=latest", user: "operator", pw: f.secret},
	}
	for _, r := range reqs {
		for _, js := range []bool{false, true} {
			r.json = js
			if w := f.do(t, r); w.Code != http.StatusServiceUnavailable {
				t.Errorf("%s %s (json %v) on a closed store: %d %s", r.method, r.target, js, w.Code, w.Body)
			}
		}
	}
	if w := f.do(t, req{target: "/api/"}); w.Code != 200 {
		t.Errorf("the entry point needs no store, yet answered %d", w.Code)
	}
}

func TestResources(t *testing.T) {
	f := newFixture(t)
	tok, _ := f.logon(t)
	base := "http://example.com/api"
	pol, ps0, ts0 := f.pol.ID.String(), f.ps[0].ID.String(), f.ts[0].ID.String()
	cases := []struct {
		target string
		want   []string
		not    []string
	}{
		{"/api/backupServers", []string{base + "/backupServers/" + f.srv.ID.String()}, nil},
		{"/api/BackupServers/?format=entity", []string{"<BackupServers", "9392"}, nil},
		{"/api/backupServers/" + strings.ToUpper(f.srv.ID.String()), []string{"BackupServerReference"}, nil},
		{"/api/cdpPolicies", []string{base + "/cdpPolicies/" + pol}, nil},
		{"/api/cdpPolicies/" + pol + "?format=Entity", []string{"<CdpPolicy ", base + "/cdpPolicies/" + pol + "/includes"}, nil},
		{"/api/cdpPolicies/" + pol + "/includes?format=Entity", []string{"sql01", "sql02"}, nil},
		{"/api/cdpPolicies/" + pol + "/includes/" + f.pol.Includes[1].ID.String(), []string{"sql02"}, []string{"sql01"}},
		{"/api/cdpPolicies/" + pol + "/cdpReplicaSessions", []string{ps0, f.ps[1].ID.String()}, []string{f.ps[2].ID.String()}},
		{"/api/cdpReplicaSessions?format=Entity", []string{"<CdpReplicaSessions", ps0}, []string{f.ps[2].ID.String()}},
		{"/api/cdpReplicaSessions/" + ps0, []string{"CdpReplicaSessionReference"}, nil},
		{"/api/cdpReplicaSessions/" + ps0 + "/cdpReplicaTaskSessions", []string{ts0, f.ts[1].ID.String()}, []string{f.ts[2].ID.String()}},
		{"/api/cdpReplicaTaskSessions", []string{ts0, f.ts[2].ID.String()}, []string{f.ts[3].ID.String()}},
		{"/api/cdpReplicaTaskSessions/" + ts0 + "/?format=Entity&v=latest", []string{"<CdpReplicaTaskSession ", "VmDisplayName="}, nil},
		{"/api/replicaTaskSessions/" + ts0 + "?format=Entity", []string{"<CdpReplicaTaskSession "}, nil},
		{"/api/query?type=CdpReplicaTaskSession&pageSize=1&sortDesc=CreationTimeUTC", []string{"<PagingInfo", `Rel="Next"`}, nil},
		{"/api/querySvc", []string{base + "/query?type=CdpReplicaTaskSession"}, nil},
	}
	for _, c := range cases {
		w := f.do(t, req{target: c.target, token: tok})
		if w.Code != 200 {
			t.Errorf("GET %s: %d %s", c.target, w.Code, w.Body)
			continue
		}
		for _, s := range c.want {
			if !strings.Contains(w.Body.String(), s) {
				t.Errorf("GET %s: no %q in %s", c.target, s, w.Body)
			}
		}
		for _, s := range c.not {
			if strings.Contains(w.Body.String(), s) {
				t.Errorf("GET %s: unexpected %q", c.target, s)
			}
		}
		if w := f.do(t, req{target: c.target, token: tok, json: true}); w.Code != 200 || !strings.HasPrefix(w.Body.String(), "{") {
			t.Errorf("GET %s as JSON: %d %s", c.target, w.Code, w.Body)
		}
	}
	// Newest first: ts[1] was created after ts[0] in the same session.
	b := f.do(t, req{target: "/api/cdpReplicaSessions/" + ps0 + "/cdpReplicaTaskSessions", token: tok}).Body.String()
	if strings.Index(b, f.ts[1].ID.String()) > strings.Index(b, ts0) {
		t.Errorf("session collection not newest first: %s", b)
	}
}

func TestJSONProfileAndBOM(t *testing.T) {
	f := newFixture(t)
	tok, _ := f.logon(t)
	f.h.profile, f.h.bom = 1, true // v13 with a byte-order mark
	w := f.do(t, req{target: "/api/cdpReplicaTaskSessions/" + f.ts[0].ID.String() + "?format=Entity", token: tok, json: true})
	if !strings.HasPrefix(w.Body.String(), "\xef\xbb\xbf{") || !strings.Contains(w.Body.String(), `"creationTimeUTC"`) {
		t.Errorf("v13 with BOM: %s", w.Body)
	}
}
