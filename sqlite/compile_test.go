package sqlite

import (
	"context"
	"database/sql"
	"sync/atomic"
	"testing"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/storetest"
	"github.com/mattn/go-sqlite3"
)

// TestHotReadsCompiledOnce checks that the statements of the bench's hot
// queries (a deep page placed by the counts by day, without an anchor and
// from one, a day window and its next page, a VM's sessions) are compiled once per reader and then reused with new values:
// SQLite compiles a statement again whenever a parameter it planned with is
// bound anew, which the driver does on every use (sqlgen.Opaque). The
// authorizer is asked about every SELECT SQLite compiles, so it counts
// compilations. The test fails when a LIMIT, a table name of the counts or
// a compared string is bound without sqlgen.Opaque.
func TestHotReadsCompiledOnce(t *testing.T) {
	ctx := context.Background()
	db := openGenerated(t)
	k := emcdp.KindCdpReplicaTaskSession
	created, _ := emcdp.LookupField(k, "CreationTimeUTC")
	day0 := storetest.BenchEnd.AddDate(0, 0, -3) // whole days of the history
	dayWindow := func(d, page, size int) *emcdp.Query {
		lo := day0.AddDate(0, 0, d)
		return &emcdp.Query{Kind: k, PageSize: size, Page: page, Filter: &emcdp.And{Terms: []emcdp.Expr{
			&emcdp.Term{Field: created, Op: emcdp.OpGe, Value: emcdp.Value{Time: lo}},
			&emcdp.Term{Field: created, Op: emcdp.OpLt, Value: emcdp.Value{Time: lo.AddDate(0, 0, 1)}}}}}
	}
	vm, _ := emcdp.LookupField(k, "VmDisplayName")
	result, _ := emcdp.LookupField(k, "Result")
	byVM := func(name string) *emcdp.Query {
		return &emcdp.Query{Kind: k, PageSize: 100, Page: 1, Filter: &emcdp.And{Terms: []emcdp.Expr{
			&emcdp.Term{Field: vm, Op: emcdp.OpEq, Value: emcdp.Value{Str: name}},
			&emcdp.Term{Field: result, Op: emcdp.OpGe, Value: emcdp.Value{Int: int64(emcdp.ResultSuccess)}}}}}
	}
	deep := func(page, size int) *emcdp.Query {
		return &emcdp.Query{Kind: k, Sort: &created, Desc: true, PageSize: size, Page: page}
	}

	// One reader, so that the second read of a shape runs on the
	// connection that compiled the first.
	db.r.SetMaxOpenConns(1)
	var compiles atomic.Int64
	setAuthorizer(t, db.r, func(op int, _, _, _ string) int {
		if op == sqlite3.SQLITE_SELECT {
			compiles.Add(1)
		}
		return sqlite3.SQLITE_OK
	})
	defer setAuthorizer(t, db.r, nil)

	for _, c := range []struct {
		name        string
		first, next *emcdp.Query
		forget      bool // the anchors of the first read, so that the next skips from the day's start
	}{
		{"deep page", deep(3, 100), deep(7, 50), true},
		// Pages of the newest day (6,000 sessions): both start at the
		// anchor that deep(7, 50) left at row 300.
		{"deep page at an anchor", deep(4, 100), deep(7, 50), false},
		// Both skip 100 rows from the anchor before them (row 300, then
		// row 400, which the first leaves).
		{"deep page after an anchor", deep(5, 100), deep(11, 50), false},
		{"day window", dayWindow(0, 1, 10), dayWindow(1, 1, 20), false},
		{"day window, next page", dayWindow(0, 2, 10), dayWindow(2, 3, 20), false},
		{"a VM's sessions", byVM("vm-00001"), byVM("vm-00002"), false},
	} {
		if _, err := db.Query(ctx, c.first); err != nil {
			t.Fatal(err)
		}
		if c.forget {
			db.anchors = anchors{}
		}
		before := compiles.Load()
		res, err := db.Query(ctx, c.next)
		if err != nil {
			t.Fatal(err)
		}
		if res.Len() == 0 {
			t.Fatalf("%s: no rows; the test needs a page with rows", c.name)
		}
		if n := compiles.Load() - before; n != 0 {
			t.Errorf("%s: %d statements compiled again for new values", c.name, n)
		}
	}
}

// setAuthorizer sets f as the authorizer of the one reader connection of
// pool r (nil removes it).
func setAuthorizer(t *testing.T, r *sql.DB, f func(int, string, string, string) int) {
	t.Helper()
	conn, err := r.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.Raw(func(dc any) error {
		dc.(*sqlite3.SQLiteConn).RegisterAuthorizer(f)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
