package query

import (
	"fmt"
	"math/rand"
	"reflect"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
)

func idN(n byte) emcdp.ID { return emcdp.ID{15: n} }

var t0 = time.Date(2026, 6, 15, 6, 0, 0, 0, time.UTC)

// tasks is a small set of task sessions with absent values, names that
// differ only in case, and equal creation times to exercise tie-breaking.
func tasks() []any {
	return []any{
		&emcdp.TaskSession{ID: idN(5), Name: "b", VmDisplayName: "SQL01", CreationTime: t0, EndTime: t0.Add(time.Hour),
			State: emcdp.TaskCompleted, Result: emcdp.ResultSuccess, TotalSize: 100, PolicySessionID: idN(90)},
		&emcdp.TaskSession{ID: idN(3), Name: "a", VmDisplayName: "sql01", CreationTime: t0, State: emcdp.TaskInProgress,
			Result: emcdp.ResultNone, TotalSize: 50, PolicySessionID: idN(91)},
		&emcdp.TaskSession{ID: idN(9), Name: "c", VmDisplayName: "web_01", CreationTime: t0.Add(-time.Hour),
			EndTime: t0.Add(2 * time.Hour), State: emcdp.TaskCompleted, Result: emcdp.ResultFailed, Reason: "Disk lost",
			TotalSize: 200, PolicySessionID: idN(90)},
		&emcdp.TaskSession{ID: idN(1), Name: "d", VmDisplayName: "Web-01", CreationTime: t0.Add(time.Hour),
			EndTime: t0.Add(30 * time.Minute), State: emcdp.TaskPending, Result: emcdp.ResultWarning, Reason: "slow",
			TotalSize: 100, PolicySessionID: idN(92)},
	}
}

func names(items []any) string {
	s := ""
	for _, it := range items {
		s += it.(*emcdp.TaskSession).Name
	}
	return s
}

func TestMatch(t *testing.T) {
	items := tasks()
	tests := []struct {
		filter string
		want   string // names of the matching items, in input order
	}{
		{"", "bacd"},
		{"VmDisplayName==sql01", "ba"},
		{"VmDisplayName==SQL01", "ba"},
		{"VmDisplayName!=sql01", "cd"},
		// '_' (0x5f) sorts after '-' (0x2d) and after upper-case letters folded down
		{"VmDisplayName>web-01", "c"},
		{"VmDisplayName<WEB_01", "bad"},
		{"VmDisplayName>=SQL01;VmDisplayName<=sql01", "ba"},
		// absent values satisfy != only
		{"EndTimeUTC!=2026-06-15T07:00:00", "acd"},
		{"EndTimeUTC!=2030-01-01", "bacd"},
		{"EndTimeUTC<2030-01-01", "bcd"},
		{"EndTimeUTC>2000-01-01", "bcd"},
		{"EndTimeUTC==2026-06-15T07:00:00Z", "b"},
		{`Reason==""`, ""},
		{`Reason!=""`, "bacd"},
		{"Reason!=slow", "bac"},
		{"Reason>a", "cd"},
		{"Reason<=SLOW", "cd"},
		// enums by position
		{"Result>=Warning", "cd"},
		{"Result>None", "bcd"},
		{"State<Completed", "ad"},
		{"State==completed", "bc"},
		// times, integers, UIDs
		{"CreationTimeUTC==2026-06-15T06:00:00", "ba"},
		{"CreationTimeUTC<2026-06-15T08:00:00+02:00", "c"},
		{"TotalSize>=100;TotalSize<200", "bd"},
		{"PolicySessionUid==urn:veeam:CdpReplicaSession:00000000-0000-0000-0000-00000000005a", "bc"},
		{"PolicySessionUid>urn:veeam:CdpReplicaSession:00000000-0000-0000-0000-00000000005a", "ad"},
		{"Id<=00000000-0000-0000-0000-000000000003", "ad"},
		// logic
		{"State==Completed;Result==Failed,Name==a", "ac"},
		{"State==Completed;(Result==Failed,Name==a)", "c"},
	}
	for _, tc := range tests {
		e, err := Parse(kTask, tc.filter)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.filter, err)
		}
		var got []any
		for _, it := range items {
			if Match(e, it) {
				got = append(got, it)
			}
		}
		if names(got) != tc.want {
			t.Errorf("%s: matched %q, want %q", tc.filter, names(got), tc.want)
		}
	}
}

func TestMatchOtherKinds(t *testing.T) {
	srv := &emcdp.BackupServer{ID: idN(1), Name: "vbr01.lab", Port: 9392, Version: "12.3"}
	pol := &emcdp.CdpPolicy{ID: idN(2), Name: "Tier1", BackupServerID: idN(1), BackupServerName: "vbr01.lab",
		ScheduleEnabled: true, Description: "x"}
	ps := &emcdp.PolicySession{ID: idN(3), Name: "Tier1@x", PolicyID: idN(2), State: emcdp.SessionWorking,
		CreationTime: t0, FailureMessage: ""}
	tests := []struct {
		k      emcdp.Kind
		item   any
		filter string
		want   bool
	}{
		{kServer, srv, "IpOrDnsName==VBR01.LAB;Port>=9392;Version==12.3", true},
		{kServer, srv, "Description!=x", true},
		{kServer, srv, "Description==x", false},
		{kPolicy, pol, "ScheduleEnabled==true;ScheduleConfigured==false;Description==X", true},
		{kPolicy, pol, "ScheduleEnabled!=true", false},
		{kPolicy, pol, "NextRun!=2026-01-01", true},
		{kPolicy, pol, "NextRun<2026-01-01", false},
		{kPolicy, pol, "BackupServerUid==urn:veeam:BackupServer:00000000-0000-0000-0000-000000000001", true},
		{kPolSes, ps, "State>=Working;State<Pausing;FailureMessage!=x", true},
		{kPolSes, ps, "FailureMessage<zzz", false},
		{kPolSes, ps, "PolicyUid==urn:veeam:CdpPolicy:00000000-0000-0000-0000-000000000002;EndTime!=2026-01-01", true},
	}
	for _, tc := range tests {
		e, err := Parse(tc.k, tc.filter)
		if err != nil {
			t.Fatal(err)
		}
		if got := Match(e, tc.item); got != tc.want {
			t.Errorf("%s %s: %v, want %v", tc.k, tc.filter, got, tc.want)
		}
	}
	// A term on a field the item does not have matches nothing.
	e, _ := Parse(kTask, "TotalSize!=1")
	if Match(e, srv) || Match(e, "not an item") {
		t.Error("a foreign field matched")
	}
}

func TestItemID(t *testing.T) {
	for _, it := range []any{
		&emcdp.BackupServer{ID: idN(1)}, &emcdp.CdpPolicy{ID: idN(2)},
		&emcdp.PolicySession{ID: idN(3), PolicyID: idN(9)}, &emcdp.TaskSession{ID: idN(4), PolicySessionID: idN(9)},
	} {
		id, ok := ItemID(it)
		want := reflect.ValueOf(it).Elem().FieldByName("ID").Interface().(emcdp.ID)
		if !ok || id != want || id.IsZero() {
			t.Errorf("ItemID(%T) = %s, %v; want %s, true", it, id, ok, want)
		}
	}
	for _, it := range []any{nil, "not an item", emcdp.TaskSession{ID: idN(4)}} {
		if id, ok := ItemID(it); ok || !id.IsZero() {
			t.Errorf("ItemID(%#v) = %s, %v; want a zero id, false", it, id, ok)
		}
	}
}

func TestRun(t *testing.T) {
	items := tasks()
	sortBy := func(name string) *emcdp.Field { f := field(t, kTask, name); return &f }
	tests := []struct {
		q     emcdp.Query
		want  string
		total int
	}{
		// default: CreationTimeUTC ascending, ties by id (a=3 before b=5)
		{emcdp.Query{Kind: kTask}, "cabd", 4},
		// descending keeps ties by id ascending
		{emcdp.Query{Kind: kTask, Desc: true}, "dabc", 4},
		// absent EndTimeUTC first ascending, last descending
		{emcdp.Query{Kind: kTask, Sort: sortBy("EndTime")}, "adbc", 4},
		{emcdp.Query{Kind: kTask, Sort: sortBy("EndTime"), Desc: true}, "cbda", 4},
		{emcdp.Query{Kind: kTask, Sort: sortBy("Reason")}, "abcd", 4},
		{emcdp.Query{Kind: kTask, Sort: sortBy("Reason"), Desc: true}, "dcab", 4},
		// case-insensitive string order, ties (SQL01/sql01) by id
		{emcdp.Query{Kind: kTask, Sort: sortBy("VmDisplayName")}, "abdc", 4},
		{emcdp.Query{Kind: kTask, Sort: sortBy("VmDisplayName"), Desc: true}, "cdab", 4},
		{emcdp.Query{Kind: kTask, Sort: sortBy("Result")}, "abdc", 4},
		{emcdp.Query{Kind: kTask, Sort: sortBy("TotalSize"), Desc: true}, "cdba", 4},
		{emcdp.Query{Kind: kTask, Sort: sortBy("Id")}, "dabc", 4},
		// paging
		{emcdp.Query{Kind: kTask, PageSize: 3, Page: 1}, "cab", 4},
		{emcdp.Query{Kind: kTask, PageSize: 3, Page: 2}, "d", 4},
		{emcdp.Query{Kind: kTask, PageSize: 3, Page: 3}, "", 4},
		{emcdp.Query{Kind: kTask, PageSize: 1 << 62, Page: 1 << 62}, "", 4},
		{emcdp.Query{Kind: kTask, PageSize: 2, Page: 0}, "ca", 4},
	}
	for _, tc := range tests {
		page, total := Run(&tc.q, items)
		if names(page) != tc.want || total != tc.total {
			t.Errorf("%+v: got %q %d, want %q %d", tc.q, names(page), total, tc.want, tc.total)
		}
	}
	e, _ := Parse(kTask, "State==Completed")
	page, total := Run(&emcdp.Query{Kind: kTask, Filter: e, PageSize: 1, Page: 2}, items)
	if names(page) != "b" || total != 2 {
		t.Errorf("filtered page: %q %d", names(page), total)
	}
}

// TestRunPagesConcatenate checks on random data that the pages of a query,
// put together, are the unpaged answer.
func TestRunPagesConcatenate(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	var items []any
	for i := 0; i < 60; i++ {
		items = append(items, &emcdp.TaskSession{ID: idN(byte(i)), Name: fmt.Sprint(r.Intn(5)),
			VmDisplayName: []string{"a", "A", "b", ""}[r.Intn(4)], CreationTime: t0.Add(time.Duration(r.Intn(4)) * time.Hour),
			State: emcdp.TaskState(r.Intn(3)), Result: emcdp.Result(r.Intn(4)), Reason: []string{"", "x", "Y"}[r.Intn(3)]})
	}
	for _, f := range emcdp.Fields(kTask) {
		for _, desc := range []bool{false, true} {
			q := emcdp.Query{Kind: kTask, Sort: &f, Desc: desc}
			all, _ := Run(&q, items)
			for i := 1; i < len(all); i++ {
				if !Less(f, desc, all[i-1], all[i]) {
					t.Fatalf("%s desc=%v: Run's order disagrees with Less at %d", f.Name, desc, i)
				}
			}
			var joined []any
			for p := 1; p <= 9; p++ {
				q.PageSize, q.Page = 7, p
				page, total := Run(&q, items)
				if total != 60 {
					t.Fatalf("total %d", total)
				}
				joined = append(joined, page...)
			}
			if !reflect.DeepEqual(all, joined) {
				t.Errorf("%s desc=%v: pages do not concatenate to the whole", f.Name, desc)
			}
		}
	}
}

func TestCompareFold(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"abc", "ABC", 0}, {"a", "B", -1}, {"Z", "a", 1}, {"_", "a", -1}, {"_", "A", -1}, {"ab", "a", 1},
		{"", "", 0}, {"é", "z", 1}, {"É", "é", -1},
	} {
		if got := CompareFold(tc.a, tc.b); got != tc.want {
			t.Errorf("CompareFold(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
