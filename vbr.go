package emcdp

import "time"

// This file holds the regular VBR world beside CDP: repositories, jobs, and
// the job and task sessions that runs of those jobs leave behind
// (monitoring.md §2–§6, §8; vbr-domain.md).

// JobType is the type of a job, and of the sessions its runs make, valued by
// its position in one list that keeps the documented relative order of both
// the Job and the BackupJobSession query types (Replica comes last in each).
type JobType int8

// Job and job-session types.
const (
	JobBackup JobType = iota
	JobBackupCopy
	JobImmediateBackupCopy
	JobImmediateBackupCopyWorker // sessions only: the per-source-job child of an immediate copy
	JobAgentBackup
	JobAgentManagement // sessions only: the per-computer child of an agent backup
	JobNasBackup
	JobReplica
)

// JobTypeNames lists the names by value.
var JobTypeNames = []string{"Backup", "BackupCopy", "ImmediateBackupCopy", "ImmediateBackupCopyWorker",
	"AgentBackup", "AgentManagement", "NasBackup", "Replica"}

func (t JobType) String() string { return enumName(JobTypeNames, int(t)) }

// IsReplica reports whether runs of this type are ReplicaJobSessions rather
// than BackupJobSessions.
func (t JobType) IsReplica() bool { return t == JobReplica }

// Repository is a backup repository of one backup server.
type Repository struct {
	ID               ID
	Name             string
	BackupServerID   ID
	BackupServerName string
	Kind             string // e.g. "WindowsLocal", "DDBoost", "AmazonS3Compatible"
	Capacity         int64  // bytes; -1 for object storage
	FreeSpace        int64  // bytes; -1 for object storage
}

// Job is a backup, backup copy or replica job of one backup server.
type Job struct {
	ID                 ID
	Name               string
	BackupServerID     ID
	BackupServerName   string
	JobType            JobType
	Platform           string // "VMware", "HyperV", "vCloud", "CustomPlatform"
	Description        string
	ScheduleConfigured bool
	ScheduleEnabled    bool
	NextRun            time.Time // zero when not scheduled, disabled, or an immediate copy job
	Schedule           JobSchedule
	RepositoryID       ID           // the target repository
	SourceJobIDs       []ID         // copy jobs: the jobs whose backups they copy
	SourceObjectIDs    []ID         // immediate copy jobs: the ObjectInJobId of each source job, by SourceJobIDs position
	Retention          JobRetention // backup and copy jobs
	Guest              GuestProcessingOptions
	Includes           []ObjectInJob // the VMs, ordered by Name then ID; their PolicyID is the job's ID
}

// ScheduleKind says which one of a job's schedule options is in force.
type ScheduleKind int8

// Schedule kinds (JobScheduleOptions/Standart option elements, or ImmediateCopyMode).
const (
	ScheduleDaily ScheduleKind = iota
	ScheduleMonthly
	SchedulePeriodically
	ScheduleContinuous
	ScheduleDaisyChaining
)

// JobSchedule is a job's JobScheduleOptions, reduced to what the wire writes
// and the simulator runs by.
type JobSchedule struct {
	Kind           ScheduleKind
	RetryTimes     int // RetryOptions/RetryTimes
	RetryTimeout   int // minutes between a failed run and its retry
	RetrySpecified bool
	// Daily: DailyKind is "Everyday", "WeekDays" or "SelectedDays"; DailyDays
	// the selected weekdays (Sunday = 0); At the local start time of day.
	DailyKind string
	DailyDays []time.Weekday
	At        time.Duration // time of day of a daily or monthly start
	// Monthly: DayNumberInMonth "First"…"Fourth"|"Last" and DayOfWeek.
	DayNumberInMonth string
	DayOfWeek        time.Weekday
	// Periodically: every PeriodMinutes minutes, in the hours Periods allows.
	PeriodMinutes int
	Periods       WeekSchedule
	// DaisyChaining: the job this one runs after.
	PreviousJobID ID
	// BackupWindow: when set, runs only in the hours it allows.
	BackupWindowEnabled bool
	BackupWindow        WeekSchedule
	// FullDay is the weekday of the weekly synthetic full (backup jobs);
	// NoPeriodicFull means forever-forward incremental.
	FullDay        time.Weekday
	NoPeriodicFull bool
	// Saved is the day the schedule was saved, the date part of the JSON
	// Time of the daily and monthly options; zero writes the NextRun day.
	Saved time.Time
}

// JobRetention is a job's SimpleRetentionPolicy (and whether GFS is on).
type JobRetention struct {
	RetainCycles     int    // restore points kept per VM
	RetainDaysToKeep int    //
	RetainLimitType  string // "Cycles" or "Days"
	GfsEnabled       bool
}

// JobSession is one run of a job: a BackupJobSession, or a ReplicaJobSession
// when JobType is JobReplica. The job and server names are carried along so
// that links can be written without further reads.
type JobSession struct {
	ID               ID
	Name             string
	JobID            ID
	JobName          string
	JobType          JobType
	BackupServerID   ID
	BackupServerName string
	CreationTime     time.Time
	EndTime          time.Time // zero while running
	State            SessionState
	Result           Result
	Progress         int
	FailureMessage   string // empty: written null (monitoring.md §2)
	IsRetry          bool
	// RestorePoints names the restore points the session made that are
	// kept, in CompareGUID order of their ids (Q7). It is no column: the
	// stores read it with the session from the points themselves, so that
	// retention removes a link with its point; nil when there are none.
	RestorePoints []Ref
}

// Running reports whether the session has not ended.
func (s *JobSession) Running() bool { return s.EndTime.IsZero() }

// JobTaskSession is one VM's task in a job session: a BackupTaskSession, or a
// ReplicaTaskSession when JobType is JobReplica.
type JobTaskSession struct {
	ID               ID
	Name             string
	JobSessionID     ID
	JobSessionName   string
	JobID            ID
	JobName          string
	JobType          JobType
	BackupServerID   ID
	BackupServerName string
	VmDisplayName    string
	VmUID            string // the VM's hierarchy reference; not written for replica tasks
	CreationTime     time.Time
	EndTime          time.Time // zero while running
	State            TaskState
	Result           Result
	Reason           string // empty when none
	TotalSize        int64
	// VmRestorePointID names the VM restore point a backup task left,
	// while it is kept (zero: none, or retired); VmRestorePointName is its
	// name.
	VmRestorePointID   ID
	VmRestorePointName string
}

// Running reports whether the task has not ended.
func (t *JobTaskSession) Running() bool { return t.EndTime.IsZero() }
