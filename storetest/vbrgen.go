package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
)

// Shape of the generated VBR world: per server 8 repositories (one object
// storage) and jobs of 10 VMs, each job running once a day at its hour, one
// backup task session per VM and run. The number of jobs follows from n:
// enough for genVBRDays of history.
const (
	genVBRRepos = 8
	genVBRVMs   = 10
	genVBRDays  = 180
)

// GenerateVBR writes a synthetic history of about n backup task sessions
// that ends at BenchEnd into st, in batches of about batchSize rows, one
// day after the other: daily backup jobs (names "Job 0001" …) of 10 VMs
// over genVBRDays days, each run a BackupJobSession with one task per VM,
// 5 % Warning and 2 % Failed; each job's newest session is still running.
// The same arguments give the same rows.
func GenerateVBR(ctx context.Context, st emcdp.Store, n, batchSize int) error {
	r := rand.New(rand.NewPCG(2, 2))
	id := func() emcdp.ID {
		var x emcdp.ID
		for i := range x {
			x[i] = byte(r.Uint32())
		}
		x[6] = x[6]&0x0f | 0x40
		x[8] = x[8]&0x3f | 0x80
		return x
	}
	jobs := max(1, (n+genVBRVMs*genVBRDays-1)/(genVBRVMs*genVBRDays))
	days := min(genVBRDays, (n+jobs*genVBRVMs-1)/(jobs*genVBRVMs))
	srv := emcdp.BackupServer{ID: id(), Name: "vbr-gen.lab.local", Port: 9392, Version: "12.3.1.1139", WcfPort: 9405}
	setup := &emcdp.Batch{BackupServers: []emcdp.BackupServer{srv}}
	for i := 0; i < genVBRRepos; i++ {
		rp := emcdp.Repository{ID: id(), Name: fmt.Sprintf("Repository %02d", i+1), BackupServerID: srv.ID,
			BackupServerName: srv.Name, Kind: "WindowsLocal", Capacity: 100 << 40, FreeSpace: int64(10+i) << 40}
		if i == 0 {
			rp.Kind, rp.Capacity, rp.FreeSpace = "AmazonS3Compatible", -1, -1
		}
		setup.Repositories = append(setup.Repositories, rp)
	}
	for j := 0; j < jobs; j++ {
		job := emcdp.Job{ID: id(), Name: JobName(j), BackupServerID: srv.ID, BackupServerName: srv.Name,
			JobType: emcdp.JobBackup, Platform: "VMware", ScheduleConfigured: true, ScheduleEnabled: true,
			NextRun: BenchEnd.Add(time.Duration(j%24) * time.Hour), RepositoryID: setup.Repositories[j%genVBRRepos].ID,
			Schedule:  emcdp.JobSchedule{Kind: emcdp.ScheduleDaily, DailyKind: "Everyday", At: time.Duration(j%24) * time.Hour},
			Retention: emcdp.JobRetention{RetainCycles: 14, RetainLimitType: "Cycles"}}
		for v := 0; v < genVBRVMs; v++ {
			name := fmt.Sprintf("vm-%05d", j*genVBRVMs+v)
			job.Includes = append(job.Includes, emcdp.ObjectInJob{ID: id(), PolicyID: job.ID, Name: name, DisplayName: name,
				HierarchyObjRef: "urn:VMware:Vm:45237d2c-c163-4cb1-9f6e-c9913cdea868.vm-" + name[3:]})
		}
		setup.Jobs = append(setup.Jobs, job)
	}
	if err := st.Apply(ctx, setup); err != nil {
		return err
	}
	b := &emcdp.Batch{}
	written := 0
	start := BenchEnd.AddDate(0, 0, -days)
	for d := 0; d < days && written < n; d++ {
		for j := range setup.Jobs {
			job := &setup.Jobs[j]
			at := start.AddDate(0, 0, d).Add(time.Duration(j%24)*time.Hour + time.Duration(r.IntN(60_000_000))*time.Microsecond)
			s := emcdp.JobSession{ID: id(), Name: emcdp.JobSessionName(job.Name, at), JobID: job.ID, JobName: job.Name,
				JobType: job.JobType, BackupServerID: srv.ID, BackupServerName: srv.Name, CreationTime: at,
				EndTime: at.Add(time.Duration(20+r.IntN(60)) * time.Minute), State: emcdp.SessionStopped,
				Result: emcdp.ResultSuccess, Progress: 100}
			if d == days-1 {
				s.EndTime, s.State, s.Result, s.Progress = time.Time{}, emcdp.SessionWorking, emcdp.ResultNone, 50
			}
			for v := range job.Includes {
				if written == n {
					break
				}
				c := at.Add(time.Duration(v*30+r.IntN(30)) * time.Second)
				t := emcdp.JobTaskSession{ID: id(), Name: emcdp.JobSessionName(job.Includes[v].Name, c), JobSessionID: s.ID,
					JobSessionName: s.Name, JobID: job.ID, JobName: job.Name, JobType: job.JobType, BackupServerID: srv.ID,
					BackupServerName: srv.Name, VmDisplayName: job.Includes[v].Name, VmUID: job.Includes[v].HierarchyObjRef,
					CreationTime: c, State: emcdp.TaskCompleted, Result: emcdp.ResultSuccess, TotalSize: 200 << 30}
				if s.EndTime.IsZero() {
					t.State = emcdp.TaskInProgress
				} else {
					t.EndTime = c.Add(time.Duration(5+r.IntN(15)) * time.Minute)
					switch x := r.IntN(100); {
					case x < 2:
						t.Result, t.Reason, t.TotalSize = emcdp.ResultFailed, "Processing "+t.VmDisplayName+" Error: Failed to create VM snapshot", 0
					case x < 7:
						t.Result, t.Reason = emcdp.ResultWarning, "Processing "+t.VmDisplayName+" Warning: Changed block tracking cannot be enabled"
					}
					s.Result = max(s.Result, t.Result)
				}
				b.NewJobTaskSessions = append(b.NewJobTaskSessions, t)
				written++
			}
			b.NewJobSessions = append(b.NewJobSessions, s)
			if len(b.NewJobTaskSessions) >= batchSize {
				if err := st.Apply(ctx, b); err != nil {
					return err
				}
				b = &emcdp.Batch{}
			}
		}
	}
	if b.Len() > 0 {
		return st.Apply(ctx, b)
	}
	return nil
}

// JobName is the name of the i-th job that GenerateVBR writes.
func JobName(i int) string { return fmt.Sprintf("Job %04d", i+1) }

// MonitoringQueries are the queries monitoring clients send (monitoring.md
// §2), over the history that GenerateVBR writes: the last finished session
// of one job and its last five (JobName, sortDesc=EndTime), the job
// sessions created in the last 24 hours, and the repositories.
func MonitoringQueries() map[string]emcdp.Query {
	f := func(k emcdp.Kind, n string) emcdp.Field { x, _ := emcdp.LookupField(k, n); return x }
	k := emcdp.KindBackupJobSession
	end, job := f(k, "EndTime"), &emcdp.Term{Field: f(k, "JobName"), Op: emcdp.OpEq, Value: emcdp.Value{Str: JobName(7)}}
	return map[string]emcdp.Query{
		"LastSession": {Kind: k, Filter: job, Sort: &end, Desc: true, PageSize: 1, Page: 1},
		"LastFive":    {Kind: k, Filter: job, Sort: &end, Desc: true, PageSize: 5, Page: 1},
		"Sessions24h": {Kind: k, PageSize: 100, Page: 1, Filter: &emcdp.Term{Field: f(k, "CreationTime"), Op: emcdp.OpGe,
			Value: emcdp.Value{Time: BenchEnd.Add(-24 * time.Hour)}}},
		"Repositories": {Kind: emcdp.KindRepository, PageSize: 100, Page: 1},
	}
}

// BenchmarkMonitoringQueries runs MonitoringQueries as sub-benchmarks
// against st, which must hold what GenerateVBR writes, and reports the
// items and Total of each answer beside its time.
func BenchmarkMonitoringQueries(b *testing.B, st emcdp.Store) {
	ctx := context.Background()
	for _, name := range []string{"LastSession", "LastFive", "Sessions24h", "Repositories"} {
		q := MonitoringQueries()[name]
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
