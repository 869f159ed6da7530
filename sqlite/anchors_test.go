package sqlite

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/sqlgen"
	"github.com/emcdp/emcdp/storetest"
)

// TestDeepPageAnchors holds deep pages read from remembered anchors to the
// same pages cut from the whole order, across writes: a session added to
// the anchor's day before the page's first row (which moves every row of
// the page by one), a session added to another day (which leaves the
// anchor in use), sessions removed from the anchor's day by the trim, and a
// day removed with its count by another writer. It fails if an anchor is
// used after its day changed, or is never used, or if the store's copy of
// the counts by day is used after they changed.
func TestDeepPageAnchors(t *testing.T) {
	ctx := context.Background()
	db := openGenerated(t)
	k := emcdp.KindCdpReplicaTaskSession
	created, _ := emcdp.LookupField(k, "CreationTimeUTC")
	page := func(desc bool, n int) *emcdp.Query {
		return &emcdp.Query{Kind: k, Sort: &created, Desc: desc, PageSize: 100, Page: n, Refs: true}
	}
	// check reads page n twice and holds both to the page cut from the
	// whole order; the second read must start from an anchor.
	check := func(step string, desc bool, n int) []emcdp.TaskSession {
		t.Helper()
		all, err := db.Query(ctx, &emcdp.Query{Kind: k, Sort: &created, Desc: desc, Refs: true})
		if err != nil {
			t.Fatal(err)
		}
		want := all.TaskSessions[(n-1)*100 : n*100]
		for i := range 2 {
			res, err := db.Query(ctx, page(desc, n))
			if err != nil {
				t.Fatal(err)
			}
			if res.Total != len(all.TaskSessions) || !slices.Equal(res.TaskSessions, want) {
				t.Fatalf("%s, read %d: page %d (desc %v) is not the page of the whole order (total %d, want %d)",
					step, i+1, n, desc, res.Total, len(all.TaskSessions))
			}
		}
		if !db.hasAnchor(desc, want[0]) {
			t.Fatalf("%s: no anchor at the first row of page %d (desc %v)", step, n, desc)
		}
		return want
	}

	// Newest first, page 83 starts in the second day (rows 8,200 on).
	first := check("before writes", true, 83)
	add := func(at time.Time) {
		t.Helper()
		s := first[0]
		s.ID, s.CreationTime, s.EndTime = emcdp.NewID(), at, at.Add(time.Minute)
		if err := db.Apply(ctx, &emcdp.Batch{NewTaskSessions: []emcdp.TaskSession{s}}); err != nil {
			t.Fatal(err)
		}
	}
	// A session of the same day created after the page's first row comes
	// before it, newest first: the page moves by one row.
	add(first[0].CreationTime.Add(time.Second))
	if got := check("a session added to the anchor's day", true, 83); got[0] == first[0] {
		t.Fatal("the page did not move")
	}
	// A session of today comes before the whole day, but the anchor's day
	// is unchanged and its anchor serves.
	day := sqlgen.Bucket(sqlgen.Nanos(first[0].CreationTime))
	ver := db.dayVersion(t, day)
	add(storetest.BenchEnd.Add(time.Hour))
	if db.dayVersion(t, day) != ver {
		t.Fatal("a session of another day changed the anchor's day's version")
	}
	moved := check("a session added to another day", true, 83)
	if moved[0] == first[0] {
		t.Fatal("the page did not move")
	}

	// The read starts from the anchor: one moved by a row moves the page.
	db.anchors.mu.Lock()
	for _, da := range db.anchors.days {
		for i := range da.at {
			if da.at[i].key == (sqlgen.Key{Created: sqlgen.Nanos(moved[0].CreationTime), ID: moved[0].ID}) {
				da.at[i].key = sqlgen.Key{Created: sqlgen.Nanos(moved[1].CreationTime), ID: moved[1].ID}
			}
		}
	}
	db.anchors.mu.Unlock()
	if res, err := db.Query(ctx, page(true, 83)); err != nil || res.TaskSessions[0] != moved[1] {
		t.Fatalf("the page does not start from its anchor: %v", err)
	}
	db.anchors = anchors{}

	// Oldest first, page 73 starts at row 1,200 of the second day; the
	// trim removes the first day and the rows of the second before its
	// anchor, and page 21 then starts at row 2,000 of the second day, so
	// that the anchor at row 1,200 would be used if it were taken for the
	// day's rows as they are now.
	asc := check("oldest first", false, 73)
	cut := asc[0].CreationTime.Add(-time.Hour)
	if err := db.Apply(ctx, &emcdp.Batch{DeleteSessionsBefore: cut}); err != nil {
		t.Fatal(err)
	}
	if got := check("the trim inside the anchor's day", false, 21); sqlgen.Bucket(sqlgen.Nanos(got[0].CreationTime)) != sqlgen.Bucket(sqlgen.Nanos(asc[0].CreationTime)) {
		t.Fatal("page 21 after the trim does not start in the anchor's day")
	}

	// Another writer removes a whole day's sessions and its count, and
	// keeps the row count: the counts the store copied no longer hold.
	check("before another writer", false, 71)
	gone := sqlgen.Bucket(sqlgen.Nanos(asc[0].CreationTime)) + 1
	tx, err := db.w.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for _, q := range []string{
		"UPDATE row_counts SET n = n - (SELECT n FROM " + sqlgen.CountsTable + " WHERE tbl = 'task_sessions' AND bucket = ?1) WHERE tbl = 'task_sessions'",
		"DELETE FROM task_sessions WHERE creation_time >= ?1 * " + strconv.FormatInt(sqlgen.BucketWidth, 10) + " AND creation_time < (?1 + 1) * " + strconv.FormatInt(sqlgen.BucketWidth, 10),
		"DELETE FROM " + sqlgen.CountsTable + " WHERE tbl = 'task_sessions' AND bucket = ?1",
	} {
		if _, err := tx.Exec(q, gone); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	check("after another writer removed a day", false, 71)
}

// hasAnchor reports whether row s is remembered as an anchor in the order
// that desc names.
func (db *DB) hasAnchor(desc bool, s emcdp.TaskSession) bool {
	db.anchors.mu.Lock()
	defer db.anchors.mu.Unlock()
	key := sqlgen.Key{Created: sqlgen.Nanos(s.CreationTime), ID: s.ID}
	for day, da := range db.anchors.days {
		if day.desc == desc && slices.ContainsFunc(da.at, func(a anchor) bool { return a.key == key }) {
			return true
		}
	}
	return false
}

// dayVersion returns the version of the count of the CDP task sessions of
// day.
func (db *DB) dayVersion(t *testing.T, day int64) int64 {
	t.Helper()
	var ver int64
	if err := db.r.QueryRow("SELECT ver FROM "+sqlgen.CountsTable+" WHERE tbl = 'task_sessions' AND bucket = ?", day).Scan(&ver); err != nil {
		t.Fatal(err)
	}
	return ver
}
