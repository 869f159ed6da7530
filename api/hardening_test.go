package api

import (
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
