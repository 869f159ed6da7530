package storetest

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
)

// testCreationCounts checks the reads that a store may answer from counts
// of sessions per day of creation (deep pages in creation order, totals of
// creation-time windows) against the reference, after the sessions are
// written, after more are written on new and on existing days, before and
// among the rows already there, and after the oldest are pruned in the
// middle of a day. Counts that any of these writes failed to keep would
// place pages or count totals wrongly.
func testCreationCounts(t *testing.T, st emcdp.Store) {
	ctx := context.Background()
	d := load(t, st, NewDataset(11, 3, 5, 40, 300))
	checkCreationReads(t, st, d, "loaded")

	r := rand.New(rand.NewPCG(5, 6))
	b := &emcdp.Batch{}
	for i, s := range d.Sessions {
		if i%4 != 0 {
			continue
		}
		shift := []time.Duration{-5 * 24 * time.Hour, 0, 3 * 24 * time.Hour, 90 * time.Minute}[i/4%4]
		s.ID, s.CreationTime = newID(r), s.CreationTime.Add(shift)
		b.NewPolicySessions = append(b.NewPolicySessions, s)
		for _, ts := range d.Tasks {
			if ts.PolicySessionID == d.Sessions[i].ID {
				ts.ID, ts.PolicySessionID, ts.CreationTime = newID(r), s.ID, ts.CreationTime.Add(shift)
				b.NewTaskSessions = append(b.NewTaskSessions, ts)
			}
		}
	}
	if len(b.NewTaskSessions) == 0 {
		t.Fatal("no task sessions to add")
	}
	if err := st.Apply(ctx, b); err != nil {
		t.Fatal(err)
	}
	d.Sessions = append(d.Sessions, b.NewPolicySessions...)
	d.Tasks = append(d.Tasks, b.NewTaskSessions...)
	checkCreationReads(t, st, d, "added")

	cut := Base.Add(-7 * time.Hour) // in the middle of a day that holds sessions
	if err := st.Apply(ctx, &emcdp.Batch{DeleteSessionsBefore: cut}); err != nil {
		t.Fatal(err)
	}
	keep := &Dataset{Servers: d.Servers, Policies: d.Policies}
	keep.Sessions, keep.Tasks = d.cdpSessionsSince(cut)
	if len(keep.Tasks) == len(d.Tasks) || len(keep.Tasks) == 0 {
		t.Fatal("the cut does not divide the task sessions")
	}
	checkCreationReads(t, st, keep, "pruned")
}

// checkCreationReads compares with the reference every page in creation
// order (both ways, several page sizes) and the Total of creation-time
// windows (whole days, parts of days, several days, open on one side) of
// the CDP session kinds.
func checkCreationReads(t *testing.T, st emcdp.Store, d *Dataset, label string) {
	t.Helper()
	day := 24 * time.Hour
	start := Base.Truncate(day)
	var points []time.Time
	for _, off := range []time.Duration{-6 * day, -2 * day, -day, -day + 5*time.Hour, 0, 6 * time.Hour, 30 * time.Hour, 2 * day, 4 * day} {
		points = append(points, start.Add(off))
	}
	for _, k := range []emcdp.Kind{emcdp.KindCdpReplicaSession, emcdp.KindCdpReplicaTaskSession} {
		created := mustField(t, k, "CreationTimeUTC")
		n := len(d.Items(k))
		for _, desc := range []bool{false, true} {
			for _, size := range []int{1, 7, 50} {
				for page := 2; page <= n/size+2; page += 1 + n/size/20 {
					check(t, st, d, emcdp.Query{Kind: k, Sort: &created, Desc: desc, PageSize: size, Page: page},
						label+" "+k.String()+" by creation")
				}
			}
			check(t, st, d, emcdp.Query{Kind: k, Desc: desc, PageSize: 3, Page: n / 6},
				label+" "+k.String()+" default order")
		}
		term := func(op emcdp.Op, at time.Time) *emcdp.Term {
			return &emcdp.Term{Field: created, Op: op, Value: emcdp.Value{Time: at}}
		}
		for i, from := range points {
			check(t, st, d, emcdp.Query{Kind: k, Filter: term(emcdp.OpGe, from), PageSize: 1, Page: 1}, label+" from")
			check(t, st, d, emcdp.Query{Kind: k, Filter: term(emcdp.OpLt, from), PageSize: 1, Page: 1}, label+" before")
			for _, to := range points[i+1:] {
				for _, ops := range [][2]emcdp.Op{{emcdp.OpGe, emcdp.OpLt}, {emcdp.OpGt, emcdp.OpLe}} {
					f := &emcdp.And{Terms: []emcdp.Expr{term(ops[0], from), term(ops[1], to)}}
					check(t, st, d, emcdp.Query{Kind: k, Filter: f, PageSize: 2, Page: 1}, label+" window")
				}
			}
		}
		// A window of one instant, and windows bounded twice on one side.
		at := d.Tasks[len(d.Tasks)/2].CreationTime
		if k == emcdp.KindCdpReplicaSession {
			at = d.Sessions[len(d.Sessions)/2].CreationTime
		}
		check(t, st, d, emcdp.Query{Kind: k, Filter: term(emcdp.OpEq, at), PageSize: 1, Page: 1}, label+" instant")
		f := &emcdp.And{Terms: []emcdp.Expr{term(emcdp.OpGe, points[1]), term(emcdp.OpGe, points[3]),
			term(emcdp.OpLt, points[7]), term(emcdp.OpLt, points[5])}}
		check(t, st, d, emcdp.Query{Kind: k, Filter: f, PageSize: 1, Page: 1}, label+" bounds twice")
	}
}

// RunCountsKept writes to a new, empty store what changes its counts of
// sessions per day of creation (sessions, more of them on new and on past
// days, a prune in the middle of a day) and calls check after each step,
// for the store's own comparison of its counts with its rows.
func RunCountsKept(t *testing.T, st emcdp.Store, check func(t *testing.T, label string)) {
	ctx := context.Background()
	if err := Generate(ctx, st, 6000, 2000, false); err != nil {
		t.Fatal(err)
	}
	check(t, "generated")
	res, err := st.Query(ctx, &emcdp.Query{Kind: emcdp.KindCdpReplicaTaskSession, PageSize: 500, Page: 4})
	if err != nil {
		t.Fatal(err)
	}
	b := &emcdp.Batch{}
	for i, s := range res.TaskSessions {
		s.ID, s.CreationTime = emcdp.NewID(), s.CreationTime.Add(time.Duration(i%7-3)*24*time.Hour)
		b.NewTaskSessions = append(b.NewTaskSessions, s)
	}
	if err := st.Apply(ctx, b); err != nil {
		t.Fatal(err)
	}
	check(t, "added")
	cut := res.TaskSessions[0].CreationTime.Truncate(24 * time.Hour).Add(13 * time.Hour)
	if err := st.Apply(ctx, &emcdp.Batch{DeleteSessionsBefore: cut}); err != nil {
		t.Fatal(err)
	}
	check(t, "pruned")
}

// cdpSessionsSince returns the CDP sessions and task sessions of d created
// at cut or later: those a prune at cut keeps.
func (d *Dataset) cdpSessionsSince(cut time.Time) ([]emcdp.PolicySession, []emcdp.TaskSession) {
	var ss []emcdp.PolicySession
	var ts []emcdp.TaskSession
	for _, s := range d.Sessions {
		if !s.CreationTime.Before(cut) {
			ss = append(ss, s)
		}
	}
	for _, s := range d.Tasks {
		if !s.CreationTime.Before(cut) {
			ts = append(ts, s)
		}
	}
	return ss, ts
}
