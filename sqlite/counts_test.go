package sqlite

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/sqlgen"
	"github.com/emcdp/emcdp/storetest"
)

// TestCountsStartedFromRows checks that a database holding sessions but no
// counts by day (written before they were kept) gets them when it opens:
// deep pages and day-window totals then agree with the plain walk.
func TestCountsStartedFromRows(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := storetest.Generate(ctx, db, 6000, 2000, false); err != nil {
		t.Fatal(err)
	}
	if _, err := db.w.Exec("DELETE FROM " + sqlgen.CountsTable); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if db, err = Open(ctx, path); err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	checkCounts(t, db, "reopened")

	k := emcdp.KindCdpReplicaTaskSession
	created, _ := emcdp.LookupField(k, "CreationTimeUTC")
	size, _ := emcdp.LookupField(k, "TotalSize")
	// A filter that every row passes takes the page off the counts.
	all := &emcdp.Term{Field: size, Op: emcdp.OpGe, Value: emcdp.Value{Int: 0}}
	pages := func(label string) {
		for _, desc := range []bool{false, true} {
			q := emcdp.Query{Kind: k, Sort: &created, Desc: desc, PageSize: 100, Page: 31}
			plain := q
			plain.Filter = all
			got, want := ids(t, db, &q), ids(t, db, &plain)
			if len(want) != 100 || !slices.Equal(got, want) {
				t.Errorf("%s: desc=%v: page from the counts %v, walked %v", label, desc, got, want)
			}
		}
	}
	pages("reopened")
	// Rows written by a version that kept no counts leave them apart from
	// row_counts: pages are then walked, and still right.
	if _, err := db.w.Exec("UPDATE " + sqlgen.CountsTable + " SET n = n + 40 WHERE bucket = (SELECT min(bucket) FROM " +
		sqlgen.CountsTable + ")"); err != nil {
		t.Fatal(err)
	}
	pages("inconsistent")
	mid, err := db.Query(ctx, &emcdp.Query{Kind: k, Filter: all, PageSize: 1, Page: 3000})
	if err != nil || len(mid.TaskSessions) != 1 {
		t.Fatalf("middle row: %v", err)
	}
	day := mid.TaskSessions[0].CreationTime.Truncate(24 * time.Hour)
	window := &emcdp.And{Terms: []emcdp.Expr{
		&emcdp.Term{Field: created, Op: emcdp.OpGe, Value: emcdp.Value{Time: day}},
		&emcdp.Term{Field: created, Op: emcdp.OpLt, Value: emcdp.Value{Time: day.AddDate(0, 0, 1)}}}}
	res, err := db.Query(ctx, &emcdp.Query{Kind: k, Filter: window, PageSize: 1, Page: 1})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.r.QueryRow("SELECT count(*) FROM task_sessions WHERE creation_time >= ? AND creation_time < ?",
		day.UnixNano(), day.AddDate(0, 0, 1).UnixNano()).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n == 0 || res.Total != n {
		t.Errorf("day window: Total %d, want %d", res.Total, n)
	}
}

func ids(t *testing.T, db *DB, q *emcdp.Query) []emcdp.ID {
	t.Helper()
	res, err := db.Query(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	var out []emcdp.ID
	for _, s := range res.TaskSessions {
		out = append(out, s.ID)
	}
	return out
}

// TestCountsKept checks that the counts by day equal the rows of each day
// after inserts on new and past days and a prune in the middle of a day.
func TestCountsKept(t *testing.T) {
	db := openTemp(t)
	defer db.Close()
	storetest.RunCountsKept(t, db, func(t *testing.T, label string) { checkCounts(t, db, label) })
}

// checkCounts compares the counts by day of the session tables with their
// rows.
func checkCounts(t *testing.T, db *DB, label string) {
	t.Helper()
	for _, tbl := range []string{"task_sessions", "policy_sessions"} {
		q := "SELECT count(*) FROM (SELECT bucket, n FROM " + sqlgen.CountsTable + " WHERE tbl = ? AND n <> 0 EXCEPT " +
			"SELECT creation_time / ?, count(*) FROM " + tbl + " GROUP BY 1)"
		var diff, rows int
		if err := db.r.QueryRow(q, tbl, sqlgen.BucketWidth).Scan(&diff); err != nil {
			t.Fatal(err)
		}
		if err := db.r.QueryRow("SELECT count(DISTINCT creation_time / ?) FROM "+tbl, sqlgen.BucketWidth).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		var kept int
		if err := db.r.QueryRow("SELECT count(*) FROM "+sqlgen.CountsTable+" WHERE tbl = ? AND n <> 0", tbl).Scan(&kept); err != nil {
			t.Fatal(err)
		}
		if diff != 0 || kept != rows {
			t.Errorf("%s: %s: %d of %d counted days differ from the %d days of rows", label, tbl, diff, kept, rows)
		}
	}
}
