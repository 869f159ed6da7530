package emcdp

import (
	"context"
	"time"
)

// This file holds the summary reports (monitoring.md §7): the figures a
// store gathers for them in one transaction (ReportFacts), and the frames
// package report computes from those figures.

// ReportStore gathers the figures of the summary reports. Stores keep the
// per-VM and per-repository figures up to date as sessions, tasks, points
// and files are written, in the same transaction, so that a report reads a
// few small tables and index ranges rather than the whole history.
type ReportStore interface {
	ReportFacts(ctx context.Context, p ReportPeriod) (*ReportFacts, error)
}

// ReportPeriod is what a report counts over: runs, tasks and points that
// ended (points: were created) in [Since, Until], and the calendar days of
// processed_vms, given by the UTC day number (days since 1970-01-01) of the
// newest and the number of days back from it. Frames names the frames whose
// figures are wanted; a store may leave the others zero.
type ReportPeriod struct {
	Since, Until time.Time
	LastDay      int64
	Days         int
	Frames       ReportFrames
}

// ReportFrames is a set of the frames of the summary report.
type ReportFrames uint8

// The frames, in the order of their links (wire.ReportFrames, whose index
// the api turns into a frame by shifting FrameOverview).
const (
	FrameOverview ReportFrames = 1 << iota
	FrameVmsOverview
	FrameJobStatistics
	FrameProcessedVms
	FrameRepository
	AllFrames = FrameOverview | FrameVmsOverview | FrameJobStatistics | FrameProcessedVms | FrameRepository
)

// ReportRun is one finished run (a backup, copy or replica job session) in
// the period.
type ReportRun struct {
	JobName      string
	JobType      JobType
	CreationTime time.Time
	EndTime      time.Time
	Result       Result
}

// ReportRepository is one repository's line of the repository report.
type ReportRepository struct {
	Name       string
	Capacity   int64 // -1 for object storage
	FreeSpace  int64
	BackupSize int64 // Σ BackupSize of the files of its backups
}

// ReportDay counts the distinct VMs a run task processed with Success or
// Warning on one UTC day.
type ReportDay struct {
	Day        int64 // days since 1970-01-01
	BackedUp   int
	Replicated int
}

// ReportFacts are the figures of one report request, read in one
// transaction. A run is a session of a Backup, BackupCopy,
// ImmediateBackupCopy or Replica job (IsRunType); agent and NAS runs are
// left out of every figure.
type ReportFacts struct {
	BackupServers        int
	ProxyServers         int                // Σ ProxyCount of the servers
	Repositories         []ReportRepository // by Name, then id
	ScheduledBackupJobs  int                // backup and copy jobs with a configured, enabled schedule
	ScheduledReplicaJobs int
	RunningJobs          int         // jobs with a run not ended
	Runs                 []ReportRun // runs that ended in the period
	// VmStates counts the VMs whose latest finished run task ended in the
	// period, by that task's Result.
	VmStates [ResultFailed + 1]int
	// BackupTasks and SuccessfulBackupTasks count the finished backup
	// (not replica) run tasks of the period, and those that succeeded.
	BackupTasks, SuccessfulBackupTasks int
	RestorePoints                      int         // VM restore points created in the period
	BackedUpVms                        int         // distinct VMs with at least one kept VM restore point
	SourceVmsSize                      int64       // Σ of those VMs' size (the TotalSize of the task of their newest point)
	FullBackupPointsSize               int64       // Σ BackupSize of vbk files
	IncrementalBackupPointsSize        int64       // Σ BackupSize of vib and vrb files
	Days                               []ReportDay // in no order
}

// IsRunType reports whether sessions of jobs of this type are runs the
// reports count.
func (t JobType) IsRunType() bool {
	switch t {
	case JobBackup, JobBackupCopy, JobImmediateBackupCopy, JobReplica:
		return true
	}
	return false
}

// OverviewReport is the overview frame.
type OverviewReport struct {
	BackupServers, ProxyServers, RepositoryServers    int
	RunningJobs, ScheduledJobs                        int
	SuccessfulVmLastestStates, WarningVmLastestStates int
	FailedVmLastestStates                             int
}

// VmsOverviewReport is the vms_overview frame.
type VmsOverviewReport struct {
	ProtectedVms, BackedUpVms, ReplicatedVms, RestorePoints                     int
	FullBackupPointsSize, IncrementalBackupPointsSize, ReplicaRestorePointsSize int64
	SourceVmsSize                                                               int64
	SuccessBackupPercents                                                       int
}

// JobStatisticsReport is the job_statistics frame. Durations are seconds.
type JobStatisticsReport struct {
	RunningJobs, ScheduledJobs, ScheduledBackupJobs, ScheduledReplicaJobs int
	TotalJobRuns, SuccessfulJobRuns, WarningsJobRuns, FailedJobRuns       int
	MaxJobDuration, MaxBackupJobDuration, MaxReplicaJobDuration           int64
	MaxDurationBackupJobName, MaxDurationReplicaJobName                   string
}

// ProcessedVmsDay is one Day of the processed_vms frame: local midnight of
// the day and the distinct VMs backed up and replicated on it.
type ProcessedVmsDay struct {
	Timestamp                  time.Time
	BackedUpVms, ReplicatedVms int
}

// Report holds the five frames of the summary report at one request time.
type Report struct {
	Overview      OverviewReport
	VmsOverview   VmsOverviewReport
	JobStatistics JobStatisticsReport
	ProcessedVms  []ProcessedVmsDay // newest first
	Repositories  []ReportRepository
}
