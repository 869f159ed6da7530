package postgres

import (
	"context"
	"fmt"
	"strings"
	"testing"
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
