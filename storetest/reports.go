package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
)

// RunReportVMCase checks that the summary reports tell VMs apart by their
// display names as written, so that two VMs whose names differ only in case
// are two VMs (docs/compatibility.md, "Summary reports"), both when the rows
// reach the report tables through the writers' triggers (st, a new store)
// and when the tables are rebuilt from the rows: rebuild must drop the
// report tables of st and return the store opened again.
func RunReportVMCase(t *testing.T, st emcdp.Store, rebuild func(t *testing.T) emcdp.Store) {
	ctx := context.Background()
	now := time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)
	srv := emcdp.BackupServer{ID: emcdp.NewID(), Name: "vbr01", Port: 9392}
	job := emcdp.Job{ID: emcdp.NewID(), Name: "Backup SQL", BackupServerID: srv.ID, BackupServerName: srv.Name,
		JobType: emcdp.JobBackup, Platform: "VMware"}
	b := &emcdp.Batch{BackupServers: []emcdp.BackupServer{srv}, Jobs: []emcdp.Job{job}}
	for i, vm := range []string{"Sql01", "SQL01", "sql01", "Sql02"} {
		c := now.Add(-time.Duration(4-i) * time.Hour)
		s := emcdp.JobSession{ID: emcdp.NewID(), Name: emcdp.SessionName(job.Name, c), JobID: job.ID, JobName: job.Name,
			JobType: job.JobType, BackupServerID: srv.ID, BackupServerName: srv.Name, CreationTime: c,
			EndTime: c.Add(time.Minute), State: emcdp.SessionStopped, Result: emcdp.ResultSuccess, Progress: 100}
		ts := emcdp.JobTaskSession{ID: emcdp.NewID(), Name: emcdp.SessionName(vm, c), JobSessionID: s.ID, JobSessionName: s.Name,
			JobID: job.ID, JobName: job.Name, JobType: job.JobType, BackupServerID: srv.ID, BackupServerName: srv.Name,
			VmDisplayName: vm, VmUID: "urn:VMware:Vm:7f1c.vm-" + vm, CreationTime: c, EndTime: c.Add(time.Minute),
			State: emcdp.TaskCompleted, Result: emcdp.ResultSuccess, TotalSize: int64(i+1) << 30}
		p := emcdp.VmRestorePoint{ID: emcdp.NewID(), Name: vm + "@" + emcdp.PointName(c), TaskSessionID: ts.ID,
			VmDisplayName: vm, HierarchyObjRef: ts.VmUID, CreationTime: c.Add(time.Minute), Algorithm: "Full", PointType: "Full",
			BackupServerID: srv.ID, BackupServerName: srv.Name}
		b.NewJobSessions = append(b.NewJobSessions, s)
		b.NewJobTaskSessions = append(b.NewJobTaskSessions, ts)
		b.VmRestorePoints = append(b.VmRestorePoints, p)
	}
	if err := st.Apply(ctx, b); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	p := emcdp.ReportPeriod{Since: now.Add(-24 * time.Hour), Until: now, LastDay: now.Unix() / 86400, Days: 7, Frames: emcdp.AllFrames}
	checkReportVMs(t, "written", st, p)
	checkReportVMs(t, "rebuilt", rebuild(t), p)
}

// checkReportVMs checks the figures of the four VMs of RunReportVMCase.
func checkReportVMs(t *testing.T, how string, st emcdp.Store, p emcdp.ReportPeriod) {
	t.Helper()
	f, err := st.ReportFacts(context.Background(), p)
	if err != nil {
		t.Fatalf("%s: ReportFacts: %v", how, err)
	}
	if f.VmStates[emcdp.ResultSuccess] != 4 || f.BackedUpVms != 4 {
		t.Errorf("%s: VMs Sql01, SQL01, sql01 and Sql02: %d succeeded, %d backed up; want 4 and 4", how, f.VmStates[emcdp.ResultSuccess], f.BackedUpVms)
	}
	// Each VM's size is the one of its own newest point: 1 + 2 + 3 + 4 GiB.
	if want := int64(10) << 30; f.SourceVmsSize != want {
		t.Errorf("%s: source VMs size %d, want %d", how, f.SourceVmsSize, want)
	}
	if len(f.Days) != 1 || f.Days[0].BackedUp != 4 {
		t.Errorf("%s: processed VMs per day %+v, want one day with 4", how, f.Days)
	}
}
