package sqlite

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
)

// TestUsers lists every user with what PutUser stored, by name.
func TestUsers(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "users.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if us, err := db.Users(ctx); err != nil || len(us) != 0 {
		t.Fatalf("empty store: %v, %v", us, err)
	}
	at := time.Date(2026, 6, 1, 8, 0, 0, 123, time.UTC)
	want := []emcdp.User{
		{Name: "admin", PasswordHash: "$2a$10$a", Role: emcdp.RolePortalAdministrator, Created: at},
		{Name: "monitor", PasswordHash: "$2a$10$m", Role: emcdp.RolePortalUser, Created: at.Add(time.Hour)},
	}
	for _, i := range []int{1, 0} {
		if err := db.PutUser(ctx, &want[i]); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.Users(ctx)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("Users = %+v, %v; want %+v", got, err, want)
	}
}
