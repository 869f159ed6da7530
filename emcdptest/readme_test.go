package emcdptest_test

import (
	"context"
	"testing"
	"time"

	"github.com/emcdp/emcdp/client"
	"github.com/emcdp/emcdp/control"
	"github.com/emcdp/emcdp/emcdptest"
)

// TestMonitorRetries is the example of the README, kept compiling and passing.
func TestMonitorRetries(t *testing.T) {
	srv := emcdptest.Start(t, emcdptest.WithScenario("../examples/sql-rpo-night.json"))
	srv.Faults().Add(control.Rule{Path: "/api/query*", Status: 503, Count: 1})
	c := srv.Client(t) // a client.Client logged on as srv.User, trusting the server's certificate
	if _, err := c.QueryPage(context.Background(), client.Query{Type: "CdpPolicy"}, 1); client.StatusOf(err) != 503 {
		t.Errorf("first query: %v, want a 503", err)
	}
	if n := len(srv.Journal().Entries(control.Filter{Status: 503})); n != 1 {
		t.Errorf("503s journalled: %d", n)
	}
	srv.Advance(t, 24*time.Hour) // a day later in the world; logon sessions aged a day too
	srv.Reset(t)                 // as fresh as a new server
}
