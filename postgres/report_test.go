package postgres

import (
	"context"
	"testing"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/sqlgen"
	"github.com/emcdp/emcdp/storetest"
)

// TestReportVMCase runs storetest.RunReportVMCase, rebuilding the report
// tables by dropping them and opening the schema again.
func TestReportVMCase(t *testing.T) {
	url := freshSchema(t)
	db, err := Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	storetest.RunReportVMCase(t, db, func(t *testing.T) emcdp.Store {
		for _, tb := range sqlgen.ReportTables {
			if _, err := db.pool.Exec(context.Background(), "DROP TABLE "+tb); err != nil {
				t.Fatal(err)
			}
		}
		db.Close()
		again, err := Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { again.Close() })
		return again
	})
}
