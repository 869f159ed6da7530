package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/sqlgen"
	"github.com/emcdp/emcdp/storetest"
)

// TestMonitoringQueryPlans asserts that the queries monitoring clients send
// read through the indexes of the described kinds: the last sessions of a
// job by end time walk the job's end-time index with no sort, the last day
// uses the creation-time index, and the repositories their name index.
func TestMonitoringQueryPlans(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "plans.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := storetest.GenerateVBR(ctx, db, 30000, 5000); err != nil {
		t.Fatal(err)
	}
	if _, err := db.w.Exec("ANALYZE"); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"LastSession":  "USING INDEX backup_job_sessions_job_name_end_time_desc_id (job_name=?)",
		"LastFive":     "USING INDEX backup_job_sessions_job_name_end_time_desc_id (job_name=?)",
		"Sessions24h":  "USING INDEX backup_job_sessions_creation_time_id (creation_time>?)",
		"Repositories": "USING INDEX repositories_name_id",
	}
	for name, q := range storetest.MonitoringQueries() {
		c, err := sqlgen.Compile(&sqlgen.SQLite, &q)
		if err != nil {
			t.Fatal(err)
		}
		checkPlan(t, name, plan(t, db, selectStmt(sqlgen.Tables[q.Kind], &q, c), c.Args...), want[name])
		res, err := db.Query(ctx, &q)
		if err != nil || res.Len() == 0 {
			t.Errorf("%s: %d items, %v", name, res.Len(), err)
		}
	}
	a, b := emcdp.NewID(), emcdp.NewID()
	checkPlan(t, "session restore points", plan(t, db, relatedStmt(emcdp.BackupJobSessionDesc.Related, 2), a[:], b[:]),
		"USING INDEX restore_points_job_session_id (job_session_id=?)")
}

// TestKindColumnAdded checks that a described property added after a
// table was made gets its column when the store opens: the column is
// dropped from a store, and reopening adds it back and serves it.
func TestKindColumnAdded(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "x.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.w.Exec("ALTER TABLE repositories DROP COLUMN kind"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if db, err = Open(ctx, path); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r := emcdp.Repository{ID: emcdp.NewID(), Name: "r", Kind: "LinuxLocal", Capacity: 5, FreeSpace: 1}
	if err := db.Apply(ctx, &emcdp.Batch{Repositories: []emcdp.Repository{r}}); err != nil {
		t.Fatal(err)
	}
	got, err := db.Resource(ctx, emcdp.KindRepository, r.ID)
	if err != nil || *got.(*emcdp.Repository) != r {
		t.Fatalf("after the column was added: %+v, %v", got, err)
	}
}

// BenchmarkMonitoringQueries runs the monitoring clients' queries over
// 1,000,000 backup task sessions (-short: 100,000).
func BenchmarkMonitoringQueries(b *testing.B) {
	n := 1_000_000
	if testing.Short() {
		n = 100_000
	}
	db := cachedGenDB(b, fmt.Sprintf("emcdp-bench-vbr-s%d-g%d-%d.db", SchemaVersion(), genVersion, n), "backup task sessions", n,
		func(ctx context.Context, db *DB) error { return storetest.GenerateVBR(ctx, db, n, 10000) })
	storetest.BenchmarkMonitoringQueries(b, db)
}
