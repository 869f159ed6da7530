// Package report computes the summary reports (monitoring.md §7) from the
// figures a store gathers for them (emcdp.ReportFacts): the period, the
// durations, the latest-state and percentage rules live here, once, for
// every store.
package report

import (
	"context"
	"time"

	"github.com/emcdp/emcdp"
)

// Period is how far back a report counts runs, tasks and points
// (monitoring.md §7: the last 24 hours).
const Period = 24 * time.Hour

// Days is the number of days of the processed_vms frame.
const Days = 7

// PeriodAt returns the period of a report requested at now: the runs that
// ended, and the points created, in the 24 hours up to now, and the seven
// UTC calendar days ending on now's day; every frame is wanted.
func PeriodAt(now time.Time) emcdp.ReportPeriod {
	now = now.UTC()
	return emcdp.ReportPeriod{Since: now.Add(-Period), Until: now, LastDay: dayOf(now), Days: Days, Frames: emcdp.AllFrames}
}

// dayOf returns the UTC day number of t (days since 1970-01-01).
func dayOf(t time.Time) int64 { return t.Unix() / 86400 }

// Compute reads the figures of the report at now from st and computes its
// frames; only those named in frames hold their figures.
func Compute(ctx context.Context, st emcdp.ReportStore, now time.Time, frames emcdp.ReportFrames) (*emcdp.Report, error) {
	p := PeriodAt(now)
	p.Frames = frames
	f, err := st.ReportFacts(ctx, p)
	if err != nil {
		return nil, err
	}
	return FromFacts(f, p), nil
}

// FromFacts computes the frames of a report from its figures.
func FromFacts(f *emcdp.ReportFacts, p emcdp.ReportPeriod) *emcdp.Report {
	r := &emcdp.Report{Repositories: f.Repositories}
	js := &r.JobStatistics
	js.RunningJobs = f.RunningJobs
	js.ScheduledBackupJobs, js.ScheduledReplicaJobs = f.ScheduledBackupJobs, f.ScheduledReplicaJobs
	js.ScheduledJobs = f.ScheduledBackupJobs + f.ScheduledReplicaJobs
	for i := range f.Runs {
		run := &f.Runs[i]
		switch run.Result {
		case emcdp.ResultSuccess:
			js.SuccessfulJobRuns++
		case emcdp.ResultWarning:
			js.WarningsJobRuns++
		case emcdp.ResultFailed:
			js.FailedJobRuns++
		default:
			continue // a run that ended without a result is not counted
		}
		d := Duration(run.CreationTime, run.EndTime)
		js.MaxJobDuration = max(js.MaxJobDuration, d)
		if run.JobType.IsReplica() {
			longest(&js.MaxReplicaJobDuration, &js.MaxDurationReplicaJobName, d, run.JobName)
		} else {
			longest(&js.MaxBackupJobDuration, &js.MaxDurationBackupJobName, d, run.JobName)
		}
	}
	js.TotalJobRuns = js.SuccessfulJobRuns + js.WarningsJobRuns + js.FailedJobRuns

	r.Overview = emcdp.OverviewReport{
		BackupServers: f.BackupServers, ProxyServers: f.ProxyServers, RepositoryServers: len(f.Repositories),
		RunningJobs: f.RunningJobs, ScheduledJobs: js.ScheduledJobs,
		SuccessfulVmLastestStates: f.VmStates[emcdp.ResultSuccess], WarningVmLastestStates: f.VmStates[emcdp.ResultWarning],
		FailedVmLastestStates: f.VmStates[emcdp.ResultFailed],
	}
	percents := 100
	if f.BackupTasks > 0 {
		percents = (200*f.SuccessfulBackupTasks + f.BackupTasks) / (2 * f.BackupTasks) // rounded half up
	}
	r.VmsOverview = emcdp.VmsOverviewReport{
		ProtectedVms: f.BackedUpVms, BackedUpVms: f.BackedUpVms, RestorePoints: f.RestorePoints,
		FullBackupPointsSize: f.FullBackupPointsSize, IncrementalBackupPointsSize: f.IncrementalBackupPointsSize,
		SourceVmsSize: f.SourceVmsSize, SuccessBackupPercents: percents,
	}
	counts := map[int64]emcdp.ReportDay{}
	for _, d := range f.Days {
		counts[d.Day] = d
	}
	for i := range p.Days {
		day := p.LastDay - int64(i)
		c := counts[day]
		r.ProcessedVms = append(r.ProcessedVms, emcdp.ProcessedVmsDay{Timestamp: time.Unix(day*86400, 0).UTC(),
			BackedUpVms: c.BackedUp, ReplicatedVms: c.Replicated})
	}
	return r
}

// longest keeps in dur and name the longest run seen so far: a longer one,
// or the first, or of equally long ones the one whose job name sorts first,
// so that the answer does not depend on the order the store read them in.
func longest(dur *int64, name *string, d int64, job string) {
	if *name == "" || d > *dur || d == *dur && job < *name {
		*dur, *name = d, job
	}
}

// Duration returns the seconds of a run from start to end as SQL Server's
// DATEDIFF(minute, start, end) × 60 counts them: the minute boundaries
// crossed, so durations are whole minutes (monitoring.md §7, both real
// replies).
func Duration(start, end time.Time) int64 {
	m := end.UTC().Truncate(time.Minute).Sub(start.UTC().Truncate(time.Minute)) / time.Minute
	return int64(max(m, 0)) * 60
}
