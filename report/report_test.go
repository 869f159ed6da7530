package report

import (
	"testing"
	"time"

	"github.com/emcdp/emcdp"
)

// TestDuration counts minute boundaries crossed, as SQL Server's
// DATEDIFF(minute, …) does.
func TestDuration(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct {
		start, end string
		want       int64
	}{
		{"2026-06-14T22:00:14.659559Z", "2026-06-14T22:41:49.157004Z", 2460},
		{"2026-06-14T22:00:59.9Z", "2026-06-14T22:01:00.1Z", 60},
		{"2026-06-14T22:00:00Z", "2026-06-14T22:00:59.999Z", 0},
		{"2026-06-14T22:05:00Z", "2026-06-14T22:00:00Z", 0},
	} {
		if got := Duration(at(c.start), at(c.end)); got != c.want {
			t.Errorf("Duration(%s, %s) = %d, want %d", c.start, c.end, got, c.want)
		}
	}
}

// TestFromFacts checks the rules package report adds to a store's figures:
// the longest run per kind (ties by job name, whatever the read order), runs
// without a result left out, the rounded success share (100 without tasks),
// and seven days, newest first, zero where the store has none.
func TestFromFacts(t *testing.T) {
	now := time.Date(2026, 6, 15, 22, 1, 0, 0, time.UTC)
	run := func(job string, typ emcdp.JobType, minutes int, r emcdp.Result) emcdp.ReportRun {
		start := now.Add(-2 * time.Hour)
		return emcdp.ReportRun{JobName: job, JobType: typ, CreationTime: start,
			EndTime: start.Add(time.Duration(minutes) * time.Minute), Result: r}
	}
	p := PeriodAt(now)
	for _, runs := range [][]emcdp.ReportRun{
		{run("b", emcdp.JobBackup, 10, emcdp.ResultSuccess), run("a", emcdp.JobBackupCopy, 10, emcdp.ResultFailed),
			run("r", emcdp.JobReplica, 3, emcdp.ResultWarning), run("x", emcdp.JobBackup, 90, emcdp.ResultNone)},
		{run("x", emcdp.JobBackup, 90, emcdp.ResultNone), run("r", emcdp.JobReplica, 3, emcdp.ResultWarning),
			run("a", emcdp.JobBackupCopy, 10, emcdp.ResultFailed), run("b", emcdp.JobBackup, 10, emcdp.ResultSuccess)},
	} {
		f := &emcdp.ReportFacts{Runs: runs, ScheduledBackupJobs: 2, ScheduledReplicaJobs: 1, BackupTasks: 3,
			SuccessfulBackupTasks: 2, Days: []emcdp.ReportDay{{Day: p.LastDay - 1, BackedUp: 4, Replicated: 1}}}
		r := FromFacts(f, p)
		js := r.JobStatistics
		if js.TotalJobRuns != 3 || js.SuccessfulJobRuns != 1 || js.WarningsJobRuns != 1 || js.FailedJobRuns != 1 ||
			js.ScheduledJobs != 3 || js.MaxJobDuration != 600 || js.MaxBackupJobDuration != 600 ||
			js.MaxDurationBackupJobName != "a" || js.MaxReplicaJobDuration != 180 || js.MaxDurationReplicaJobName != "r" {
			t.Errorf("job statistics: %+v", js)
		}
		if r.VmsOverview.SuccessBackupPercents != 67 {
			t.Errorf("SuccessBackupPercents = %d, want 67", r.VmsOverview.SuccessBackupPercents)
		}
		if len(r.ProcessedVms) != Days || r.ProcessedVms[1].BackedUpVms != 4 || r.ProcessedVms[1].ReplicatedVms != 1 ||
			r.ProcessedVms[0].BackedUpVms != 0 || !r.ProcessedVms[0].Timestamp.Equal(time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("processed VMs: %+v", r.ProcessedVms)
		}
	}
	if got := FromFacts(&emcdp.ReportFacts{}, p).VmsOverview.SuccessBackupPercents; got != 100 {
		t.Errorf("SuccessBackupPercents without tasks = %d, want 100", got)
	}
}
