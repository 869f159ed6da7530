package storetest

import (
	"context"
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/query"
)

// testDifferential compares the store with package query's in-memory
// reference (query.Run) on random datasets and thousands of random filters
// from query.RandomExpr, each run with a random sort and on every page size
// and page that a client could ask for.
func testDifferential(t *testing.T, st emcdp.Store) {
	ctx := context.Background()
	r := rand.New(rand.NewSource(20260615))
	var all Dataset
	for seed := uint64(1); seed <= 3; seed++ {
		// Several random datasets in one store: ids never collide, and the
		// union keeps names equal up to case and equal creation times.
		d := NewDataset(100+seed, 3, 6, 20, 100)
		load(t, st, d)
		all.Servers = append(all.Servers, d.Servers...)
		all.Policies = append(all.Policies, d.Policies...)
		all.Sessions = append(all.Sessions, d.Sessions...)
		all.Tasks = append(all.Tasks, d.Tasks...)
		all.Repositories = append(all.Repositories, d.Repositories...)
		all.Jobs = append(all.Jobs, d.Jobs...)
		all.JobSessions = append(all.JobSessions, d.JobSessions...)
		all.JobTasks = append(all.JobTasks, d.JobTasks...)
		all.Backups = append(all.Backups, d.Backups...)
		all.BackupFiles = append(all.BackupFiles, d.BackupFiles...)
		all.RestorePoints = append(all.RestorePoints, d.RestorePoints...)
		all.VmRestorePoints = append(all.VmRestorePoints, d.VmRestorePoints...)
		all.ProtectionGroups = append(all.ProtectionGroups, d.ProtectionGroups...)
		all.Computers = append(all.Computers, d.Computers...)
		all.NasJobs = append(all.NasJobs, d.NasJobs...)
	}
	const queries = 3000
	for i := 0; i < queries && !t.Failed(); i++ {
		k := emcdp.Kinds[i%len(emcdp.Kinds)]
		its := all.Items(k)
		sample := func(f emcdp.Field) emcdp.Value {
			if r.Intn(6) == 0 {
				return query.RandomValue(r, f)
			}
			v, ok := query.FieldValue(its[r.Intn(len(its))], f)
			if !ok {
				return query.RandomValue(r, f)
			}
			if f.Type == emcdp.TypeString && r.Intn(2) == 0 {
				v.Str = changeCase(v.Str, true)
			}
			return v
		}
		filter := query.RandomExpr(r, k, r.Intn(4), sample)
		q := emcdp.Query{Kind: k, Filter: filter, Desc: r.Intn(2) == 0}
		if r.Intn(5) > 0 {
			fs := emcdp.Fields(k)
			f := fs[r.Intn(len(fs))]
			q.Sort = &f
		}
		if r.Intn(4) > 0 {
			q.PageSize = 1 + r.Intn(len(its)/3+1)
			q.Page = 1 + r.Intn(len(its)/q.PageSize+2)
		}
		res, err := st.Query(ctx, &q)
		if err != nil {
			t.Fatalf("query %d %s %s: %v", i, k, query.Format(filter), err)
		}
		want, total := query.Run(&q, its)
		label := fmt.Sprintf("query %d: type=%s filter=%s sort=%s desc=%v pageSize=%d page=%d",
			i, k, query.Format(filter), sortName(q.Sort), q.Desc, q.PageSize, q.Page)
		if res.Total != total {
			t.Errorf("%s: Total %d, want %d", label, res.Total, total)
		}
		if diff := sameItems(items(k, res), want); diff != "" {
			t.Errorf("%s: %s", label, diff)
		}
	}
}

func sortName(f *emcdp.Field) string {
	if f == nil {
		return "(default)"
	}
	return strings.Clone(f.Name)
}
