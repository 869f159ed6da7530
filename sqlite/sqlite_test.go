package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/storetest"
)

func openTemp(t testing.TB) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "emcdp.db"))
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) emcdp.Store { return openTemp(t) })
}
