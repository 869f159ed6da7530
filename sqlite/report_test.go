package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/sqlgen"
	"github.com/emcdp/emcdp/storetest"
)

// TestReportVMCase runs storetest.RunReportVMCase, rebuilding the report
// tables by dropping them and opening the file again.
func TestReportVMCase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "emcdp.db")
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	storetest.RunReportVMCase(t, db, func(t *testing.T) emcdp.Store {
		for _, tb := range sqlgen.ReportTables {
			if _, err := db.w.Exec("DROP TABLE " + tb); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		again, err := Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { again.Close() })
		return again
	})
}
