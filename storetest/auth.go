package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
)

func testUsers(t *testing.T, st emcdp.Store) {
	ctx := context.Background()
	u := emcdp.User{Name: "operator", PasswordHash: "$2a$10$abc", Role: emcdp.RolePortalUser, Created: emcdp.Ticks(Base)}
	if err := st.PutUser(ctx, &u); err != nil {
		t.Fatal(err)
	}
	if err := st.PutUser(ctx, &emcdp.User{Name: "admin", PasswordHash: "h", Role: emcdp.RolePortalAdministrator, Created: Base}); err != nil {
		t.Fatal(err)
	}
	if got, err := st.User(ctx, "operator"); err != nil || !reflect.DeepEqual(got, &u) {
		t.Errorf("User: %+v, %v; want %+v", got, err, u)
	}
	u.PasswordHash, u.Role = "$2a$10$new", emcdp.RoleRestoreOperator
	if err := st.PutUser(ctx, &u); err != nil {
		t.Fatal(err)
	}
	if got, err := st.User(ctx, "operator"); err != nil || !reflect.DeepEqual(got, &u) {
		t.Errorf("User after replace: %+v, %v; want %+v", got, err, u)
	}
	if n, err := st.CountUsers(ctx); n != 2 || err != nil {
		t.Errorf("CountUsers = %d, %v; want 2", n, err)
	}
	if _, err := st.User(ctx, "nobody"); !isNotFound(err) {
		t.Errorf("User(nobody): %v, want ErrNotFound", err)
	}
}

func testLogonSessions(t *testing.T, st emcdp.Store) {
	ctx := context.Background()
	mk := func(user string, created time.Duration) emcdp.LogonSession {
		c := emcdp.Ticks(Base.Add(created))
		return emcdp.LogonSession{ID: emcdp.NewID(), UserName: user, UserKey: emcdp.UserKey(user), Created: c, LastSeen: c}
	}
	a := mk(`LAB\Operator`, 0)
	b := mk("operator@lab", time.Minute)
	c := mk("admin", 2*time.Minute)
	for _, s := range []emcdp.LogonSession{b, a, c} {
		if err := st.CreateLogonSession(ctx, &s); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.CreateLogonSession(ctx, &a); err == nil {
		t.Error("a second session with the same id was accepted")
	}
	if got, err := st.LogonSession(ctx, a.ID); err != nil || !reflect.DeepEqual(got, &a) {
		t.Errorf("LogonSession: %+v, %v; want %+v", got, err, a)
	}
	if _, err := st.LogonSession(ctx, emcdp.NewID()); !isNotFound(err) {
		t.Errorf("LogonSession(unknown): %v", err)
	}
	// Touch moves LastSeen forward only.
	later := emcdp.Ticks(Base.Add(time.Hour))
	if err := st.TouchLogonSession(ctx, a.ID, later); err != nil {
		t.Fatal(err)
	}
	if err := st.TouchLogonSession(ctx, a.ID, Base.Add(30*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, err := st.LogonSession(ctx, a.ID); err != nil || !got.LastSeen.Equal(later) || !got.Created.Equal(a.Created) {
		t.Errorf("after touches: %+v, %v; want LastSeen %v", got, err, later)
	}
	if err := st.TouchLogonSession(ctx, emcdp.NewID(), later); !isNotFound(err) {
		t.Errorf("Touch(unknown): %v, want ErrNotFound", err)
	}
	// Expiry removes those last seen before t.
	n, err := st.DeleteLogonSessionsBefore(ctx, Base.Add(2*time.Minute))
	if err != nil || n != 1 {
		t.Errorf("DeleteLogonSessionsBefore = %d, %v; want 1", n, err)
	}
	if _, err := st.LogonSession(ctx, b.ID); !isNotFound(err) {
		t.Errorf("expired session still there: %v", err)
	}
	if err := st.DeleteLogonSession(ctx, c.ID); err != nil {
		t.Errorf("DeleteLogonSession: %v", err)
	}
	if err := st.DeleteLogonSession(ctx, c.ID); !isNotFound(err) {
		t.Errorf("second DeleteLogonSession: %v, want ErrNotFound", err)
	}
	if _, err := st.LogonSession(ctx, a.ID); err != nil {
		t.Errorf("the remaining session: %v", err)
	}
}

func testLogonFailures(t *testing.T, st emcdp.Store) {
	ctx := context.Background()
	at := func(m int) time.Time { return Base.Add(time.Duration(m) * time.Minute) }
	for i, want := range []int{1, 2, 3} {
		n, err := st.AddLogonFailure(ctx, "operator", at(i), at(0))
		if err != nil || n != want {
			t.Errorf("AddLogonFailure %d = %d, %v; want %d", i, n, err, want)
		}
	}
	if n, err := st.AddLogonFailure(ctx, "other", at(3), at(0)); err != nil || n != 1 {
		t.Errorf("another user's first failure = %d, %v", n, err)
	}
	// A window that starts later counts fewer.
	if n, err := st.AddLogonFailure(ctx, "operator", at(10), at(2)); err != nil || n != 2 {
		t.Errorf("AddLogonFailure with a later window = %d, %v; want 2", n, err)
	}
	if n, err := st.LogonFailures(ctx, "operator", at(0)); err != nil || n != 4 {
		t.Errorf("LogonFailures = %d, %v; want 4", n, err)
	}
	if err := st.ClearLogonFailures(ctx, "operator"); err != nil {
		t.Fatal(err)
	}
	if n, err := st.LogonFailures(ctx, "operator", at(0)); err != nil || n != 0 {
		t.Errorf("after clear = %d, %v", n, err)
	}
	if n, err := st.LogonFailures(ctx, "other", at(0)); err != nil || n != 1 {
		t.Errorf("the other user's after clear = %d, %v", n, err)
	}

	// Pruning drops what is older than the window, then the oldest beyond
	// the bound.
	for i := 0; i < 6; i++ {
		if _, err := st.AddLogonFailure(ctx, "user"+string(rune('a'+i)), at(20+i), at(0)); err != nil {
			t.Fatal(err)
		}
	}
	// Held now: other@3, usera@20 … userf@25.
	if n, err := st.PruneLogonFailures(ctx, at(10), 100); err != nil || n != 1 {
		t.Errorf("PruneLogonFailures(before 10 min) = %d, %v; want 1", n, err)
	}
	if n, err := st.LogonFailures(ctx, "other", at(0)); err != nil || n != 0 {
		t.Errorf("a pruned failure is still counted: %d, %v", n, err)
	}
	if n, err := st.PruneLogonFailures(ctx, at(10), 4); err != nil || n != 2 {
		t.Errorf("PruneLogonFailures(keep 4) = %d, %v; want 2", n, err)
	}
	for i, want := range []int{0, 0, 1, 1, 1, 1} {
		if n, err := st.LogonFailures(ctx, "user"+string(rune('a'+i)), at(0)); err != nil || n != want {
			t.Errorf("after the bound, user%c has %d failures (%v); want %d", 'a'+i, n, err, want)
		}
	}
}
