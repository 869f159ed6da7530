package postgres

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/jackc/pgx/v5/pgxpool"
)

// TestLogonSessionIDNotStored checks that a copy of the database holds no
// session id (from which a token is made), only its hash.
func TestLogonSessionIDNotStored(t *testing.T) {
	db := openFresh(t)
	defer db.Close()
	ctx := context.Background()
	now := emcdp.Ticks(time.Now())
	ls := &emcdp.LogonSession{ID: emcdp.NewID(), UserName: "operator", UserKey: "operator", Created: now, LastSeen: now}
	if err := db.CreateLogonSession(ctx, ls); err != nil {
		t.Fatal(err)
	}
	rows, err := db.pool.Query(ctx, "SELECT t::text, id_hash FROM logon_sessions t")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var text string
		var key []byte
		if err := rows.Scan(&text, &key); err != nil {
			t.Fatal(err)
		}
		n++
		if bytes.Contains([]byte(text), []byte(ls.ID.String())) || bytes.Contains(key, ls.ID[:]) || !bytes.Equal(key, emcdp.LogonSessionKey(ls.ID)) {
			t.Errorf("stored row %s holds the session id, or not its hash", text)
		}
	}
	if n != 1 {
		t.Fatalf("%d rows", n)
	}
	if got, err := db.LogonSession(ctx, ls.ID); err != nil || got.ID != ls.ID || got.UserKey != "operator" {
		t.Errorf("LogonSession by id: %+v, %v", got, err)
	}
}

// TestLogonSessionsMigrated checks that sessions open before the upgrade to
// hashed ids stay valid after it.
func TestLogonSessionsMigrated(t *testing.T) {
	u := freshSchema(t)
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if err := apply1(ctx, pool, ms[0]); err != nil {
		t.Fatal(err)
	}
	id := emcdp.NewID()
	now := time.Now().UnixNano()
	if _, err := pool.Exec(ctx, "INSERT INTO logon_sessions (id, user_name, user_key, created, last_seen) VALUES ($1, 'LAB\\op', 'op', $2, $2)",
		id.String(), now); err != nil {
		t.Fatal(err)
	}
	pool.Close()
	db, err := Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ls, err := db.LogonSession(ctx, id)
	if err != nil || ls.UserName != `LAB\op` || ls.LastSeen.UnixNano() != now {
		t.Errorf("session after the migration: %+v, %v", ls, err)
	}
}
