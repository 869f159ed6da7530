package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
)

// BenchEnd is the end of the history that Generate writes.
var BenchEnd = time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC)

// Shape of the generated world: 5 servers × 40 policies × 10 VMs, one task
// session per VM every 8 hours and one policy session per policy a day.
const (
	genServers  = 5
	genPolicies = 40 // per server
	genVMs      = 10 // per policy
	genTaskStep = 8 * time.Hour
)

// Generate writes n task sessions of a synthetic CDP history that ends at
// BenchEnd into st, in batches of batchSize rows, oldest first; with byPolicy
// it writes the whole history of one policy before the next, as the
// simulator seeds, so that every batch inserts across the whole time range
// of the indexes ordered by time. The same arguments give the same rows. The
// stores' benchmarks and plan tests share it, so that their figures compare.
func Generate(ctx context.Context, st emcdp.Store, n, batchSize int, byPolicy bool) error {
	r := rand.New(rand.NewPCG(1, 1))
	id := func() emcdp.ID {
		var x emcdp.ID
		for i := range x {
			x[i] = byte(r.Uint32())
		}
		x[6] = x[6]&0x0f | 0x40
		x[8] = x[8]&0x3f | 0x80
		return x
	}
	type vm struct {
		name string
		size int64
	}
	type policy struct {
		p   emcdp.CdpPolicy
		vms []vm
		cur emcdp.PolicySession
	}
	setup := &emcdp.Batch{}
	var pols []*policy
	for s := 0; s < genServers; s++ {
		srv := emcdp.BackupServer{ID: id(), Name: fmt.Sprintf("vbr%02d.lab.local", s+1), Port: 9392, Version: "12.3.1.1139"}
		setup.BackupServers = append(setup.BackupServers, srv)
		for p := 0; p < genPolicies; p++ {
			pl := &policy{p: emcdp.CdpPolicy{ID: id(), Name: fmt.Sprintf("CDP %02d-%02d", s+1, p+1), BackupServerID: srv.ID,
				BackupServerName: srv.Name, Platform: "VMware", ScheduleConfigured: true, ScheduleEnabled: true,
				NextRun: BenchEnd, Options: emcdp.DefaultCdpScheduleOptions()}}
			for v := 0; v < genVMs; v++ {
				pl.vms = append(pl.vms, vm{fmt.Sprintf("vm-%05d", len(pols)*genVMs+v), int64(16+r.IntN(200)) << 30})
			}
			setup.CdpPolicies = append(setup.CdpPolicies, pl.p)
			pols = append(pols, pl)
		}
	}
	if err := st.Apply(ctx, setup); err != nil {
		return err
	}
	perRound := len(pols) * genVMs
	rounds := (n + perRound - 1) / perRound
	start := BenchEnd.Add(-time.Duration(rounds) * genTaskStep)
	b := &emcdp.Batch{}
	written := 0
	flush := func() error {
		if b.Len() == 0 {
			return nil
		}
		err := st.Apply(ctx, b)
		b = &emcdp.Batch{}
		return err
	}
	// visit writes one round of one policy: its VMs' task sessions, and
	// every third round a new policy session that ends the previous one.
	visit := func(round int, pl *policy) error {
		at := start.Add(time.Duration(round) * genTaskStep)
		if round%3 == 0 {
			if !pl.cur.ID.IsZero() {
				pl.cur.EndTime, pl.cur.State, pl.cur.Result = at, emcdp.SessionStopped, emcdp.ResultSuccess
				b.UpdPolicySessions = append(b.UpdPolicySessions, pl.cur)
			}
			pl.cur = emcdp.PolicySession{ID: id(), Name: emcdp.SessionName(pl.p.Name, at), PolicyID: pl.p.ID, PolicyName: pl.p.Name,
				BackupServerID: pl.p.BackupServerID, BackupServerName: pl.p.BackupServerName, CreationTime: at,
				State: emcdp.SessionWorking, Result: emcdp.ResultNone}
			b.NewPolicySessions = append(b.NewPolicySessions, pl.cur)
		}
		for _, v := range pl.vms {
			if written == n {
				break
			}
			created := emcdp.Ticks(at.Add(time.Duration(r.IntN(5000)) * time.Millisecond))
			t := emcdp.TaskSession{ID: id(), Name: emcdp.SessionName(v.name, created), PolicySessionID: pl.cur.ID,
				PolicySessionName: pl.cur.Name, PolicyID: pl.p.ID, BackupServerID: pl.p.BackupServerID,
				BackupServerName: pl.p.BackupServerName, VmDisplayName: v.name, CreationTime: created,
				EndTime: emcdp.Ticks(created.Add(genTaskStep - time.Second)), State: emcdp.TaskCompleted,
				Result: emcdp.ResultSuccess, TotalSize: v.size}
			switch x := r.IntN(100); {
			case x == 0:
				t.Result, t.Reason = emcdp.ResultFailed, "RPO was not met for 3 consecutive periods"
			case x < 5:
				t.Result, t.Reason = emcdp.ResultWarning, "CDP proxy px01 is unavailable"
			}
			b.NewTaskSessions = append(b.NewTaskSessions, t)
			written++
			if len(b.NewTaskSessions) >= batchSize {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if byPolicy {
		for _, pl := range pols {
			for round := 0; round < rounds && written < n; round++ {
				if err := visit(round, pl); err != nil {
					return err
				}
			}
		}
		return flush()
	}
	for round := 0; round < rounds && written < n; round++ {
		for _, pl := range pols {
			if err := visit(round, pl); err != nil {
				return err
			}
		}
	}
	return flush()
}

// HotQueries are the queries that clients run most, over the history that
// Generate writes for 1,000,000 task sessions: a one-day window, page 5000
// newest first, one VM's problems, and the 30-day collection, whole and as a
// chunk of references.
func HotQueries() map[string]emcdp.Query {
	k := emcdp.KindCdpReplicaTaskSession
	f := func(n string) emcdp.Field { x, _ := emcdp.LookupField(k, n); return x }
	created, vm, result := f("CreationTimeUTC"), f("VmDisplayName"), f("Result")
	day := BenchEnd.AddDate(0, 0, -60)
	return map[string]emcdp.Query{
		"DayWindow": {Kind: k, PageSize: 100, Page: 1, Filter: &emcdp.And{Terms: []emcdp.Expr{
			&emcdp.Term{Field: created, Op: emcdp.OpGe, Value: emcdp.Value{Time: day}},
			&emcdp.Term{Field: created, Op: emcdp.OpLt, Value: emcdp.Value{Time: day.AddDate(0, 0, 1)}}}}},
		"DeepPage": {Kind: k, Sort: &created, Desc: true, PageSize: 100, Page: 5000},
		"VmResult": {Kind: k, PageSize: 100, Page: 1, Filter: &emcdp.And{Terms: []emcdp.Expr{
			&emcdp.Term{Field: vm, Op: emcdp.OpEq, Value: emcdp.Value{Str: "VM-00042"}},
			&emcdp.Term{Field: result, Op: emcdp.OpGe, Value: emcdp.Value{Int: int64(emcdp.ResultWarning)}}}}},
		"Collection30d": {Kind: k, Sort: &created, Desc: true,
			Filter: &emcdp.Term{Field: created, Op: emcdp.OpGe, Value: emcdp.Value{Time: BenchEnd.AddDate(0, 0, -30)}}},
		// A chunk of the 30-day collection as the endpoint reads it for
		// references: the columns of a reference, no count.
		"CollectionRefs": {Kind: k, Sort: &created, Desc: true, PageSize: 2000, Page: 1, NoTotal: true, Refs: true,
			Filter: &emcdp.Term{Field: created, Op: emcdp.OpGe, Value: emcdp.Value{Time: BenchEnd.AddDate(0, 0, -30)}}},
	}
}

// BenchmarkApplyTaskSessions writes task sessions into st, empty at the
// start, in batches of 10,000, as the simulator seeds history; ns/op is per
// batch and rows/s the write rate.
func BenchmarkApplyTaskSessions(b *testing.B, st emcdp.Store) {
	const batch = 10000
	b.ResetTimer()
	if err := Generate(context.Background(), st, b.N*batch, batch, false); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkHotQueries runs HotQueries as sub-benchmarks against st, which
// must hold the history Generate writes for 1,000,000 task sessions, and
// reports the items and Total of each answer beside its time.
func BenchmarkHotQueries(b *testing.B, st emcdp.Store) {
	ctx := context.Background()
	for _, name := range []string{"DayWindow", "DeepPage", "VmResult", "Collection30d"} {
		q := HotQueries()[name]
		b.Run(name, func(b *testing.B) {
			var res *emcdp.QueryResult
			var err error
			for b.Loop() {
				if res, err = st.Query(ctx, &q); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(res.Len()), "items")
			b.ReportMetric(float64(res.Total), "total")
		})
	}
}
