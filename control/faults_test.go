package control

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestFaultUserFoundOutsideLock matches a rule on the user: the user is
// found (a read of the store, for a request by token) without the rules'
// lock held, so that a slow read holds back only its own request, not
// every request of the server, which all take that lock. Without a rule
// on the user, the user is not looked up at all.
func TestFaultUserFoundOutsideLock(t *testing.T) {
	var f Faults
	r := httptest.NewRequest("GET", "/api/backupServers", nil)
	calls := 0
	user := func() string {
		calls++
		if !f.mu.TryLock() {
			t.Error("the user is looked up with the rules' lock held")
			return "ops"
		}
		f.mu.Unlock()
		return "ops"
	}
	if _, err := f.Add(Rule{Path: "/api/*", Status: 500, Message: "no user rule"}); err != nil {
		t.Fatal(err)
	}
	if rule, ok := f.take(r, user); !ok || rule.Message != "no user rule" || calls != 0 {
		t.Errorf("without a user rule: %v %+v, %d lookups", ok, rule, calls)
	}
	f.Clear()
	if _, err := f.Add(Rule{Path: "/api/*", Status: 503, User: "OPS"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Add(Rule{Path: "/api/*", Status: 500, User: "ops"}); err != nil {
		t.Fatal(err)
	}
	if rule, ok := f.take(r, user); !ok || rule.Status != 503 || calls != 1 {
		t.Errorf("with user rules: %v %+v, %d lookups", ok, rule, calls)
	}
}

// failingBody is a request body whose read fails, as a client's that went
// away mid-body.
type failingBody struct{}

func (failingBody) Read([]byte) (int, error) { return 0, errors.New("connection reset by peer") }
func (failingBody) Close() error             { return nil }

// TestScenarioBodyReadFails: a scenario whose body cannot be read is a 400
// saying so, not the 413 of a body too large, which it was not.
func TestScenarioBodyReadFails(t *testing.T) {
	r := httptest.NewRequest("POST", "/_emcdp/scenario", nil)
	r.Body = failingBody{}
	w := httptest.NewRecorder()
	(&Plane{}).serveScenario(w, r)
	if w.Code != http.StatusBadRequest || strings.Contains(w.Body.String(), "at most") {
		t.Errorf("an unreadable scenario: %d %s", w.Code, w.Body)
	}
}
