package postgres

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/sqlgen"
	"github.com/emcdp/emcdp/storetest"
)

// TestMonitoringQueryPlans asserts that the queries monitoring clients send
// read through the indexes of the described kinds once the tables have been
// vacuumed: the last sessions of a job by end time walk the job's end-time
// index with absent end times last and no sort, and the last day uses the
// creation-time index.
func TestMonitoringQueryPlans(t *testing.T) {
	ctx := context.Background()
	db := openFresh(t)
	defer db.Close()
	if err := storetest.GenerateVBR(ctx, db, 60000, 10000); err != nil {
		t.Fatal(err)
	}
	// restore points of the sessions, so that their read by session is
	// planned over a filled table
	sess, err := db.Query(ctx, &emcdp.Query{Kind: emcdp.KindBackupJobSession, PageSize: 5000, Page: 1})
	if err != nil {
		t.Fatal(err)
	}
	points := &emcdp.Batch{}
	for _, it := range sess.Items {
		s := it.(*emcdp.JobSession)
		for range 4 {
			points.RestorePoints = append(points.RestorePoints, emcdp.RestorePoint{ID: emcdp.NewID(),
				Name: emcdp.PointName(s.CreationTime), JobSessionID: s.ID, BackupDate: s.CreationTime})
		}
	}
	if err := db.Apply(ctx, points); err != nil {
		t.Fatal(err)
	}
	if err := db.Maintain(ctx); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"LastSession":  "Index Scan using backup_job_sessions_job_name_end_time_desc_id ",
		"LastFive":     "Index Scan using backup_job_sessions_job_name_end_time_desc_id ",
		"Sessions24h":  "Index Scan using backup_job_sessions_creation_time_id ",
		"Repositories": "repositories",
	}
	for name, q := range storetest.MonitoringQueries() {
		c, err := sqlgen.Compile(&sqlgen.Postgres, &q)
		if err != nil {
			t.Fatal(err)
		}
		p := explain(t, db, selectStmt(sqlgen.Tables[q.Kind], &q, c), c.Args...)
		checkPlan(t, name, p, want[name])
		if q.Kind == emcdp.KindBackupJobSession && (strings.Contains(p, "Seq Scan") || strings.Contains(p, "Sort ")) {
			t.Errorf("%s: plan %q scans or sorts", name, p)
		}
		res, err := db.Query(ctx, &q)
		if err != nil || res.Len() == 0 {
			t.Errorf("%s: %d items, %v", name, res.Len(), err)
		}
	}
	ids := [][16]byte{emcdp.NewID(), emcdp.NewID()}
	p := explain(t, db, relatedStmt(emcdp.BackupJobSessionDesc.Related), ids)
	checkPlan(t, "session restore points", p, "restore_points_job_session_id")
	if strings.Contains(p, "Seq Scan") {
		t.Errorf("session restore points: plan %q scans", p)
	}
}

// BenchmarkMonitoringQueries runs the monitoring clients' queries over
// 1,000,000 backup task sessions (-short: 100,000).
func BenchmarkMonitoringQueries(b *testing.B) {
	n := 1_000_000
	if testing.Short() {
		n = 100_000
	}
	db := cachedGenDB(b, fmt.Sprintf("emcdp_bench_vbr_s%d_g%d_%d", SchemaVersion(), genVersion, n), "backup task sessions", n,
		func(ctx context.Context, st *DB) error { return storetest.GenerateVBR(ctx, st, n, 10000) })
	storetest.BenchmarkMonitoringQueries(b, db)
}
