package sqlite

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

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
		"USING COVERING INDEX restore_points_job_session_id_id_name (job_session_id=?)")
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

// TestRelatedNames reads a job session's restore points back through the
// one value that carries them all (relatedStmt), by id and in a query
// page, with names of every length class of their packed form (empty, one
// to three bytes per 16-bit half, more than 65,535 bytes) and bytes that
// no text form would keep (NUL, invalid UTF-8), next to a session with
// none.
func TestRelatedNames(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "related.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	at := time.Date(2026, 11, 29, 7, 0, 0, 0, time.UTC)
	with := emcdp.JobSession{ID: emcdp.NewID(), Name: "a@2026-11-29 07:00:00", JobName: "a", CreationTime: at}
	without := emcdp.JobSession{ID: emcdp.NewID(), Name: "b@2026-11-29 07:00:01", JobName: "b", CreationTime: at.Add(time.Second)}
	names := []string{"", "x", "2026-11-29 07:00:00.123456", "nul\x00inside", "\xff\xfe not UTF-8", "ü€😀",
		strings.Repeat("m", 0x7f), strings.Repeat("m", 0x80), strings.Repeat("m", 0x7ff), strings.Repeat("m", 0x800),
		strings.Repeat("l", 0xffff), strings.Repeat("l", 0x10000), strings.Repeat("l", 0x1d800)}
	b := &emcdp.Batch{NewJobSessions: []emcdp.JobSession{with, without}}
	var want []emcdp.Ref
	for _, n := range names {
		p := emcdp.RestorePoint{ID: emcdp.NewID(), Name: n, JobSessionID: with.ID, BackupDate: at}
		b.RestorePoints = append(b.RestorePoints, p)
		want = append(want, emcdp.Ref{ID: p.ID, Name: n})
	}
	emcdp.SortRefs(want)
	if err := db.Apply(ctx, b); err != nil {
		t.Fatal(err)
	}
	got, err := db.Resource(ctx, emcdp.KindBackupJobSession, with.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.(*emcdp.JobSession).RestorePoints, want) {
		t.Errorf("by id: %d points, want %d, or other names", len(got.(*emcdp.JobSession).RestorePoints), len(want))
	}
	res, err := db.Query(ctx, &emcdp.Query{Kind: emcdp.KindBackupJobSession, PageSize: 10, Page: 1})
	if err != nil || res.Len() != 2 {
		t.Fatalf("query: %d items, %v", res.Len(), err)
	}
	for _, it := range res.Items {
		s := it.(*emcdp.JobSession)
		w := want
		if s.ID == without.ID {
			w = nil
		}
		if !slices.Equal(s.RestorePoints, w) || w == nil && s.RestorePoints != nil {
			t.Errorf("query, session %s: %d points, want %d, or other names", s.Name, len(s.RestorePoints), len(w))
		}
	}
}

// TestQueryVersioned checks that a versioned query gives the page's ids and
// versions in the order of Query's page, and in full, in that order and
// equal to Query's items, exactly the items the caller lacks: for pages
// placed in their day from the counts (whose first row is remembered as an
// anchor), filtered and sorted pages, and sessions with restore points.
func TestQueryVersioned(t *testing.T) {
	ctx := context.Background()
	generated := openTemp(t)
	if err := storetest.GenerateVBR(ctx, generated, 20000, 5000); err != nil {
		t.Fatal(err)
	}
	withPoints := openTemp(t)
	if err := withPoints.Apply(ctx, storetest.NewDataset(11, 2, 5, 14, 40).Batch(rand.New(rand.NewPCG(1, 2)))); err != nil {
		t.Fatal(err)
	}
	byCreation, _ := emcdp.LookupField(emcdp.KindBackupJobSession, "CreationTime")
	byEnd, _ := emcdp.LookupField(emcdp.KindBackupJobSession, "EndTime")
	result, _ := emcdp.LookupField(emcdp.KindBackupJobSession, "Result")
	for _, db := range []*DB{generated, withPoints} {
		for _, q := range []emcdp.Query{
			{PageSize: 100, Page: 1},
			{PageSize: 30, Page: 7, Sort: &byCreation},
			{PageSize: 30, Page: 9, Sort: &byCreation, Desc: true},
			{PageSize: 25, Page: 3, Sort: &byEnd, Desc: true},
			{PageSize: 10, Page: 2, Filter: &emcdp.Term{Field: result, Op: emcdp.OpEq, Value: emcdp.Value{Int: int64(emcdp.ResultSuccess)}}},
			{PageSize: 10, Page: 1000},
		} {
			q.Kind = emcdp.KindBackupJobSession
			want, err := db.Query(ctx, &q)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[emcdp.ID]int64{}
			lacks := func(id emcdp.ID, ver int64) bool { seen[id] = ver; return len(seen)%3 == 0 }
			vp, err := db.QueryVersioned(ctx, &q, lacks)
			if err != nil {
				t.Fatal(err)
			}
			name := fmt.Sprintf("page %d of %d sorted %v desc %v filtered %v", q.Page, q.PageSize, q.Sort != nil, q.Desc, q.Filter != nil)
			if vp.Res.Total != want.Total || len(vp.IDs) != len(want.Items) || len(vp.Vers) != len(vp.IDs) {
				t.Fatalf("%s: %d of %d items; want %d of %d", name, len(vp.IDs), vp.Res.Total, len(want.Items), want.Total)
			}
			var full []any
			for i, id := range vp.IDs {
				if want := want.Items[i].(*emcdp.JobSession).ID; id != want {
					t.Fatalf("%s: item %d is %s; want %s", name, i, id, want)
				}
				if vp.Vers[i] <= 0 || seen[id] != vp.Vers[i] {
					t.Fatalf("%s: item %d at version %d (told %d)", name, i, vp.Vers[i], seen[id])
				}
				if (i+1)%3 != 0 {
					full = append(full, want.Items[i])
				}
			}
			if got, want := sessionsText(vp.Res.Items), sessionsText(full); got != want {
				t.Fatalf("%s: read in full\n%s\nwant\n%s", name, got, want)
			}
		}
	}
	if _, err := generated.QueryVersioned(ctx, &emcdp.Query{Kind: emcdp.KindReplicaJobSession, PageSize: 1, Page: 1}, nil); err == nil {
		t.Error("a versioned query of an unversioned kind")
	}
}

// sessionsText is the text of job sessions, every field.
func sessionsText(items []any) string {
	var b strings.Builder
	for _, it := range items {
		fmt.Fprintf(&b, "%+v\n", *it.(*emcdp.JobSession))
	}
	return b.String()
}
