package storetest

import (
	"fmt"
	"testing"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/query"
)

// testWideFilters runs filters of query.MaxTerms terms in one AND list, one
// OR list and alternating nested lists: the widest filter the query service
// lets through must run on every store and agree with the reference.
func testWideFilters(t *testing.T, st emcdp.Store) {
	d := load(t, st, standard())
	k := emcdp.KindCdpReplicaTaskSession
	name := mustField(t, k, "VmDisplayName")
	state := mustField(t, k, "State")
	n := query.MaxTerms
	var ors, ands []emcdp.Expr
	for i := 0; i < n; i++ {
		v := d.Tasks[i%len(d.Tasks)].VmDisplayName
		if i%7 == 0 {
			v = fmt.Sprintf("no-such-vm-%d", i)
		}
		ors = append(ors, &emcdp.Term{Field: name, Op: emcdp.OpEq, Value: emcdp.Value{Str: v}})
		ands = append(ands, &emcdp.Term{Field: state, Op: emcdp.OpNe, Value: emcdp.Value{Int: int64(i % 3)}})
	}
	// Pairs of (a OR b) ANDed together, n terms in all.
	var mixed []emcdp.Expr
	for i := 0; i+1 < n; i += 2 {
		mixed = append(mixed, &emcdp.Or{Terms: []emcdp.Expr{ors[i], ands[i+1]}})
	}
	for _, tc := range []struct {
		label string
		e     emcdp.Expr
	}{
		{"OR of MaxTerms", &emcdp.Or{Terms: ors}},
		{"AND of MaxTerms", &emcdp.And{Terms: ands}},
		{"AND of ORs, MaxTerms in all", &emcdp.And{Terms: mixed}},
	} {
		if got := query.CountTerms(tc.e); got != n {
			t.Fatalf("%s: %d terms, want %d", tc.label, got, n)
		}
		check(t, st, d, emcdp.Query{Kind: k, Filter: tc.e}, tc.label)
		check(t, st, d, emcdp.Query{Kind: k, Filter: tc.e, PageSize: 5, Page: 2}, tc.label+", paged")
	}
}
