package api

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
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
