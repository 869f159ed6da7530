package postgres

import (
	"context"
	"strings"
	"testing"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/sqlgen"
	"github.com/emcdp/emcdp/storetest"
)

// explain returns the text plan of stmt.
func explain(t *testing.T, db *DB, stmt string, args ...any) string {
	t.Helper()
	rows, err := db.pool.Query(context.Background(), "EXPLAIN "+stmt, args...)
	if err != nil {
		t.Fatalf("EXPLAIN %s: %v", stmt, err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, strings.TrimSpace(l))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, " | ")
}

// TestQueryPlans asserts that the hot reads use the indexes built for them
// once the session tables have been vacuumed: no scan of the task table, the
// skipped rows of a deep page and the count of a time window read from an
// index alone, and the unfiltered count from row_counts.
func TestQueryPlans(t *testing.T) {
	ctx := context.Background()
	db := openFresh(t)
	defer db.Close()
	const n = 60000
	if err := storetest.Generate(ctx, db, n, 10000, false); err != nil {
		t.Fatal(err)
	}
	if err := db.Maintain(ctx); err != nil {
		t.Fatal(err)
	}
	qs := storetest.HotQueries()
	deep := qs["DeepPage"]
	deep.Page = n / 2 / deep.PageSize // half-way down, as page 5000 is in 1,000,000
	qs["DeepPage"] = deep
	want := map[string]struct{ page, count string }{
		"DayWindow": {"Index Scan using task_sessions_created ", "Index Only Scan using task_sessions_created "},
		"DeepPage":  {"Index Only Scan using task_sessions_created_desc", ""},
		"VmResult":  {"task_sessions_vm", "task_sessions_vm"},
		// Unpaged: its Total is the length of the answer, never counted.
		"Collection30d": {"Index Scan using task_sessions_created_desc", ""},
		// Its heap is in the order of creation here, so the heap's pages of a
		// chunk are few; TestCollectionRefsPlan reads a seeded one.
		"CollectionRefs": {"Index Scan using task_sessions_created_desc", ""},
	}
	for name, q := range qs {
		c, err := sqlgen.Compile(&sqlgen.Postgres, &q)
		if err != nil {
			t.Fatal(err)
		}
		page := c
		if sqlgen.SeekByCounts(&q) {
			page = seekPage(t, db, &q, c)
		}
		checkPlan(t, name+" page", explain(t, db, selectStmt(sqlgen.Tables[q.Kind], &q, page), page.Args...), want[name].page)
		if want[name].count != "" {
			s, args := countStmt(sqlgen.Tables[q.Kind], c)
			checkPlan(t, name+" count", explain(t, db, s, args...), want[name].count)
		}
	}
	s, args := countStmt(sqlgen.Tables[emcdp.KindCdpReplicaTaskSession], &sqlgen.Clauses{})
	checkPlan(t, "unfiltered count", explain(t, db, s, args...), "row_counts")
	id := emcdp.NewID()
	checkPlan(t, "by id", explain(t, db, "SELECT "+sqlgen.DescCols(emcdp.CdpReplicaTaskSessionDesc)+" FROM task_sessions WHERE id = $1", uid(&id)), "Index Scan using task_sessions_pkey")
}

// TestCollectionRefsPlan: a chunk of the collection's references is read
// from task_sessions_refs alone when the heap is in the order a seed writes
// it (one policy's history after another), where the rows of a chunk lie on
// as many heap pages as there are rows.
func TestCollectionRefsPlan(t *testing.T) {
	ctx := context.Background()
	db := openFresh(t)
	defer db.Close()
	if err := storetest.Generate(ctx, db, 30000, 10000, true); err != nil {
		t.Fatal(err)
	}
	if err := db.Maintain(ctx); err != nil {
		t.Fatal(err)
	}
	q := storetest.HotQueries()["CollectionRefs"]
	c, err := sqlgen.Compile(&sqlgen.Postgres, &q)
	if err != nil {
		t.Fatal(err)
	}
	// An index-only scan needs the visibility map that VACUUM sets, and it
	// cannot set it while a transaction older than the rows is open in the
	// database (another package's tests, sharing it); the plan then reads
	// the same index with heap fetches. Either way the covering index.
	checkPlan(t, "references", explain(t, db, selectStmt(sqlgen.Tables[q.Kind], &q, c), c.Args...), "Scan using task_sessions_refs")
}

func checkPlan(t *testing.T, name, plan, want string) {
	t.Helper()
	if !strings.Contains(plan+" ", want) {
		t.Errorf("%s: plan %q does not use %q", name, plan, want)
	}
	if strings.Contains(plan, "Seq Scan on task_sessions") {
		t.Errorf("%s: plan %q scans the task table", name, plan)
	}
}

// seekPage returns the clauses of q's page placed by the counts by day.
func seekPage(t *testing.T, db *DB, q *emcdp.Query, c *sqlgen.Clauses) *sqlgen.Clauses {
	t.Helper()
	ctx := context.Background()
	tx, err := db.pool.BeginTx(ctx, readTx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	page, err := seek(ctx, tx, q, c)
	if err != nil || page == nil {
		t.Fatalf("seek %v: %v, %v", q, page, err)
	}
	return page
}
