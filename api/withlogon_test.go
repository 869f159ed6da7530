package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/auth"
	"github.com/emcdp/emcdp/sqlite"
)

// jointStore reads the logon session and the task session with the
// separate reads, as one call, and counts the calls.
type jointStore struct {
	*sqlite.DB
	calls atomic.Int32
}

func (s *jointStore) TaskSessionWithLogon(ctx context.Context, logon, id emcdp.ID) (*emcdp.LogonSession, *emcdp.TaskSession, error) {
	s.calls.Add(1)
	ls, err := s.LogonSession(ctx, logon)
	if errors.Is(err, emcdp.ErrNotFound) {
		ls, err = nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	ts, err := s.TaskSession(ctx, id)
	if errors.Is(err, emcdp.ErrNotFound) {
		return ls, nil, nil
	}
	return ls, ts, err
}

// TestTaskSessionWithLogon checks that a GET of a task session by id through
// a store that reads it with the logon session answers as the separate reads
// do, sees a changed task session at once, and refuses a session logged off
// behind the handler's back.
func TestTaskSessionWithLogon(t *testing.T) {
	f := newFixture(t)
	js := &jointStore{DB: f.st}
	joint := newHandler(Config{Store: js, Clock: f.clock, Auth: &auth.Service{Store: js, Clock: f.clock}})
	if joint.withLogon == nil {
		t.Fatal("the handler does not read the task session with the logon session")
	}
	tok, lid := f.logon(t)
	for _, id := range []emcdp.ID{f.ts[0].ID, f.ts[2].ID, emcdp.NewID()} {
		for _, r := range cachedReps {
			code, got := f.get(t, joint, tok, id, r.query, r.json)
			wcode, want := f.get(t, f.h, tok, id, r.query, r.json)
			if code != wcode || got != want {
				t.Errorf("%v%s json=%v: answered %d\n%s\nwant %d\n%s", id, r.query, r.json, code, got, wcode, want)
			}
		}
	}
	if n := js.calls.Load(); n != 3*int32(len(cachedReps)) {
		t.Errorf("%d reads with the logon session, want %d", n, 3*len(cachedReps))
	}

	upd := f.ts[2]
	upd.Result = emcdp.ResultFailed
	if err := f.st.Apply(context.Background(), &emcdp.Batch{UpdTaskSessions: []emcdp.TaskSession{upd}}); err != nil {
		t.Fatal(err)
	}
	if code, got := f.get(t, joint, tok, upd.ID, "?format=Entity", false); code != http.StatusOK || !strings.Contains(got, "<Result>Failed</Result>") {
		t.Errorf("after the change: %d\n%s", code, got)
	}

	if err := f.st.DeleteLogonSession(context.Background(), lid); err != nil {
		t.Fatal(err)
	}
	for _, r := range cachedReps {
		if code, got := f.get(t, joint, tok, upd.ID, r.query, r.json); code != http.StatusUnauthorized || strings.Contains(got, upd.ID.String()) {
			t.Errorf("after the logoff%s json=%v: %d\n%s", r.query, r.json, code, got)
		}
	}
}
