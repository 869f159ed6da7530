package postgres

import (
	"context"
	"testing"

	"github.com/emcdp/emcdp/sqlgen"
	"github.com/emcdp/emcdp/storetest"
)

// TestCountsKept checks that the counts by day equal the rows of each day
// after inserts on new and past days and a prune in the middle of a day.
func TestCountsKept(t *testing.T) {
	db := openFresh(t)
	defer db.Close()
	storetest.RunCountsKept(t, db, func(t *testing.T, label string) { checkCounts(t, db, label) })
}

// checkCounts compares the counts by day of the session tables with their
// rows.
func checkCounts(t *testing.T, db *DB, label string) {
	t.Helper()
	ctx := context.Background()
	for _, tbl := range []string{"task_sessions", "policy_sessions"} {
		var diff, days, kept int
		q := "SELECT count(*) FROM (SELECT bucket, n FROM " + sqlgen.CountsTable + " WHERE tbl = $1 AND n <> 0 EXCEPT " +
			"SELECT creation_time / $2, count(*) FROM " + tbl + " GROUP BY 1) AS d"
		if err := db.pool.QueryRow(ctx, q, tbl, sqlgen.BucketWidth).Scan(&diff); err != nil {
			t.Fatal(err)
		}
		if err := db.pool.QueryRow(ctx, "SELECT count(DISTINCT creation_time / $1) FROM "+tbl, sqlgen.BucketWidth).Scan(&days); err != nil {
			t.Fatal(err)
		}
		if err := db.pool.QueryRow(ctx, "SELECT count(*) FROM "+sqlgen.CountsTable+" WHERE tbl = $1 AND n <> 0", tbl).Scan(&kept); err != nil {
			t.Fatal(err)
		}
		if diff != 0 || kept != days {
			t.Errorf("%s: %s: %d of %d counted days differ from the %d days of rows", label, tbl, diff, kept, days)
		}
	}
}
