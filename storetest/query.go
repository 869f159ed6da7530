package storetest

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/query"
)

// changeCase upper-cases (or lower-cases) ASCII letters only, to write a
// literal that differs from the stored text by letter case alone.
func changeCase(s string, upper bool) string {
	from, to := byte('a'), byte('A')
	if !upper {
		from, to = to, from
	}
	b := []byte(s)
	for i, c := range b {
		if from <= c && c <= from+'z'-'a' {
			b[i] = c - from + to
		}
	}
	return string(b)
}

// literalFrom returns a literal equal to item's value of field f (its ASCII
// letters all upper or all lower case for strings), or a present value of
// the field type when item's is an absent time.
func literalFrom(r *rand.Rand, f emcdp.Field, item any) emcdp.Value {
	v, present := query.FieldValue(item, f)
	switch f.Type {
	case emcdp.TypeString:
		return emcdp.Value{Str: changeCase(v.Str, r.IntN(2) == 0)}
	case emcdp.TypeUID:
		return emcdp.Value{ID: v.ID}
	case emcdp.TypeDateTime:
		if !present {
			return emcdp.Value{Time: Base}
		}
		return emcdp.Value{Time: v.Time}
	case emcdp.TypeBool:
		return emcdp.Value{Bool: v.Bool}
	case emcdp.TypeDouble:
		return emcdp.Value{Float: v.Float}
	}
	return emcdp.Value{Int: v.Int}
}

// randomLiteral returns a literal of field f: mostly one taken from an item,
// sometimes one that no item holds.
func randomLiteral(r *rand.Rand, f emcdp.Field, items []any) emcdp.Value {
	if len(items) > 0 && r.IntN(5) > 0 {
		return literalFrom(r, f, pick(r, items))
	}
	switch f.Type {
	case emcdp.TypeString:
		return emcdp.Value{Str: pick(r, []string{"", "a", "M", "zzz", "Ä", "vbr01.lab.local ", "sql"})}
	case emcdp.TypeUID:
		return emcdp.Value{ID: newID(r)}
	case emcdp.TypeDateTime:
		return emcdp.Value{Time: Base.Add(time.Duration(r.Int64N(int64(96*time.Hour))) - 48*time.Hour)}
	case emcdp.TypeBool:
		return emcdp.Value{Bool: r.IntN(2) == 0}
	case emcdp.TypeEnum:
		return emcdp.Value{Int: int64(r.IntN(len(f.Enum)))}
	case emcdp.TypeDouble:
		return emcdp.Value{Float: pick(r, []float64{-1, 0, 1, 1.5, 2.07, 2.075, 1e3})}
	}
	return emcdp.Value{Int: pick(r, []int64{-1, 0, 9392, 1 << 30, 1<<40 + 1})}
}

func opsFor(f emcdp.Field) []emcdp.Op {
	if f.Type == emcdp.TypeBool {
		return []emcdp.Op{emcdp.OpEq, emcdp.OpNe}
	}
	return []emcdp.Op{emcdp.OpEq, emcdp.OpNe, emcdp.OpLt, emcdp.OpLe, emcdp.OpGt, emcdp.OpGe}
}

// testFieldsAndOperators filters every kind on every field with every
// operator, against values that items hold (in another letter case) and
// values they do not.
func testFieldsAndOperators(t *testing.T, st emcdp.Store) {
	d := load(t, st, standard())
	r := rand.New(rand.NewPCG(3, 4))
	for _, k := range emcdp.Kinds {
		its := d.Items(k)
		for _, f := range emcdp.Fields(k) {
			for _, op := range opsFor(f) {
				for i := 0; i < 4; i++ {
					v := randomLiteral(r, f, its)
					if i < 2 {
						v = literalFrom(r, f, its[i*len(its)/2])
					}
					q := emcdp.Query{Kind: k, Filter: &emcdp.Term{Field: f, Op: op, Value: v}}
					check(t, st, d, q, fmt.Sprintf("%s %s %s %+v", k, f.Name, op, v))
				}
			}
		}
	}
}

// testSemantics pins the rules with hand-made cases, so that a store and the
// reference (query.Run) cannot agree on a wrong rule.
func testSemantics(t *testing.T, st emcdp.Store) {
	ctx := context.Background()
	d := load(t, st, standard())
	k := emcdp.KindCdpReplicaTaskSession
	run := func(e emcdp.Expr) []emcdp.TaskSession {
		t.Helper()
		res, err := st.Query(ctx, &emcdp.Query{Kind: k, Filter: e})
		if err != nil {
			t.Fatalf("Query: %v", err)
		}
		return res.TaskSessions
	}
	term := func(name string, op emcdp.Op, v emcdp.Value) *emcdp.Term {
		return &emcdp.Term{Field: mustField(t, k, name), Op: op, Value: v}
	}
	count := func(pred func(*emcdp.TaskSession) bool) int {
		n := 0
		for i := range d.Tasks {
			if pred(&d.Tasks[i]) {
				n++
			}
		}
		return n
	}
	expect := func(label string, got []emcdp.TaskSession, pred func(*emcdp.TaskSession) bool) {
		t.Helper()
		want := count(pred)
		if len(got) != want || want == 0 {
			t.Errorf("%s: %d rows, want %d (and the dataset must have some)", label, len(got), want)
		}
		for i := range got {
			if !pred(&got[i]) {
				t.Errorf("%s: row %s does not belong", label, got[i].ID)
			}
		}
	}
	isSQL := func(s *emcdp.TaskSession) bool {
		return s.VmDisplayName == "sql01" || s.VmDisplayName == "SQL01" || s.VmDisplayName == "Sql01"
	}
	expect("VmDisplayName==SQL01 is case-insensitive", run(term("VmDisplayName", emcdp.OpEq, emcdp.Value{Str: "SQL01"})), isSQL)
	// Only ASCII letters fold: "APP-Ä" matches "app-Ä" but not "app-ä".
	expect("ASCII folding only", run(term("VmDisplayName", emcdp.OpEq, emcdp.Value{Str: "APP-Ä"})),
		func(s *emcdp.TaskSession) bool { return s.VmDisplayName == "app-Ä" })
	// Folded "sql01" < "web01"; "Z" folds to "z" which is above every other name but "z".
	expect("string order folds case", run(term("VmDisplayName", emcdp.OpLt, emcdp.Value{Str: "WEB01"})),
		func(s *emcdp.TaskSession) bool { return isSQL(s) || strings.HasPrefix(s.VmDisplayName, "app") })
	expect("string order is byte order after folding", run(term("VmDisplayName", emcdp.OpGe, emcdp.Value{Str: "Z"})),
		func(s *emcdp.TaskSession) bool { return s.VmDisplayName == "z" })
	expect("absent Reason satisfies !=", run(term("Reason", emcdp.OpNe, emcdp.Value{Str: "x"})),
		func(*emcdp.TaskSession) bool { return true })
	expect("absent Reason fails ==\"\"", run(&emcdp.Or{Terms: []emcdp.Expr{
		term("Reason", emcdp.OpEq, emcdp.Value{Str: ""}), term("Reason", emcdp.OpGe, emcdp.Value{Str: ""})}}),
		func(s *emcdp.TaskSession) bool { return s.Reason != "" })
	far := Base.AddDate(10, 0, 0)
	expect("running sessions fail EndTimeUTC<", run(term("EndTimeUTC", emcdp.OpLt, emcdp.Value{Time: far})),
		func(s *emcdp.TaskSession) bool { return !s.Running() })
	expect("running sessions satisfy EndTimeUTC!=", run(term("EndTimeUTC", emcdp.OpNe, emcdp.Value{Time: far})),
		func(*emcdp.TaskSession) bool { return true })
	expect("enum order: Result>=Warning", run(term("Result", emcdp.OpGe, emcdp.Value{Int: int64(emcdp.ResultWarning)})),
		func(s *emcdp.TaskSession) bool {
			return s.Result == emcdp.ResultWarning || s.Result == emcdp.ResultFailed
		})
	expect("enum order: State>InProgress", run(term("State", emcdp.OpGt, emcdp.Value{Int: int64(emcdp.TaskInProgress)})),
		func(s *emcdp.TaskSession) bool { return s.State == emcdp.TaskPending || s.State == emcdp.TaskCompleted })
	ps := d.Tasks[0].PolicySessionID
	expect("UidType equality", run(term("PolicySessionUid", emcdp.OpEq, emcdp.Value{ID: ps})),
		func(s *emcdp.TaskSession) bool { return s.PolicySessionID == ps })
	expect("UidType order is id order", run(term("Id", emcdp.OpLe, emcdp.Value{ID: d.Tasks[0].ID})),
		func(s *emcdp.TaskSession) bool { return bytes.Compare(s.ID[:], d.Tasks[0].ID[:]) <= 0 })
	expect("AND binds, OR joins", run(&emcdp.Or{Terms: []emcdp.Expr{
		&emcdp.And{Terms: []emcdp.Expr{term("VmDisplayName", emcdp.OpEq, emcdp.Value{Str: "sql01"}), term("State", emcdp.OpEq, emcdp.Value{Int: 2})}},
		term("VmDisplayName", emcdp.OpEq, emcdp.Value{Str: "z"})}}),
		func(s *emcdp.TaskSession) bool { return isSQL(s) && s.State == 2 || s.VmDisplayName == "z" })
	if got := run(&emcdp.Or{}); len(got) != 0 {
		t.Errorf("empty OR matched %d rows", len(got))
	}
	if got := run(&emcdp.And{}); len(got) != len(d.Tasks) {
		t.Errorf("empty AND matched %d rows, want all %d", len(got), len(d.Tasks))
	}
	// A bad query is refused with EInvalid, not a panic or a driver error.
	bad := []emcdp.Query{
		{Kind: emcdp.KindCdpPolicy, Filter: &emcdp.Term{Field: mustField(t, emcdp.KindCdpPolicy, "ScheduleEnabled"), Op: emcdp.OpGt}},
		{Kind: k, Filter: &emcdp.Term{Field: mustField(t, emcdp.KindCdpPolicy, "NextRun"), Op: emcdp.OpEq}},
		{Kind: k, PageSize: -1},
		{Kind: 0},
	}
	for i, q := range bad {
		if _, err := st.Query(ctx, &q); emcdp.ErrorCode(err) != emcdp.EInvalid {
			t.Errorf("bad query %d: %v, want an EInvalid error", i, err)
		}
	}
}

// testSort sorts every kind on every field in both directions.
func testSort(t *testing.T, st emcdp.Store) {
	d := load(t, st, standard())
	for _, k := range emcdp.Kinds {
		for _, f := range emcdp.Fields(k) {
			for _, desc := range []bool{false, true} {
				f := f
				check(t, st, d, emcdp.Query{Kind: k, Sort: &f, Desc: desc}, fmt.Sprintf("%s sort %s desc=%v", k, f.Name, desc))
			}
		}
		check(t, st, d, emcdp.Query{Kind: k}, fmt.Sprintf("%s default sort", k))
	}
	// Absent end times come first ascending and last descending.
	ctx := context.Background()
	f := mustField(t, emcdp.KindCdpReplicaTaskSession, "EndTimeUTC")
	for _, desc := range []bool{false, true} {
		res, err := st.Query(ctx, &emcdp.Query{Kind: emcdp.KindCdpReplicaTaskSession, Sort: &f, Desc: desc})
		if err != nil {
			t.Fatal(err)
		}
		ts := res.TaskSessions
		end := ts[0]
		if desc {
			end = ts[len(ts)-1]
		}
		if !end.Running() {
			t.Errorf("desc=%v: a running session must be at the absent end, found %v", desc, end.EndTime)
		}
	}
}

// testPaging walks every page of several sizes and checks the pages
// concatenate to the whole ordered answer, with Total on every page.
func testPaging(t *testing.T, st emcdp.Store) {
	d := load(t, st, standard())
	ctx := context.Background()
	k := emcdp.KindCdpReplicaTaskSession
	created := mustField(t, k, "CreationTimeUTC")
	filter := &emcdp.Term{Field: mustField(t, k, "TotalSize"), Op: emcdp.OpGt, Value: emcdp.Value{Int: 0}}
	for _, desc := range []bool{false, true} {
		all, total := query.Run(&emcdp.Query{Kind: k, Filter: filter, Sort: &created, Desc: desc}, d.Items(k))
		for _, size := range []int{1, 2, 3, 7, total, total + 1, 10000} {
			var got []any
			for page := 1; page <= total/size+2; page++ {
				q := emcdp.Query{Kind: k, Filter: filter, Sort: &created, Desc: desc, PageSize: size, Page: page}
				res, err := st.Query(ctx, &q)
				if err != nil {
					t.Fatalf("Query: %v", err)
				}
				if res.Total != total {
					t.Errorf("size %d page %d: Total %d, want %d", size, page, res.Total, total)
				}
				if res.Len() > size {
					t.Errorf("size %d page %d: %d items", size, page, res.Len())
				}
				got = append(got, items(k, res)...)
			}
			if diff := sameItems(got, all); diff != "" {
				t.Errorf("desc=%v size %d: pages joined: %s", desc, size, diff)
			}
		}
	}
	// Unfiltered pages past the end, on every kind.
	for _, kind := range emcdp.Kinds {
		n := len(d.Items(kind))
		res, err := st.Query(ctx, &emcdp.Query{Kind: kind, PageSize: 2, Page: n + 5})
		if err != nil || res.Len() != 0 || res.Total != n {
			t.Errorf("%s past the end: %d items, Total %d, %v; want 0, %d", kind, res.Len(), res.Total, err, n)
		}
		check(t, st, d, emcdp.Query{Kind: kind, PageSize: 3, Page: 2}, kind.String()+" page 2 of 3")
	}
}

// testCollection checks the form the collection endpoints use: a window on
// the creation time, newest first, every row.
func testCollection(t *testing.T, st emcdp.Store) {
	d := load(t, st, standard())
	for _, k := range []emcdp.Kind{emcdp.KindCdpReplicaSession, emcdp.KindCdpReplicaTaskSession} {
		f := mustField(t, k, "CreationTimeUTC")
		for _, from := range []time.Time{Base.Add(-30 * 24 * time.Hour), Base, Base.Add(12 * time.Hour), Base.AddDate(1, 0, 0)} {
			q := emcdp.Query{Kind: k, Filter: &emcdp.Term{Field: f, Op: emcdp.OpGe, Value: emcdp.Value{Time: from}}, Sort: &f, Desc: true}
			check(t, st, d, q, fmt.Sprintf("%s collection from %s", k, from))
			res, _ := st.Query(context.Background(), &q)
			got := items(k, res)
			for i := 1; i < len(got); i++ {
				if query.Less(f, true, got[i], got[i-1]) {
					t.Errorf("%s collection is not newest first at row %d", k, i)
					break
				}
			}
		}
		// The child collections: a parent's sessions in the window.
		pname, parent := "PolicyUid", d.Sessions[0].PolicyID
		if k == emcdp.KindCdpReplicaTaskSession {
			pname, parent = "PolicySessionUid", d.Tasks[0].PolicySessionID
		}
		pf := mustField(t, k, pname)
		q := emcdp.Query{Kind: k, Sort: &f, Desc: true, Filter: &emcdp.And{Terms: []emcdp.Expr{
			&emcdp.Term{Field: pf, Op: emcdp.OpEq, Value: emcdp.Value{ID: parent}},
			&emcdp.Term{Field: f, Op: emcdp.OpGe, Value: emcdp.Value{Time: Base.Add(-48 * time.Hour)}},
		}}}
		check(t, st, d, q, k.String()+" child collection")
	}
	testCollectionChunks(t, st, d)
}

// testCollectionChunks reads the task sessions in chunks the way the
// collection endpoint does when it writes references: pages without a
// Total (NoTotal: Total is only the rows before the page and on it) holding
// only the columns of a reference (Refs: the kind's RefCols, every other
// property zero).
func testCollectionChunks(t *testing.T, st emcdp.Store, d *Dataset) {
	k := emcdp.KindCdpReplicaTaskSession
	desc := emcdp.KindDesc(k)
	f := mustField(t, k, "CreationTimeUTC")
	all, total := query.Run(&emcdp.Query{Kind: k, Sort: &f, Desc: true}, d.Items(k))
	const size = 7
	var got []any
	for page := 1; page <= total/size+1; page++ {
		q := emcdp.Query{Kind: k, Sort: &f, Desc: true, PageSize: size, Page: page, NoTotal: true, Refs: true}
		res, err := st.Query(context.Background(), &q)
		if err != nil {
			t.Fatalf("Query: %v", err)
		}
		if want := (page-1)*size + res.Len(); res.Total != want {
			t.Errorf("chunk %d: Total %d, want %d (no count)", page, res.Total, want)
		}
		got = append(got, items(k, res)...)
	}
	want := make([]any, len(all))
	for i, it := range all {
		want[i] = desc.New()
		for j := range desc.Props {
			if p := &desc.Props[j]; slices.Contains(desc.RefCols, p.Column) {
				p.Set(want[i], p.Get(it))
			}
		}
	}
	if diff := sameItems(got, want); diff != "" {
		t.Errorf("chunks of references: %s", diff)
	}
}

// RandomExpr builds a random filter of kind k from the fields' values in
// items: nested AND/OR up to depth, every operator.
func randomExpr(r *rand.Rand, k emcdp.Kind, items []any, depth int) emcdp.Expr {
	if depth == 0 || r.IntN(3) == 0 {
		f := pick(r, emcdp.Fields(k))
		return &emcdp.Term{Field: f, Op: pick(r, opsFor(f)), Value: randomLiteral(r, f, items)}
	}
	n := 1 + r.IntN(3)
	terms := make([]emcdp.Expr, n)
	for i := range terms {
		terms[i] = randomExpr(r, k, items, depth-1)
	}
	if r.IntN(2) == 0 {
		return &emcdp.And{Terms: terms}
	}
	return &emcdp.Or{Terms: terms}
}

// randomQuery adds a random sort and page to a filter.
func randomQuery(r *rand.Rand, k emcdp.Kind, filter emcdp.Expr, n int) emcdp.Query {
	q := emcdp.Query{Kind: k, Filter: filter, Desc: r.IntN(2) == 0}
	if r.IntN(4) > 0 {
		f := pick(r, emcdp.Fields(k))
		q.Sort = &f
	}
	if r.IntN(4) > 0 {
		q.PageSize = 1 + r.IntN(max(1, n/2))
		q.Page = 1 + r.IntN(n/q.PageSize+2)
	}
	return q
}

// testRandomQueries compares the store with the reference (query.Run) on random
// filters, sorts and pages over a random dataset.
func testRandomQueries(t *testing.T, st emcdp.Store) {
	d := load(t, st, NewDataset(11, 5, 8, 25, 120))
	r := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 1500 && !t.Failed(); i++ {
		k := emcdp.Kinds[i%len(emcdp.Kinds)]
		its := d.Items(k)
		q := randomQuery(r, k, randomExpr(r, k, its, 3), len(its))
		check(t, st, d, q, fmt.Sprintf("query %d", i))
	}
}
