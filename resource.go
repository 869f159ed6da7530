package emcdp

import "time"

// BackupServer is a Veeam Backup & Replication server known to Enterprise
// Manager. Name is its DNS name or address.
type BackupServer struct {
	ID                       ID
	Name                     string
	Description              string
	Port                     int
	Version                  string
	WcfPort                  int    // the VBR service port EM reaches, 9405
	VbrCertificateThumbprint string // 40 upper-case hex digits
	ProxyCount               int    // backup proxies of the server; only counted by the overview report
}

// CdpPolicy is a CDP replication policy on one backup server.
type CdpPolicy struct {
	ID                 ID
	Name               string
	BackupServerID     ID
	BackupServerName   string
	Platform           string // "VMware" or "vCloud"
	Description        string
	ScheduleConfigured bool
	ScheduleEnabled    bool
	NextRun            time.Time
	Options            CdpScheduleOptions
	Guest              GuestProcessingOptions
	Includes           []ObjectInJob // the protected VMs, ordered by Name then ID
}

// PolicyType is the only policy type that CDP policies have.
const PolicyType = "CdpReplica"

// CdpScheduleOptions are the PolicyScheduleOptions/CdpReplica settings.
type CdpScheduleOptions struct {
	RPOSeconds          int
	RPOMinutes          int
	RPOScheduleEnabled  bool
	RPOSchedule         WeekSchedule
	WarnEnabled         bool
	WarnThresholdSecs   int
	WarnThresholdMins   int
	FailEnabled         bool
	FailThresholdSecs   int
	FailThresholdMins   int
	ShortTermRetMinutes int
	ShortTermRetHours   int
	LongTermRetHours    int // a long-term restore point, and so a new task session, every this many hours
	LongTermRetKeepDays int
	LongTermSchedEnable bool
	LongTermSchedule    WeekSchedule
}

// MaxSpan is where Span stops counting: beyond every range a write accepts,
// and far from the integers' limits.
const MaxSpan = 1 << 40

// Span returns big units of per small units plus small: a value sent in two
// elements (minutes and seconds, hours and minutes). It is MaxSpan when
// either is beyond it, so that a value too large for the sum does not wrap
// around to a small one.
func Span(big, per, small int) int {
	if big > MaxSpan/per || big < -MaxSpan/per || small > MaxSpan || small < -MaxSpan {
		return MaxSpan
	}
	return big*per + small
}

// RPO returns the recovery point objective as a duration.
func (o CdpScheduleOptions) RPO() time.Duration {
	return time.Duration(o.RPOSeconds)*time.Second + time.Duration(o.RPOMinutes)*time.Minute
}

// WeekSchedule holds one digit per hour of the week, Sunday first, as the
// TimePeriods/Day elements write them.
type WeekSchedule [7][24]uint8

// FullWeek returns a schedule with every hour set to v.
func FullWeek(v uint8) WeekSchedule {
	var w WeekSchedule
	for d := range w {
		for h := range w[d] {
			w[d][h] = v
		}
	}
	return w
}

// DefaultCdpScheduleOptions are the product's defaults: RPO 15 s, warning
// after 2 and failure after 3 missed periods, 4 h short-term retention,
// a long-term point every 8 h kept 7 days.
func DefaultCdpScheduleOptions() CdpScheduleOptions {
	return CdpScheduleOptions{
		RPOSeconds: 15, RPOScheduleEnabled: true, RPOSchedule: FullWeek(1),
		WarnEnabled: true, WarnThresholdSecs: 2,
		FailEnabled: true, FailThresholdSecs: 3,
		ShortTermRetHours: 4, LongTermRetHours: 8, LongTermRetKeepDays: 7,
		LongTermSchedEnable: true, LongTermSchedule: FullWeek(2),
	}
}

// GuestProcessingOptions are a policy's or an included object's guest
// processing settings.
type GuestProcessingOptions struct {
	VssSnapshotMode      string // e.g. "Disabled", "RequireSuccess"
	IsCopyOnly           bool
	WindowsCredentialsID string // empty when none
	LinuxCredentialsID   string
}

// ObjectInJob is one object (a VM) included in a CDP policy.
type ObjectInJob struct {
	ID              ID // ObjectInJobId
	PolicyID        ID
	HierarchyObjRef string // e.g. urn:VMware:Vm:<vcenter-guid>.vm-1234
	Name            string
	DisplayName     string
	Guest           GuestProcessingOptions
	TotalSize       int64 // the VM's protected disk size in bytes; not written on the wire
}

// PolicySession is a CdpReplicaSession: one 24-hour session of a policy.
// The parent names are carried along so that links can be written without
// further reads.
type PolicySession struct {
	ID               ID
	Name             string
	PolicyID         ID
	PolicyName       string
	BackupServerID   ID
	BackupServerName string
	CreationTime     time.Time
	EndTime          time.Time // zero while running
	State            SessionState
	Result           Result
	Progress         int
	FailureMessage   string
	IsRetry          bool
}

// Running reports whether the session has not ended.
func (s *PolicySession) Running() bool { return s.EndTime.IsZero() }

// TaskSession is a CdpReplicaTaskSession: one VM's replication task within a
// policy session.
type TaskSession struct {
	ID                ID
	Name              string
	PolicySessionID   ID
	PolicySessionName string
	PolicyID          ID
	BackupServerID    ID
	BackupServerName  string
	VmDisplayName     string
	CreationTime      time.Time
	EndTime           time.Time // zero while running
	State             TaskState
	Result            Result
	Reason            string // empty when none
	TotalSize         int64
}

// Running reports whether the task has not ended.
func (t *TaskSession) Running() bool { return t.EndTime.IsZero() }

// SessionName returns "<owner>@yyyy-MM-dd HH:mm:ss" for a creation time, the
// naming rule of both session types.
func SessionName(owner string, created time.Time) string {
	return owner + "@" + created.UTC().Format("2006-01-02 15:04:05")
}
