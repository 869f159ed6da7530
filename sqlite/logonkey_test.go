package sqlite

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
)

// TestLogonSessionIDNotStored checks that a copy of the database file holds
// no session id (from which a token is made), in any form, only its hash.
func TestLogonSessionIDNotStored(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	now := emcdp.Ticks(time.Now())
	ls := &emcdp.LogonSession{ID: emcdp.NewID(), UserName: "operator", UserKey: "operator", Created: now, LastSeen: now}
	if err := db.CreateLogonSession(ctx, ls); err != nil {
		t.Fatal(err)
	}
	if got, err := db.LogonSession(ctx, ls.ID); err != nil || got.ID != ls.ID {
		t.Fatalf("LogonSession by id: %+v, %v", got, err)
	}
	path := db.Path()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	var all []byte
	for _, p := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	if !bytes.Contains(all, emcdp.LogonSessionKey(ls.ID)) {
		t.Fatal("the session's hash is not in the file: the test reads the wrong file")
	}
	if bytes.Contains(all, ls.ID[:]) || bytes.Contains(all, []byte(ls.ID.String())) {
		t.Error("the database file holds the session id")
	}
}
