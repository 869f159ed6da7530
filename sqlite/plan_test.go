package sqlite

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/sqlgen"
	"github.com/emcdp/emcdp/storetest"
)

// plan returns the detail lines of EXPLAIN QUERY PLAN for stmt.
func plan(t *testing.T, db *DB, stmt string, args ...any) []string {
	t.Helper()
	rows, err := db.r.Query("EXPLAIN QUERY PLAN "+stmt, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		out = append(out, detail)
	}
	return out
}

// TestQueryPlans asserts that the hot reads use the indexes built for them:
// no table scan, no sort in a temporary b-tree, and the count of a filtered
// query answered from a covering index.
func TestQueryPlans(t *testing.T) {
	db := openGenerated(t)
	if _, err := db.w.Exec("ANALYZE"); err != nil {
		t.Fatal(err)
	}
	want := map[string]struct{ page, count string }{
		"DayWindow":     {"USING INDEX task_sessions_created ", "USING COVERING INDEX task_sessions_created"},
		"DeepPage":      {"SEARCH task_sessions USING COVERING INDEX task_sessions_refs (creation_time<?)", ""},
		"VmResult":      {"USING INDEX task_sessions_vm ", "USING INDEX task_sessions_vm "},
		"Collection30d": {"USING INDEX task_sessions_refs", "USING COVERING INDEX task_sessions_created"},
		// References: the index holds them, no visit of the table.
		"CollectionRefs": {"USING COVERING INDEX task_sessions_refs", ""},
	}
	for name, q := range storetest.HotQueries() {
		c, err := sqlgen.Compile(&sqlgen.SQLite, &q)
		if err != nil {
			t.Fatal(err)
		}
		page := c
		if sqlgen.SeekByCounts(&q) {
			// A page of these 30,000 rows, placed by the counts by day.
			q.Page = 100
			if c, err = sqlgen.Compile(&sqlgen.SQLite, &q); err != nil {
				t.Fatal(err)
			}
			page = seekPage(t, db, &q, c)
		}
		p := plan(t, db, selectStmt(sqlgen.Tables[q.Kind], &q, page), page.Args...)
		if c.Offset > 0 {
			// A deep page skips its offset over the covering index and
			// then sorts only the page's rows; the skip must not sort.
			p = withoutPageSort(p)
		}
		checkPlan(t, name+" page", p, want[name].page)
		if page != c && sqlgen.SeekByCounts(&q) {
			// The same page from an anchor: the walk starts at its key.
			at := sqlgen.SeekFrom(&sqlgen.SQLite, &q, c, sqlgen.Key{Created: sqlgen.Nanos(storetest.BenchEnd.Add(-time.Hour))}, 10)
			p = withoutPageSort(plan(t, db, selectStmt(sqlgen.Tables[q.Kind], &q, at), at.Args...))
			checkPlan(t, name+" page from an anchor", p, want[name].page)
			// At the anchor, read directly over the index, with no sort.
			at = sqlgen.SeekFrom(&sqlgen.SQLite, &q, c, sqlgen.Key{Created: sqlgen.Nanos(storetest.BenchEnd.Add(-time.Hour))}, 0)
			checkPlan(t, name+" page at an anchor", plan(t, db, selectStmt(sqlgen.Tables[q.Kind], &q, at), at.Args...), "INDEX task_sessions_")
			q.Refs = true
			checkPlan(t, name+" references at an anchor", plan(t, db, selectStmt(sqlgen.Tables[q.Kind], &q, at), at.Args...),
				"USING COVERING INDEX task_sessions_refs (creation_time<?)")
		}
		if want[name].count != "" {
			p = plan(t, db, "SELECT count(*) FROM task_sessions WHERE "+c.Where, c.Args[:c.WhereArgs]...)
			checkPlan(t, name+" count", p, want[name].count)
		}
	}
	id := emcdp.NewID()
	checkPlan(t, "by id", plan(t, db, "SELECT "+sqlgen.DescCols(emcdp.CdpReplicaTaskSessionDesc)+" FROM task_sessions WHERE id = ?", id[:]), "USING INDEX task_sessions_id (id=?)")
	checkPlan(t, "unfiltered count", plan(t, db, "SELECT n FROM row_counts WHERE tbl = ?", "task_sessions"), "USING PRIMARY KEY (tbl=?)")
}

func checkPlan(t *testing.T, name string, p []string, index string) {
	t.Helper()
	all := strings.Join(p, " | ") + " "
	if !strings.Contains(all, index) {
		t.Errorf("%s: plan %q does not use %q", name, all, index)
	}
	if strings.Contains(all, "TEMP B-TREE") {
		t.Errorf("%s: plan %q sorts in a temporary b-tree", name, all)
	}
	for _, l := range p {
		// A packed read of references scans its subquery, a co-routine
		// (selectStmt).
		if strings.HasPrefix(l, "SCAN ") && !strings.Contains(l, "INDEX") && !strings.HasPrefix(l, "SCAN (subquery-") {
			t.Errorf("%s: plan %q scans a table", name, all)
		}
	}
}

// withoutPageSort drops the last line of a deep page's plan when it is the
// sort of the page's own rows (at most pageSize of them) in the outer query.
func withoutPageSort(p []string) []string {
	if n := len(p); n > 0 && strings.Contains(p[n-1], "TEMP B-TREE FOR ORDER BY") {
		return p[:n-1]
	}
	return p
}

// TestHistogramPlan: the timeline's counts come from the covering index,
// never from a scan of the table.
func TestHistogramPlan(t *testing.T) {
	ctx := context.Background()
	db := openGenerated(t)
	if _, err := db.w.Exec("ANALYZE"); err != nil {
		t.Fatal(err)
	}
	res, err := db.Query(ctx, &emcdp.Query{Kind: emcdp.KindCdpReplicaTaskSession, Page: 1, PageSize: 1})
	if err != nil || len(res.TaskSessions) == 0 {
		t.Fatalf("no task session: %v", err)
	}
	ts := res.TaskSessions[0]
	h := &emcdp.Histogram{From: ts.CreationTime, To: ts.CreationTime.Add(7 * 24 * time.Hour), Width: time.Hour}
	stmt, args := histogramStmt(h)
	p := strings.Join(plan(t, db, stmt, args...), " | ")
	if !strings.Contains(p, "USING COVERING INDEX task_sessions_histogram") {
		t.Errorf("by policy: %s", p)
	}
	h.Parent = &ts.PolicyID
	stmt, args = histogramStmt(h)
	p = strings.Join(plan(t, db, stmt, args...), " | ")
	if !strings.Contains(p, "INDEX task_sessions_histogram") {
		t.Errorf("by VM: %s", p)
	}
}

// seekPage returns the clauses of q's page placed by the counts by day.
func seekPage(t *testing.T, db *DB, q *emcdp.Query, c *sqlgen.Clauses) *sqlgen.Clauses {
	t.Helper()
	tx, err := db.r.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	page, _, err := db.seek(context.Background(), tx, q, c)
	if err != nil || page == nil {
		t.Fatalf("seek %v: %v, %v", q, page, err)
	}
	return page
}
