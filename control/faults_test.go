package control

import (
	"net/http/httptest"
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
