package sqlgen

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
)

func field(t *testing.T, k emcdp.Kind, name string) emcdp.Field {
	t.Helper()
	f, ok := emcdp.LookupField(k, name)
	if !ok {
		t.Fatalf("no field %s on %s", name, k)
	}
	return f
}

func TestCompile(t *testing.T) {
	const ts = emcdp.KindCdpReplicaTaskSession
	day := time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC)
	id := emcdp.ID{0xab, 1, 2, 3}
	term := func(k emcdp.Kind, name string, op emcdp.Op, v emcdp.Value) *emcdp.Term {
		return &emcdp.Term{Field: field(t, k, name), Op: op, Value: v}
	}
	sortF := func(k emcdp.Kind, name string) *emcdp.Field { f := field(t, k, name); return &f }
	tests := []struct {
		name   string
		q      emcdp.Query
		sqlite string
		pg     string
	}{
		{"default sort, no filter", emcdp.Query{Kind: ts},
			"ORDER BY creation_time ASC, id ASC []",
			"ORDER BY creation_time ASC, id ASC []"},
		{"day window, paged", emcdp.Query{Kind: ts, Filter: &emcdp.And{Terms: []emcdp.Expr{
			term(ts, "CreationTimeUTC", emcdp.OpGe, emcdp.Value{Time: day}),
			term(ts, "CreationTimeUTC", emcdp.OpLt, emcdp.Value{Time: day.AddDate(0, 0, 1)}),
		}}, PageSize: 100, Page: 3},
			"WHERE creation_time >= ? AND creation_time < ? ORDER BY creation_time ASC, id ASC LIMIT +? OFFSET ? [1781481600000000000 1781568000000000000 100 200]",
			"WHERE creation_time >= $1 AND creation_time < $2 ORDER BY creation_time ASC, id ASC LIMIT $3 OFFSET $4 [1781481600000000000 1781568000000000000 100 200]"},
		{"string equality folds, enum order is integer", emcdp.Query{Kind: ts, Filter: &emcdp.And{Terms: []emcdp.Expr{
			term(ts, "VmDisplayName", emcdp.OpEq, emcdp.Value{Str: "SQL01"}),
			term(ts, "Result", emcdp.OpGe, emcdp.Value{Int: int64(emcdp.ResultWarning)}),
		}}},
			"WHERE vm_display_name = +? AND result >= ? ORDER BY creation_time ASC, id ASC [SQL01 2]",
			`WHERE lower(vm_display_name COLLATE "C") = $1 AND result >= $2 ORDER BY creation_time ASC, id ASC [sql01 2]`},
		{"absent values satisfy only !=", emcdp.Query{Kind: ts, Filter: &emcdp.Or{Terms: []emcdp.Expr{
			term(ts, "Reason", emcdp.OpNe, emcdp.Value{Str: "x"}),
			term(ts, "EndTimeUTC", emcdp.OpNe, emcdp.Value{Time: time.Unix(0, 5)}),
			term(ts, "EndTimeUTC", emcdp.OpLt, emcdp.Value{Time: time.Unix(0, 5)}),
			term(ts, "State", emcdp.OpNe, emcdp.Value{Int: 2}),
		}}},
			"WHERE (reason IS NULL OR reason <> +?) OR (end_time IS NULL OR end_time <> ?) OR end_time < ? OR state <> ? ORDER BY creation_time ASC, id ASC [x 5 5 2]",
			`WHERE (reason IS NULL OR lower(reason COLLATE "C") <> $1) OR (end_time IS NULL OR end_time <> $2) OR end_time < $3 OR state <> $4 ORDER BY creation_time ASC, id ASC [x 5 5 2]`},
		{"nesting parenthesised", emcdp.Query{Kind: ts, Filter: &emcdp.And{Terms: []emcdp.Expr{
			&emcdp.Or{Terms: []emcdp.Expr{
				term(ts, "State", emcdp.OpEq, emcdp.Value{Int: 0}),
				&emcdp.And{Terms: []emcdp.Expr{term(ts, "TotalSize", emcdp.OpGt, emcdp.Value{Int: 7}), term(ts, "TotalSize", emcdp.OpLe, emcdp.Value{Int: 9})}},
			}},
			term(ts, "Id", emcdp.OpLt, emcdp.Value{ID: id}),
		}}},
			"WHERE (state = ? OR (total_size > ? AND total_size <= ?)) AND id < +? ORDER BY creation_time ASC, id ASC [0 7 9 [171 1 2 3 0 0 0 0 0 0 0 0 0 0 0 0]]",
			"WHERE (state = $1 OR (total_size > $2 AND total_size <= $3)) AND id < $4 ORDER BY creation_time ASC, id ASC [0 7 9 [171 1 2 3 0 0 0 0 0 0 0 0 0 0 0 0]]"},
		{"empty and/or", emcdp.Query{Kind: ts, Filter: &emcdp.Or{Terms: []emcdp.Expr{&emcdp.And{}, &emcdp.Or{}}}},
			"WHERE 1 = 1 OR 1 = 0 ORDER BY creation_time ASC, id ASC []",
			"WHERE 1 = 1 OR 1 = 0 ORDER BY creation_time ASC, id ASC []"},
		{"sort desc on time", emcdp.Query{Kind: ts, Sort: sortF(ts, "CreationTime"), Desc: true, PageSize: 100, Page: 5000},
			"ORDER BY creation_time DESC, id ASC LIMIT +? OFFSET ? [100 499900]",
			"ORDER BY creation_time DESC, id ASC LIMIT $1 OFFSET $2 [100 499900]"},
		{"sort on nullable column", emcdp.Query{Kind: ts, Sort: sortF(ts, "EndTimeUTC")},
			"ORDER BY end_time ASC, id ASC []",
			"ORDER BY end_time ASC NULLS FIRST, id ASC []"},
		{"sort desc on nullable string", emcdp.Query{Kind: emcdp.KindCdpReplicaSession, Sort: sortF(emcdp.KindCdpReplicaSession, "FailureMessage"), Desc: true},
			"ORDER BY failure_message DESC, id ASC []",
			`ORDER BY lower(failure_message COLLATE "C") DESC NULLS LAST, id ASC []`},
		{"sort by id has no tie-breaker", emcdp.Query{Kind: emcdp.KindBackupServer, Sort: sortF(emcdp.KindBackupServer, "UID"), Desc: true},
			"ORDER BY id DESC []",
			"ORDER BY id DESC []"},
		{"policy default sort, bool", emcdp.Query{Kind: emcdp.KindCdpPolicy, Filter: term(emcdp.KindCdpPolicy, "ScheduleEnabled", emcdp.OpNe, emcdp.Value{Bool: true})},
			`WHERE schedule_enabled <> ? ORDER BY name ASC, id ASC [true]`,
			`WHERE schedule_enabled <> $1 ORDER BY lower(name COLLATE "C") ASC, id ASC [true]`},
	}
	for _, tc := range tests {
		for _, d := range []struct {
			d    *Dialect
			want string
		}{{&SQLite, tc.sqlite}, {&Postgres, tc.pg}} {
			c, err := Compile(d.d, &tc.q)
			if err != nil {
				t.Errorf("%s/%s: %v", tc.name, d.d.Name, err)
				continue
			}
			if got := clausesText(c); got != d.want {
				t.Errorf("%s/%s:\n got %s\nwant %s", tc.name, d.d.Name, got, d.want)
			}
		}
	}
}

func TestCompileWhereArgsPrefix(t *testing.T) {
	f := field(t, emcdp.KindCdpReplicaSession, "Name")
	c, err := Compile(&Postgres, &emcdp.Query{Kind: emcdp.KindCdpReplicaSession,
		Filter: &emcdp.Term{Field: f, Op: emcdp.OpEq, Value: emcdp.Value{Str: "A"}}, PageSize: 10, Page: 1})
	if err != nil {
		t.Fatal(err)
	}
	if c.WhereArgs != 1 || len(c.Args) != 3 || c.Offset != 0 {
		t.Fatalf("WhereArgs %d, Args %v, Offset %d", c.WhereArgs, c.Args, c.Offset)
	}
}

func TestCompileErrors(t *testing.T) {
	ts := emcdp.KindCdpReplicaTaskSession
	foreign := field(t, emcdp.KindCdpPolicy, "NextRun")
	bogus := emcdp.Field{Name: "Name", Type: emcdp.TypeString, Column: "name; DROP TABLE x"}
	boolF := field(t, emcdp.KindCdpPolicy, "ScheduleEnabled")
	tests := []emcdp.Query{
		{Kind: 0},
		{Kind: ts, Filter: &emcdp.Term{Field: foreign, Op: emcdp.OpEq}},
		{Kind: ts, Filter: &emcdp.Term{Field: bogus, Op: emcdp.OpEq}},
		{Kind: ts, Filter: &emcdp.And{Terms: []emcdp.Expr{nil}}},
		{Kind: ts, Filter: &emcdp.Term{Field: field(t, ts, "Name"), Op: emcdp.Op(9)}},
		{Kind: emcdp.KindCdpPolicy, Filter: &emcdp.Term{Field: boolF, Op: emcdp.OpLt}},
		{Kind: ts, Sort: &bogus},
		{Kind: ts, PageSize: -1},
		{Kind: ts, PageSize: 10, Page: 0},
		{Kind: ts, PageSize: 1 << 40, Page: 1 << 40},
	}
	for i, q := range tests {
		_, err := Compile(&SQLite, &q)
		var e *emcdp.Error
		if !errors.As(err, &e) || e.Code != emcdp.EInvalid {
			t.Errorf("case %d: got %v, want an EInvalid error", i, err)
		}
	}
	if _, err := Compile(&SQLite, nil); err == nil {
		t.Error("nil query accepted")
	}
}

func TestNanosClamps(t *testing.T) {
	if got := Nanos(time.Date(1500, 1, 1, 0, 0, 0, 0, time.UTC)); got != -1<<63 {
		t.Errorf("1500: %d", got)
	}
	if got := Nanos(time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)); got != 1<<63-1 {
		t.Errorf("3000: %d", got)
	}
	if got := Nanos(time.Unix(1, 5)); got != 1e9+5 {
		t.Errorf("1s5ns: %d", got)
	}
}

func TestFoldASCII(t *testing.T) {
	for in, want := range map[string]string{"": "", "abc": "abc", "SQL01-Ä": "sql01-Ä", "Zz@[`": "zz@[`"} {
		if got := FoldASCII(in); got != want {
			t.Errorf("FoldASCII(%q) = %q, want %q", in, got, want)
		}
	}
}

func ExampleCompile() {
	f, _ := emcdp.LookupField(emcdp.KindCdpReplicaTaskSession, "VmDisplayName")
	c, _ := Compile(&Postgres, &emcdp.Query{Kind: emcdp.KindCdpReplicaTaskSession,
		Filter: &emcdp.Term{Field: f, Op: emcdp.OpEq, Value: emcdp.Value{Str: "Sql01"}}, PageSize: 100, Page: 1})
	fmt.Println(c.Where)
	fmt.Println(c.OrderBy)
	fmt.Println(c.Limit, c.Args)
	// Output:
	// lower(vm_display_name COLLATE "C") = $1
	// creation_time ASC, id ASC
	// LIMIT $2 OFFSET $3 [sql01 100 0]
}

// TestPageTotal checks when a page tells its Total and when a store must
// count: a full page, or an empty one past the first, does not tell.
func TestPageTotal(t *testing.T) {
	for _, c := range []struct {
		size, offset, n int
		noTotal         bool
		total           int
		told            bool
	}{
		{0, 0, 7, false, 7, true},    // unpaged
		{10, 20, 10, true, 30, true}, // no total asked
		{10, 20, 4, false, 24, true}, // the last page
		{10, 0, 0, false, 0, true},   // nothing at all
		{10, 20, 10, false, 0, false},
		{10, 0, 10, false, 0, false},
		{10, 20, 0, false, 0, false}, // past the end: how far is unknown
	} {
		q := &emcdp.Query{PageSize: c.size, NoTotal: c.noTotal}
		total, told := PageTotal(q, &Clauses{Offset: c.offset}, c.n)
		if total != c.total || told != c.told {
			t.Errorf("%+v: PageTotal = %d, %v", c, total, told)
		}
	}
}

// clausesText renders compiled clauses as one text.
func clausesText(c *Clauses) string {
	var sb strings.Builder
	if c.Where != "" {
		sb.WriteString("WHERE " + c.Where + " ")
	}
	sb.WriteString("ORDER BY " + c.OrderBy)
	if c.Limit != "" {
		sb.WriteString(" " + c.Limit)
	}
	fmt.Fprintf(&sb, " %v", c.Args)
	return sb.String()
}
