package emcdp

import "time"

// This file holds the agents and NAS parts of the VBR world (monitoring.md
// §9; vbr-domain.md §5): protection groups and the computers they discover,
// agent backup jobs (a Job of type JobAgentBackup) and NAS jobs. Runs of
// agent and NAS jobs are JobSessions of types JobAgentBackup,
// JobAgentManagement and JobNasBackup.

// AgentProtectionGroup is a group of computers that a backup server scans
// for agents.
type AgentProtectionGroup struct {
	ID                    ID
	Name                  string
	BackupServerID        ID
	BackupServerName      string
	RescanScheduleEnabled bool
	HierarchyObjRef       string // urn:AgentForWindows:AgentProtectionGroup:<zero guid>.<guid>
}

// DiscoveredComputer is a computer found by a protection group's scan.
type DiscoveredComputer struct {
	ID                  ID
	Name                string // the DNS name
	BackupServerID      ID
	BackupServerName    string
	ProtectionGroupID   ID
	ProtectionGroupName string
	HostStatus          string // "Online" or "Offline"
	AgentVersion        string // e.g. "6.3.2.1307"
	AgentStatus         string // NotInstalled, Installed, UnsupportedOs, Failed, Exclude
	OsVersion           string
	IpAddress           string
	HierarchyObjRef     string // urn:AgentForWindows:VeeamAgent:<zero guid>.<id>, Linux computers too
}

// ComputerObjRef returns the HierarchyObjRef of the discovered computer id.
func ComputerObjRef(id ID) string {
	return "urn:AgentForWindows:VeeamAgent:00000000-0000-0000-0000-000000000000." + id.String()
}

// NasObject is one share or folder a NAS job backs up.
type NasObject struct {
	ID              ID
	HierarchyObjRef string // urn:NasBackup:BackupServer:<guid>
	FileOrFolder    string // e.g. \\fs01\shares
	FileServerUID   string // urn:veeam:FileServer:<guid>
	InclusionMask   []string
	ExclusionMask   []string
}

// NasJob is a file share backup job.
type NasJob struct {
	ID                 ID
	Name               string
	BackupServerID     ID
	BackupServerName   string
	Description        string
	ScheduleConfigured bool
	ScheduleEnabled    bool
	NextRun            time.Time // zero when not scheduled or disabled
	Schedule           JobSchedule
	RepositoryID       ID
	Includes           []NasObject
	// StorageOptions.
	ShortTermRetentionType           string // "Day" or "Month"
	ShortTermRetentionPeriod         int
	LongTermRetentionEnabled         bool
	FileAttributesChangeTrackingMode string // TrackOnlyFolderAttributesChanges or TrackEverythingAttributesChanges
}

// IsAgent reports whether runs of this type belong to an agent backup job.
func (t JobType) IsAgent() bool { return t == JobAgentBackup || t == JobAgentManagement }
