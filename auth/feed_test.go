package auth

import (
	"context"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
)

// fedCounter is a store shared with other processes whose change feed the
// test drives (it always listens), with its logon-session reads counted.
type fedCounter struct {
	readCounter
	feed emcdp.Changes
}

func (c *fedCounter) OnChange(fn func(emcdp.Change)) { c.feed.OnChange(fn) }
func (c *fedCounter) Listening() bool                { return true }

// TestFeedSessions: a replica whose store has a change feed remembers a
// session, renews it once per interval without a read per request, reads it
// again when it looks idle (another replica may have renewed it), and ends
// it when the feed reports its logoff.
func TestFeedSessions(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	fc := &fedCounter{readCounter: readCounter{Store: f.store}}
	f.svc.Store = fc
	f.svc.IdleTimeout = 10 * time.Minute
	ls, tok, err := f.svc.Logon(ctx, "operator", "secret")
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		f.clock.Advance(2 * time.Second)
		if _, err := f.svc.Authenticate(context.Background(), request(tok, "")); err != nil {
			t.Fatal(err)
		}
	}
	if n := fc.reads.Load(); n != 1 {
		t.Errorf("%d logon-session reads for 5 requests, want 1", n)
	}
	if got, err := f.store.LogonSession(ctx, ls.ID); err != nil || !got.LastSeen.Equal(f.clock.Now()) {
		t.Errorf("stored session %+v %v, want it renewed to %v", got, err, f.clock.Now())
	}

	// Renewed by another replica only: idle here, live in the store.
	f.clock.Advance(9 * time.Minute)
	if err := f.store.TouchLogonSession(ctx, ls.ID, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(2 * time.Minute)
	if _, err := f.svc.Authenticate(context.Background(), request(tok, "")); err != nil {
		t.Errorf("a session renewed elsewhere: %v", err)
	}
	if n := fc.reads.Load(); n != 2 {
		t.Errorf("%d logon-session reads, want 2 (read again once it looked idle)", n)
	}

	// Logged off at another replica, and heard.
	if err := f.store.DeleteLogonSession(ctx, ls.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Authenticate(context.Background(), request(tok, "")); err != nil {
		t.Errorf("before the logoff is heard, the kept session answers: %v", err)
	}
	fc.feed.Changed(emcdp.Change{Logons: [][32]byte{[32]byte(emcdp.LogonSessionKey(ls.ID))}})
	if _, err := f.svc.Authenticate(context.Background(), request(tok, "")); emcdp.ErrorCode(err) != emcdp.EUnauthorized {
		t.Errorf("after the logoff is heard: %v, want EUnauthorized", err)
	}
}

// TestSessionTicket: a session read before a change was heard is not kept.
func TestSessionTicket(t *testing.T) {
	var c sessionCache
	c.keyByHash()
	ls := emcdp.LogonSession{ID: emcdp.NewID(), LastSeen: time.Now()}
	tk := c.ticket()
	c.change(emcdp.Change{Logons: [][32]byte{[32]byte(emcdp.LogonSessionKey(ls.ID))}})
	c.put(tk, callerOf(&ls), time.Time{})
	if _, ok := c.get(ls.ID); ok {
		t.Error("a session read before a logoff was heard was kept")
	}
	c.put(c.ticket(), callerOf(&ls), time.Time{})
	if _, ok := c.get(ls.ID); !ok {
		t.Error("a session read after the change was not kept")
	}
	c.change(emcdp.Change{LogonsBefore: ls.LastSeen.Add(time.Nanosecond)})
	if _, ok := c.get(ls.ID); ok {
		t.Error("a session last seen before the removal of idle sessions is still kept")
	}
}
