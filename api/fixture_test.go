package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/auth"
	"github.com/emcdp/emcdp/sqlite"
	"golang.org/x/crypto/bcrypt"
)

var now = time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)

// fixture is a handler over a small hand-made world in a SQLite store of
// its own.
type fixture struct {
	h      *Handler
	st     *sqlite.DB
	clock  *emcdp.ManualClock
	srv    emcdp.BackupServer
	pol    emcdp.CdpPolicy
	ps     []emcdp.PolicySession // ps[0] running, ps[1] ended, ps[2] outside the window
	ts     []emcdp.TaskSession   // ts[0], ts[1] of ps[0]; ts[2] of ps[1]; ts[3] of ps[2]
	secret string
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &fixture{st: st, clock: emcdp.NewManualClock(now), secret: "s3cret!"}
	f.srv = emcdp.BackupServer{ID: emcdp.NewID(), Name: "vbr01.lab.local", Port: 9392, Version: "12.3.1.1139"}
	f.pol = emcdp.CdpPolicy{ID: emcdp.NewID(), Name: "CDP Tier-1 SQL", BackupServerID: f.srv.ID, BackupServerName: f.srv.Name,
		Platform: "VMware", ScheduleConfigured: true, ScheduleEnabled: true, NextRun: now.Add(time.Hour),
		Options: emcdp.DefaultCdpScheduleOptions(), Guest: emcdp.GuestProcessingOptions{VssSnapshotMode: "Disabled"}}
	for _, vm := range []string{"sql01", "sql02"} {
		f.pol.Includes = append(f.pol.Includes, emcdp.ObjectInJob{ID: emcdp.NewID(), PolicyID: f.pol.ID,
			HierarchyObjRef: "urn:VMware:Vm:7f1c.vm-" + vm, Name: vm, DisplayName: vm})
	}
	for i, age := range []time.Duration{2 * time.Hour, 26 * time.Hour, 40 * 24 * time.Hour} {
		c := now.Add(-age)
		ps := emcdp.PolicySession{ID: emcdp.NewID(), Name: emcdp.SessionName(f.pol.Name, c), PolicyID: f.pol.ID,
			PolicyName: f.pol.Name, BackupServerID: f.srv.ID, BackupServerName: f.srv.Name, CreationTime: c,
			State: emcdp.SessionWorking, Result: emcdp.ResultNone, Progress: 50}
		if i > 0 {
			ps.EndTime, ps.State, ps.Result, ps.Progress = c.Add(24*time.Hour), emcdp.SessionStopped, emcdp.ResultSuccess, 100
		}
		f.ps = append(f.ps, ps)
	}
	for i, p := range []int{0, 0, 1, 2} {
		ps := f.ps[p]
		vm := f.pol.Includes[i%2].Name
		c := ps.CreationTime.Add(time.Duration(i) * time.Minute)
		f.ts = append(f.ts, emcdp.TaskSession{ID: emcdp.NewID(), Name: emcdp.SessionName(vm, c), PolicySessionID: ps.ID,
			PolicySessionName: ps.Name, PolicyID: f.pol.ID, BackupServerID: f.srv.ID, BackupServerName: f.srv.Name,
			VmDisplayName: vm, CreationTime: c, State: emcdp.TaskInProgress, Result: emcdp.ResultSuccess, TotalSize: 1 << 30})
	}
	err = f.st.Apply(context.Background(), &emcdp.Batch{BackupServers: []emcdp.BackupServer{f.srv},
		CdpPolicies: []emcdp.CdpPolicy{f.pol}, NewPolicySessions: f.ps, NewTaskSessions: f.ts})
	if err != nil {
		t.Fatal(err)
	}
	f.addUser(t, "operator", f.secret)
	f.addUser(t, "other", "other-pw")
	f.h = newHandler(Config{Store: f.st, Clock: f.clock,
		Auth: &auth.Service{Store: f.st, Clock: f.clock}})
	return f
}

func (f *fixture) addUser(t testing.TB, name, pw string) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.st.PutUser(context.Background(), &emcdp.User{Name: name, PasswordHash: string(h), Role: emcdp.RolePortalUser}); err != nil {
		t.Fatal(err)
	}
}

// req describes one request of a test.
type req struct {
	method, target string
	header         map[string]string
	token          string // sent in the X-RestSvcSessionId header
	cookie         string
	user, pw       string // Basic credentials
	json           bool
	body           io.Reader
}

// do runs r through the handler and checks what every answer must have.
func (f *fixture) do(t testing.TB, r req) *httptest.ResponseRecorder {
	t.Helper()
	if r.method == "" {
		r.method = "GET"
	}
	hr := httptest.NewRequest(r.method, r.target, r.body)
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	if r.token != "" {
		hr.Header.Set(auth.SessionHeader, r.token)
	}
	if r.cookie != "" {
		hr.AddCookie(&http.Cookie{Name: auth.SessionHeader, Value: r.cookie})
	}
	if r.user != "" {
		hr.SetBasicAuth(r.user, r.pw)
	}
	if r.json {
		hr.Header.Set("Accept", "application/json")
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, hr)
	checkFraming(t, w)
	return w
}

// checkFraming requires Content-Length and Content-Type with charset on
// every answer with a body, and a well-formed Error body on every error.
func checkFraming(t testing.TB, w *httptest.ResponseRecorder) {
	t.Helper()
	if w.Code == http.StatusNoContent {
		if w.Body.Len() != 0 {
			t.Errorf("204 with a body")
		}
		return
	}
	if cl := w.Header().Get("Content-Length"); cl != strconv.Itoa(w.Body.Len()) {
		t.Errorf("Content-Length %q for a body of %d bytes", cl, w.Body.Len())
	}
	ct := w.Header().Get("Content-Type")
	if ct != "application/xml; charset=utf-8" && ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if w.Code >= 400 {
		st := errorStatus(t, w)
		if st != w.Code {
			t.Errorf("Error body says StatusCode %d on a %d answer: %s", st, w.Code, w.Body)
		}
	}
}

// errorStatus reads StatusCode from an Error body of either format.
func errorStatus(t testing.TB, w *httptest.ResponseRecorder) int {
	t.Helper()
	b := w.Body.Bytes()
	if bytes.Contains([]byte(w.Header().Get("Content-Type")), []byte("json")) {
		var e struct {
			StatusCode int
			Message    string
		}
		if err := json.Unmarshal(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")), &e); err != nil {
			t.Fatalf("error body is not JSON: %v: %s", err, b)
		}
		if e.Message == "" {
			t.Errorf("error without a message: %s", b)
		}
		return e.StatusCode
	}
	m := regexp.MustCompile(`<Error Message="[^"]+" StatusCode="(\d+)"`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("no XML Error body: %s", b)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

var sessionIDRe = regexp.MustCompile(`(?:<SessionId>|"SessionId": ?")([0-9a-f-]{36})`)

// logon logs on as operator and returns the token, checking that it is
// base64 of the SessionId of the body.
func (f *fixture) logon(t testing.TB) (string, emcdp.ID) {
	t.Helper()
	w := f.do(t, req{method: "POST", target: "/api/sessionMngr/?v=latest", user: "operator", pw: f.secret})
	if w.Code != http.StatusCreated {
		t.Fatalf("logon: %d %s", w.Code, w.Body)
	}
	return tokenOf(t, w.Header(), w.Body.Bytes())
}

func tokenOf(t testing.TB, h http.Header, body []byte) (string, emcdp.ID) {
	t.Helper()
	m := sessionIDRe.FindSubmatch(body)
	if m == nil {
		t.Fatalf("no SessionId in %s", body)
	}
	id, ok := emcdp.ParseID(string(m[1]))
	if !ok {
		t.Fatalf("SessionId %q", m[1])
	}
	tok := h[auth.SessionHeader]
	if len(tok) != 1 || tok[0] != base64.StdEncoding.EncodeToString(m[1]) {
		t.Fatalf("header %s = %q, want base64(%s)", auth.SessionHeader, tok, m[1])
	}
	return tok[0], id
}
