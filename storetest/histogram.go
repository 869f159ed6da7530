package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
)

// testHistogram checks TaskSessionHistogram against the dataset counted in
// memory and against the query service's Total for the same window and
// result, by policy and by VM, with buckets of several widths.
func testHistogram(t *testing.T, st emcdp.Store) {
	hs, ok := st.(emcdp.HistogramStore)
	if !ok {
		t.Fatalf("%T does not count task sessions per bucket (emcdp.HistogramStore)", st)
	}
	d := load(t, st, standard())
	ctx := context.Background()
	lo, hi := d.Tasks[0].CreationTime, d.Tasks[0].CreationTime
	for _, ts := range d.Tasks {
		if ts.CreationTime.Before(lo) {
			lo = ts.CreationTime
		}
		if ts.CreationTime.After(hi) {
			hi = ts.CreationTime
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	policy := d.Tasks[r.IntN(len(d.Tasks))].PolicyID
	cases := []emcdp.Histogram{
		{From: lo, To: hi.Add(time.Nanosecond), Width: hi.Sub(lo) + time.Nanosecond},
		{From: lo.Add(-time.Hour), To: hi.Add(time.Hour), Width: time.Hour},
		{From: lo.Add(hi.Sub(lo) / 3), To: hi, Width: 7 * time.Minute},
		{From: lo, To: hi.Add(time.Nanosecond), Width: 3 * time.Hour, Parent: &policy},
	}
	for i, h := range cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			got, err := hs.TaskSessionHistogram(ctx, &h)
			if err != nil {
				t.Fatal(err)
			}
			type key struct {
				g       string
				b       int
				r       emcdp.Result
				running bool
			}
			want := map[key]int{}
			for _, ts := range d.Tasks {
				if ts.CreationTime.Before(h.From) || !ts.CreationTime.Before(h.To) {
					continue
				}
				g := ts.PolicyID.String()
				if h.Parent != nil {
					if ts.PolicyID != *h.Parent {
						continue
					}
					g = ts.VmDisplayName
				}
				want[key{g, int(ts.CreationTime.Sub(h.From) / h.Width), ts.Result, ts.Running()}]++
			}
			have := map[key]int{}
			for _, c := range got {
				k := key{c.Group, c.Bucket, c.Result, c.Running}
				if _, dup := have[k]; dup {
					t.Errorf("cell %+v given twice", k)
				}
				have[k] = c.Count
			}
			if len(want) == 0 {
				t.Fatal("the case counts nothing; the test would prove nothing")
			}
			for k, n := range want {
				if have[k] != n {
					t.Errorf("cell %+v: %d, want %d", k, have[k], n)
				}
			}
			for k, n := range have {
				if _, ok := want[k]; !ok {
					t.Errorf("cell %+v: %d, want none", k, n)
				}
			}
			// The per-result totals equal the query service's Total.
			if h.Parent != nil {
				return
			}
			created, _ := emcdp.LookupField(emcdp.KindCdpReplicaTaskSession, "CreationTime")
			result, _ := emcdp.LookupField(emcdp.KindCdpReplicaTaskSession, "Result")
			for res := range emcdp.ResultNames {
				n := 0
				for _, c := range got {
					if c.Result == emcdp.Result(res) {
						n += c.Count
					}
				}
				q := &emcdp.Query{Kind: emcdp.KindCdpReplicaTaskSession, Page: 1, PageSize: 1, Filter: &emcdp.And{Terms: []emcdp.Expr{
					&emcdp.Term{Field: created, Op: emcdp.OpGe, Value: emcdp.Value{Time: h.From}},
					&emcdp.Term{Field: created, Op: emcdp.OpLt, Value: emcdp.Value{Time: h.To}},
					&emcdp.Term{Field: result, Op: emcdp.OpEq, Value: emcdp.Value{Int: int64(res)}},
				}}}
				qr, err := st.Query(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				if qr.Total != n {
					t.Errorf("%s: histogram counts %d, the query service %d", emcdp.ResultNames[res], n, qr.Total)
				}
			}
		})
	}
	// The job task sessions of both kinds, by job and by one job's VMs.
	for _, k := range []emcdp.Kind{emcdp.KindBackupTaskSession, emcdp.KindReplicaTaskSession} {
		type row struct {
			parent emcdp.ID
			vm     string
			at     time.Time
			res    emcdp.Result
			run    bool
		}
		var rows []row
		for i := range d.JobTasks {
			jt := &d.JobTasks[i]
			if emcdp.Describe(jt).Kind == k {
				rows = append(rows, row{jt.JobID, jt.VmDisplayName, jt.CreationTime, jt.Result, jt.Running()})
			}
		}
		if len(rows) == 0 {
			t.Fatalf("the dataset holds no %s", k)
		}
		lo, hi := rows[0].at, rows[0].at
		for _, r := range rows {
			if r.at.Before(lo) {
				lo = r.at
			}
			if r.at.After(hi) {
				hi = r.at
			}
		}
		job := rows[0].parent
		for _, h := range []emcdp.Histogram{
			{Kind: k, From: lo, To: hi.Add(time.Nanosecond), Width: 5 * time.Hour},
			{Kind: k, From: lo, To: hi.Add(time.Nanosecond), Width: 2 * time.Hour, Parent: &job},
		} {
			got, err := hs.TaskSessionHistogram(ctx, &h)
			if err != nil {
				t.Fatal(err)
			}
			want := map[emcdp.HistogramCell]int{}
			for _, r := range rows {
				g := r.parent.String()
				if h.Parent != nil {
					if r.parent != job {
						continue
					}
					g = r.vm
				}
				want[emcdp.HistogramCell{Group: g, Bucket: int(r.at.Sub(h.From) / h.Width), Result: r.res, Running: r.run}]++
			}
			have := map[emcdp.HistogramCell]int{}
			for _, c := range got {
				n := c.Count
				c.Count = 0
				have[c] += n
			}
			if len(have) != len(want) {
				t.Errorf("%s (parent %v): %d cells, want %d", k, h.Parent != nil, len(have), len(want))
			}
			for c, n := range want {
				if have[c] != n {
					t.Errorf("%s cell %+v: %d, want %d", k, c, have[c], n)
				}
			}
		}
	}
	for _, bad := range []emcdp.Histogram{
		{Kind: emcdp.KindJob, From: lo, To: hi, Width: time.Hour},
		{From: hi, To: lo, Width: time.Hour},
		{From: lo, To: hi, Width: 0},
		{From: lo, To: lo.Add(24 * time.Hour), Width: time.Second},
	} {
		if _, err := hs.TaskSessionHistogram(ctx, &bad); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}
