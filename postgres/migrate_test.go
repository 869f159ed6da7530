package postgres

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestNewerSchemaRefused: a schema that records a migration this release
// does not have was written by a newer release; it is refused with an error
// that says so, rather than served with a schema this release may misread.
func TestNewerSchemaRefused(t *testing.T) {
	ctx := context.Background()
	u := freshSchema(t)
	db, err := Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	next := SchemaVersion() + 1
	if _, err := db.pool.Exec(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, 0)",
		next, fmt.Sprintf("%04d_later.sql", next)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = Open(ctx, u)
	if err == nil {
		db.Close()
		t.Fatal("a schema of a newer release opened")
	}
	if msg := err.Error(); !strings.Contains(msg, "newer release") || !strings.Contains(msg, fmt.Sprint(next)) {
		t.Errorf("error %q does not say that a newer release (schema %d) wrote the database", msg, next)
	}
}

// TestSchemaLockPerSchema: the lock under which a store creates the
// described kinds' tables and the report tables is its schema's, as the
// migrations' is, so a store held in that lock in one schema does not keep a
// store in another schema of the database from opening.
func TestSchemaLockPerSchema(t *testing.T) {
	ctx := context.Background()
	held, err := Open(ctx, freshSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	tx, err := held.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if err := lockSchema(ctx, tx); err != nil {
		t.Fatal(err)
	}
	octx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	other, err := Open(octx, freshSchema(t))
	if err != nil {
		t.Fatalf("a store in another schema did not open while the first schema's lock was held: %v", err)
	}
	other.Close()
}
