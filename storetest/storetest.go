// Package storetest is the behaviour suite that every emcdp.Store must pass,
// so that the embedded and the shared store answer alike. It speaks only
// through the emcdp.Store interface, and judges query answers against
// package query's in-memory reference (query.Run, query.Match, query.Less),
// the one statement of the filter and sort semantics.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/query"
)

// Run runs the suite. open must return a new, empty store for each call; the
// suite closes it.
func Run(t *testing.T, open func(t *testing.T) emcdp.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, st emcdp.Store)
	}{
		{"Empty", testEmpty},
		{"ByID", testByID},
		{"Includes", testIncludes},
		{"Upserts", testUpserts},
		{"FieldsAndOperators", testFieldsAndOperators},
		{"Semantics", testSemantics},
		{"Sort", testSort},
		{"Paging", testPaging},
		{"CreationCounts", testCreationCounts},
		{"Collection", testCollection},
		{"Atomicity", testAtomicity},
		{"Updates", testUpdates},
		{"DeleteSessionsBefore", testPrune},
		{"Retire", testRetire},
		{"Ratios", testRatios},
		{"Meta", testMeta},
		{"Users", testUsers},
		{"LogonSessions", testLogonSessions},
		{"LogonFailures", testLogonFailures},
		{"LogonReservations", testReservations},
		{"ParallelGuesses", testParallelGuesses},
		{"WideFilters", testWideFilters},
		{"RandomQueries", testRandomQueries},
		{"Differential", testDifferential},
		{"Histogram", testHistogram},
		{"Tasks", testTasks},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := open(t)
			t.Cleanup(func() {
				if err := st.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tc.fn(t, st)
		})
	}
}

// load writes a dataset and returns it.
func load(t *testing.T, st emcdp.Store, d *Dataset) *Dataset {
	t.Helper()
	if err := st.Apply(context.Background(), d.Batch(rand.New(rand.NewPCG(1, 2)))); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	return d
}

// standard is the dataset most tests use.
func standard() *Dataset { return NewDataset(7, 4, 6, 16, 60) }

// items returns the page of a result as the reference's item pointers.
func items(k emcdp.Kind, res *emcdp.QueryResult) []any {
	if emcdp.DescOf(k) != nil {
		return res.Items
	}
	var out []any
	switch k {
	case emcdp.KindBackupServer:
		for i := range res.BackupServers {
			out = append(out, &res.BackupServers[i])
		}
	case emcdp.KindCdpPolicy:
		for i := range res.CdpPolicies {
			out = append(out, &res.CdpPolicies[i])
		}
	case emcdp.KindCdpReplicaSession:
		for i := range res.PolicySessions {
			out = append(out, &res.PolicySessions[i])
		}
	case emcdp.KindCdpReplicaTaskSession:
		for i := range res.TaskSessions {
			out = append(out, &res.TaskSessions[i])
		}
	}
	return out
}

// itemID returns the id of an item of any kind (zero for a non-item).
func itemID(item any) emcdp.ID {
	id, _ := query.ItemID(item)
	return id
}

// sameItems reports the first difference between two pages, or "".
func sameItems(got, want []any) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d items, want %d (got %v, want %v)", len(got), len(want), ids(got), ids(want))
	}
	for i := range got {
		if itemID(got[i]) != itemID(want[i]) {
			return fmt.Sprintf("item %d is %s, want %s (got %v, want %v)", i, itemID(got[i]), itemID(want[i]), ids(got), ids(want))
		}
		if !reflect.DeepEqual(got[i], want[i]) {
			return fmt.Sprintf("item %d differs:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	return ""
}

func ids(xs []any) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = itemID(x).String()[:8]
	}
	return out
}

// check runs q on the store and compares page and Total with the reference.
func check(t *testing.T, st emcdp.Store, d *Dataset, q emcdp.Query, label string) {
	t.Helper()
	res, err := st.Query(context.Background(), &q)
	if err != nil {
		t.Fatalf("%s: Query: %v", label, err)
	}
	want, total := query.Run(&q, d.Items(q.Kind))
	if res.Total != total {
		t.Errorf("%s: Total %d, want %d", label, res.Total, total)
	}
	if diff := sameItems(items(q.Kind, res), want); diff != "" {
		t.Errorf("%s: %s", label, diff)
	}
}

func mustField(t *testing.T, k emcdp.Kind, name string) emcdp.Field {
	t.Helper()
	f, ok := emcdp.LookupField(k, name)
	if !ok {
		t.Fatalf("no field %s on %s", name, k)
	}
	return f
}

func isNotFound(err error) bool { return errors.Is(err, emcdp.ErrNotFound) }

func testEmpty(t *testing.T, st emcdp.Store) {
	ctx := context.Background()
	id := emcdp.NewID()
	if _, err := st.BackupServer(ctx, id); !isNotFound(err) {
		t.Errorf("BackupServer: %v, want ErrNotFound", err)
	}
	if _, err := st.CdpPolicy(ctx, id); !isNotFound(err) {
		t.Errorf("CdpPolicy: %v, want ErrNotFound", err)
	}
	if _, err := st.PolicySession(ctx, id); !isNotFound(err) {
		t.Errorf("PolicySession: %v, want ErrNotFound", err)
	}
	if _, err := st.TaskSession(ctx, id); !isNotFound(err) {
		t.Errorf("TaskSession: %v, want ErrNotFound", err)
	}
	for _, k := range emcdp.Kinds {
		for _, ps := range []int{0, 100} {
			res, err := st.Query(ctx, &emcdp.Query{Kind: k, PageSize: ps, Page: 1})
			if err != nil || res.Total != 0 || res.Len() != 0 {
				t.Errorf("Query %s pageSize %d: %+v, %v", k, ps, res, err)
			}
		}
	}
	if v, err := st.Meta(ctx, "seed"); v != "" || err != nil {
		t.Errorf("Meta: %q, %v", v, err)
	}
	if n, err := st.CountUsers(ctx); n != 0 || err != nil {
		t.Errorf("CountUsers: %d, %v", n, err)
	}
	if err := st.Apply(ctx, &emcdp.Batch{}); err != nil {
		t.Errorf("empty Apply: %v", err)
	}
}

func testByID(t *testing.T, st emcdp.Store) {
	ctx := context.Background()
	d := load(t, st, standard())
	for i := range d.Servers {
		got, err := st.BackupServer(ctx, d.Servers[i].ID)
		if err != nil || !reflect.DeepEqual(got, &d.Servers[i]) {
			t.Errorf("BackupServer %s:\n got %+v, %v\nwant %+v", d.Servers[i].ID, got, err, d.Servers[i])
		}
	}
	for i := range d.Policies {
		got, err := st.CdpPolicy(ctx, d.Policies[i].ID)
		if err != nil || !reflect.DeepEqual(got, &d.Policies[i]) {
			t.Errorf("CdpPolicy %s:\n got %+v, %v\nwant %+v", d.Policies[i].ID, got, err, d.Policies[i])
		}
	}
	for i := range d.Sessions {
		got, err := st.PolicySession(ctx, d.Sessions[i].ID)
		if err != nil || !reflect.DeepEqual(got, &d.Sessions[i]) {
			t.Errorf("PolicySession %s:\n got %+v, %v\nwant %+v", d.Sessions[i].ID, got, err, d.Sessions[i])
		}
	}
	for i := range d.Tasks {
		got, err := st.TaskSession(ctx, d.Tasks[i].ID)
		if err != nil || !reflect.DeepEqual(got, &d.Tasks[i]) {
			t.Errorf("TaskSession %s:\n got %+v, %v\nwant %+v", d.Tasks[i].ID, got, err, d.Tasks[i])
		}
	}
	for _, desc := range emcdp.Descs {
		its := d.Items(desc.Kind)
		if len(its) == 0 {
			t.Errorf("the dataset has no %s", desc.Type)
		}
		for _, it := range its {
			got, err := st.Resource(ctx, desc.Kind, desc.ID(it))
			if err != nil || !reflect.DeepEqual(got, it) {
				t.Errorf("Resource %s %s:\n got %+v, %v\nwant %+v", desc.Type, desc.ID(it), got, err, it)
			}
		}
		if _, err := st.Resource(ctx, desc.Kind, d.Servers[0].ID); !isNotFound(err) {
			t.Errorf("Resource %s(server id): %v, want ErrNotFound", desc.Type, err)
		}
	}
	// An id of another kind names nothing of this kind.
	if _, err := st.TaskSession(ctx, d.Sessions[0].ID); !isNotFound(err) {
		t.Errorf("TaskSession(policy session id): %v, want ErrNotFound", err)
	}
	if _, err := st.BackupServer(ctx, d.Policies[0].ID); !isNotFound(err) {
		t.Errorf("BackupServer(policy id): %v, want ErrNotFound", err)
	}
}
