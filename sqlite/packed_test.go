package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/sqlgen"
	"github.com/emcdp/emcdp/storetest"
	"github.com/mattn/go-sqlite3"
)

// TestPackedPages holds pages of task sessions' references, which SQLite
// reads packed into one value (sqlgen.PackedRefs), to the same pages read
// row by row with every column: shallow and deep pages (the latter twice,
// the second from its anchor), oldest first, a day window, a VM's
// sessions, the collection's chunks, the whole order, and pages past the
// end. Sessions with ids of every byte and names of every length form (one
// to four bytes of UTF-8 for the length), NUL, bytes that are not UTF-8,
// a creation time before 1970, and names too long for the packed form
// (65,533 bytes, and more than 1,114,111) are among them; a page whose
// packed value would pass SQLite's limit of a string is read row by row.
func TestPackedPages(t *testing.T) {
	ctx := context.Background()
	db := openGenerated(t)
	k := emcdp.KindCdpReplicaTaskSession
	d := emcdp.KindDesc(k)
	field := func(n string) emcdp.Field { f, _ := emcdp.LookupField(k, n); return f }
	created, vm, idf := field("CreationTimeUTC"), field("VmDisplayName"), field("Id")

	newest, err := db.Query(ctx, &emcdp.Query{Kind: k, Sort: &created, Desc: true, PageSize: 1, Page: 1})
	if err != nil || len(newest.TaskSessions) != 1 {
		t.Fatalf("no task session: %v", err)
	}
	model := newest.TaskSessions[0]
	names := []string{"", "x", "nul\x00inside", "\xff\xfe not UTF-8", "ü€😀", strings.Repeat("m", 0x7f),
		strings.Repeat("m", 0x80), strings.Repeat("m", 0x7ff), strings.Repeat("m", 0x800), strings.Repeat("l", 0xd800),
		strings.Repeat("l", 0xffff), strings.Repeat("l", 0x10000), strings.Repeat("l", 0x10ffff)}
	long := []string{strings.Repeat("l", 0xfffd), strings.Repeat("l", 0x110000)}
	var batch []emcdp.TaskSession
	add := func(name string, at time.Time, i int) {
		s := model
		s.ID = emcdp.NewID()
		s.ID[0], s.ID[15] = byte(i), byte(255-i) // NUL and high bytes among the ids
		s.Name, s.PolicySessionName, s.BackupServerName = name, names[(i+1)%len(names)], names[(i+2)%len(names)]
		s.CreationTime, s.EndTime = at, at.Add(time.Minute)
		batch = append(batch, s)
	}
	// The edge names on the first page, newest first, the long ones after
	// them; one session from before 1970, first oldest first.
	for i, n := range names {
		add(n, model.CreationTime.Add(time.Duration(i+1)*time.Second), i)
	}
	for i, n := range long {
		add(n, model.CreationTime.Add(-time.Duration(i+1)*time.Microsecond), i)
	}
	add("before 1970", time.Date(1969, 12, 31, 23, 0, 0, 5, time.UTC), 7)
	if err := db.Apply(ctx, &emcdp.Batch{NewTaskSessions: batch}); err != nil {
		t.Fatal(err)
	}
	day := storetest.BenchEnd.AddDate(0, 0, -3)
	window := &emcdp.And{Terms: []emcdp.Expr{
		&emcdp.Term{Field: created, Op: emcdp.OpGe, Value: emcdp.Value{Time: day}},
		&emcdp.Term{Field: created, Op: emcdp.OpLt, Value: emcdp.Value{Time: day.AddDate(0, 0, 1)}}}}
	chunk := func(after *emcdp.TaskSession) emcdp.Query {
		q := storetest.HotQueries()["CollectionRefs"]
		q.Filter = &emcdp.Term{Field: created, Op: emcdp.OpGe, Value: emcdp.Value{Time: time.Unix(0, 0)}}
		if after != nil {
			t := emcdp.Value{Time: after.CreationTime}
			q.Filter = &emcdp.And{Terms: []emcdp.Expr{q.Filter, &emcdp.Term{Field: created, Op: emcdp.OpLe, Value: t},
				&emcdp.Or{Terms: []emcdp.Expr{&emcdp.Term{Field: created, Op: emcdp.OpLt, Value: t},
					&emcdp.Term{Field: idf, Op: emcdp.OpGt, Value: emcdp.Value{ID: after.ID}}}}}}
		}
		return q
	}
	queries := map[string]emcdp.Query{
		"shallow":               {Kind: k, Sort: &created, Desc: true, PageSize: 100, Page: 1},
		"long names":            {Kind: k, Sort: &created, Desc: true, PageSize: 100, Page: 1, Filter: &emcdp.Term{Field: created, Op: emcdp.OpLt, Value: emcdp.Value{Time: model.CreationTime}}},
		"deep":                  {Kind: k, Sort: &created, Desc: true, PageSize: 100, Page: 83},
		"deep again":            {Kind: k, Sort: &created, Desc: true, PageSize: 100, Page: 83},
		"oldest first":          {Kind: k, Sort: &created, PageSize: 100, Page: 1},
		"oldest first, deep":    {Kind: k, Sort: &created, PageSize: 100, Page: 120},
		"day window":            {Kind: k, PageSize: 100, Page: 1, Filter: window},
		"VM":                    {Kind: k, PageSize: 100, Page: 1, Filter: &emcdp.Term{Field: vm, Op: emcdp.OpEq, Value: emcdp.Value{Str: model.VmDisplayName}}},
		"whole order":           {Kind: k, Sort: &created, Desc: true},
		"past the end":          {Kind: k, Sort: &created, Desc: true, PageSize: 100, Page: 1000},
		"empty window":          {Kind: k, PageSize: 100, Page: 1, Filter: &emcdp.Term{Field: created, Op: emcdp.OpGt, Value: emcdp.Value{Time: time.Now()}}},
		"first chunk":           chunk(nil),
		"chunk after the names": chunk(&batch[len(names)+1]),
	}
	for name, q := range queries {
		q.Refs = true
		if !strings.Contains(selectStmt(sqlgen.Tables[k], &q, &sqlgen.Clauses{}), "group_concat") {
			t.Fatalf("%s: not read packed", name)
		}
		got, err := db.Query(ctx, &q)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		q.Refs = false
		want, err := db.Query(ctx, &q)
		if err != nil {
			t.Fatalf("%s, every column: %v", name, err)
		}
		if diff := refsDiff(d, got, want); diff != "" {
			t.Errorf("%s: %s", name, diff)
		}
	}
	if res, _ := db.Query(ctx, &emcdp.Query{Kind: k, PageSize: 1, Page: 1, Filter: window}); res.Total < 100 {
		t.Fatalf("the day window holds %d sessions, want a full page", res.Total)
	}

	// A page whose packed value passes SQLite's limit of a string, each
	// of whose rows is within it, is read row by row.
	var conns []*sql.Conn
	for range db.r.Stats().MaxOpenConnections {
		c, err := db.r.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		if err := c.Raw(func(dc any) error {
			dc.(*sqlite3.SQLiteConn).SetLimit(sqlite3.SQLITE_LIMIT_LENGTH, 1<<20)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
	q := emcdp.Query{Kind: k, Sort: &created, Desc: true, PageSize: 10000, Page: 1, Refs: true,
		Filter: &emcdp.Term{Field: created, Op: emcdp.OpLt, Value: emcdp.Value{Time: model.CreationTime.Add(-time.Second)}}}
	got, err := db.Query(ctx, &q)
	if err != nil {
		t.Fatalf("a packed value past the limit: %v", err)
	}
	q.Refs = false
	want, err := db.Query(ctx, &q)
	if err != nil {
		t.Fatal(err)
	}
	if diff := refsDiff(d, got, want); diff != "" || d.Len(got) != 10000 {
		t.Errorf("a packed value past the limit: %d items: %s", d.Len(got), diff)
	}
}

// refsDiff describes how the references in got differ from the items of
// want, or returns "".
func refsDiff(d *emcdp.Desc, got, want *emcdp.QueryResult) string {
	if got.Total != want.Total || d.Len(got) != d.Len(want) {
		return fmt.Sprintf("%d items of %d, want %d of %d", d.Len(got), got.Total, d.Len(want), want.Total)
	}
	for i := range d.Len(got) {
		for _, p := range sqlgen.RefProps(d) {
			g, w := p.Get(d.At(got, i)), p.Get(d.At(want, i))
			if g.Str != w.Str || g.ID != w.ID || !g.Time.Equal(w.Time) || g.Int != w.Int || g.Bool != w.Bool {
				return fmt.Sprintf("item %d: %s %.20q %v %v, want %.20q %v %v", i, p.Column, g.Str, g.ID, g.Time, w.Str, w.ID, w.Time)
			}
		}
	}
	return ""
}
