package storetest

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
)

// Clearer is a store that can be emptied of everything but its users, as
// the control plane's reset needs.
type Clearer interface {
	emcdp.Store
	Clear(ctx context.Context) error
}

// RunClear checks Clear on a new, empty store: the world, its meta data,
// the logon sessions and the failed logons go, the users stay, and the
// store takes a new world afterwards.
func RunClear(t *testing.T, st Clearer) {
	ctx := context.Background()
	d := standard()
	b := d.Batch(rand.New(rand.NewPCG(1, 2)))
	b.Meta = map[string]string{"sim.start": "x"}
	if err := st.Apply(ctx, b); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	u := &emcdp.User{Name: "alice", PasswordHash: "h", Role: emcdp.RolePortalUser, Created: now}
	if err := st.PutUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	ls := &emcdp.LogonSession{ID: emcdp.ID{1}, UserKey: "alice", UserName: "alice", Created: now, LastSeen: now}
	if err := st.CreateLogonSession(ctx, ls); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddLogonFailure(ctx, "alice", now, now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}

	if err := st.Clear(ctx); err != nil {
		t.Fatalf("Clear: %v", err)
	}
	for _, k := range emcdp.Kinds {
		res, err := st.Query(ctx, &emcdp.Query{Kind: k, Page: 1, PageSize: 10})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 0 || res.Len() != 0 {
			t.Errorf("%v after Clear: total %d, %d items", k, res.Total, res.Len())
		}
	}
	if v, err := st.Meta(ctx, "sim.start"); v != "" || err != nil {
		t.Errorf("meta after Clear = %q, %v", v, err)
	}
	if _, err := st.LogonSession(ctx, ls.ID); !errors.Is(err, emcdp.ErrNotFound) {
		t.Errorf("logon session after Clear: %v, want ErrNotFound", err)
	}
	if n, err := st.LogonFailures(ctx, "alice", now.Add(-time.Hour)); n != 0 || err != nil {
		t.Errorf("logon failures after Clear = %d, %v", n, err)
	}
	if _, err := st.User(ctx, "alice"); err != nil {
		t.Errorf("user after Clear: %v", err)
	}
	// The same world goes in again without a duplicate.
	if err := st.Apply(ctx, d.Batch(rand.New(rand.NewPCG(1, 2)))); err != nil {
		t.Fatalf("Apply after Clear: %v", err)
	}
	res, err := st.Query(ctx, &emcdp.Query{Kind: emcdp.KindCdpReplicaTaskSession, Page: 1, PageSize: 1})
	if err != nil || res.Total != len(d.Tasks) {
		t.Errorf("task sessions after reloading: %v, %v; want %d", res, err, len(d.Tasks))
	}
}
