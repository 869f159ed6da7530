package emcdp

import "time"

// The descriptions of the agent and NAS kinds (monitoring.md §9). See Desc
// for what derives from them; vbrkinds.go lists them in Descs.

// The agent and NAS kinds. They are numbered after a gap that leaves the
// values following KindRepository to the other kinds of the VBR world.
const (
	KindDiscoveredComputer Kind = KindRepository + 16 + iota
	KindAgentProtectionGroup
	KindAgentBackupJob
	KindNasJob
)

// agentDescs are the descriptions of this file, in the order of the
// query service's list (monitoring.md §10).
var agentDescs = []*Desc{DiscoveredComputerDesc, AgentProtectionGroupDesc, AgentBackupJobDesc, NasJobDesc}

// DiscoveredComputerDesc describes DiscoveredComputer (monitoring.md §9).
// Its own Href is under /backupTaskSessions/ (Q5), where GET falls back to
// discovered computers (BackupTaskSessionDesc.Fallback).
var DiscoveredComputerDesc = &Desc{
	Kind: KindDiscoveredComputer, Type: "DiscoveredComputer", Path: "/agents/discoveredComputers/",
	List: "DiscoveredComputers", Table: "discovered_computers",
	RefPath: "/backupTaskSessions/", EntityPath: "/backupTaskSessions/",
	Props: []Prop{
		PID(KindDiscoveredComputer, func(c *DiscoveredComputer) *ID { return &c.ID }),
		PStr("Name", "", "name", func(c *DiscoveredComputer) *string { return &c.Name }),
		PStr("", "HostStatus", "host_status", func(c *DiscoveredComputer) *string { return &c.HostStatus }),
		PStr("AgentVersion", "AgentVersion", "agent_version", func(c *DiscoveredComputer) *string { return &c.AgentVersion }),
		PStr("AgentStatus", "AgentStatus", "agent_status", func(c *DiscoveredComputer) *string { return &c.AgentStatus }),
		PStr("OsVersion", "OsVersion", "os_version", func(c *DiscoveredComputer) *string { return &c.OsVersion }),
		PStr("IpAddress", "IpAddress", "ip_address", func(c *DiscoveredComputer) *string { return &c.IpAddress }),
		PStr("", "HierarchyObjRef", "hierarchy_obj_ref", func(c *DiscoveredComputer) *string { return &c.HierarchyObjRef }),
		PUID("BackupServerUid", "", "backup_server_id", KindBackupServer, func(c *DiscoveredComputer) *ID { return &c.BackupServerID }),
		PStr("BackupServerName", "", "backup_server_name", func(c *DiscoveredComputer) *string { return &c.BackupServerName }),
		PUID("ProtectionGroupUid", "", "protection_group_id", KindAgentProtectionGroup, func(c *DiscoveredComputer) *ID { return &c.ProtectionGroupID }),
		PStr("ProtectionGroupName", "", "protection_group_name", func(c *DiscoveredComputer) *string { return &c.ProtectionGroupName }),
	},
	Links: []Link{
		srvLink(func(i any) (ID, string) { c := i.(*DiscoveredComputer); return c.BackupServerID, c.BackupServerName }),
		{Alternate: true},
		{Rel: "Up", Type: "AgentProtectionGroupReference", Path: "/agents/protectionGroups/",
			ID: func(i any) ID { return i.(*DiscoveredComputer).ProtectionGroupID }, Name: func(i any) string { return i.(*DiscoveredComputer).ProtectionGroupName }},
	},
	Parents: []ParentPath{{Pattern: "agents/protectiongroups/*/discoveredcomputers", Field: "ProtectionGroupUid"}},
	Indexes: [][]string{{"name", "id"}, {"protection_group_id", "name", "id"}},
	New:     func() any { return new(DiscoveredComputer) },
}

// AgentProtectionGroupDesc describes AgentProtectionGroup (monitoring.md §9).
var AgentProtectionGroupDesc = &Desc{
	Kind: KindAgentProtectionGroup, Type: "AgentProtectionGroup", Path: "/agents/protectionGroups/",
	List: "AgentProtectionGroups", Table: "agent_protection_groups",
	Props: []Prop{
		PID(KindAgentProtectionGroup, func(g *AgentProtectionGroup) *ID { return &g.ID }),
		PStr("Name", "", "name", func(g *AgentProtectionGroup) *string { return &g.Name }),
		PBool("", "RescanScheduleEnabled", "rescan_schedule_enabled", func(g *AgentProtectionGroup) *bool { return &g.RescanScheduleEnabled }),
		PStr("", "HierarchyObjRef", "hierarchy_obj_ref", func(g *AgentProtectionGroup) *string { return &g.HierarchyObjRef }),
		PUID("BackupServerUid", "", "backup_server_id", KindBackupServer, func(g *AgentProtectionGroup) *ID { return &g.BackupServerID }),
		PStr("BackupServerName", "", "backup_server_name", func(g *AgentProtectionGroup) *string { return &g.BackupServerName }),
	},
	Links: []Link{
		srvLink(func(i any) (ID, string) { g := i.(*AgentProtectionGroup); return g.BackupServerID, g.BackupServerName }),
		{Alternate: true},
		// The entity's form is the doc example's; monitoring.md §9 gives the reference's for both.
		{Rel: "Down", Type: "DiscoveredComputerReferenceList", Path: "/agents/protectionGroups/", Tail: "/discoveredComputers",
			EntityType: "DiscoveredComputerList", EntityTail: "/discoveredComputers?format=Entity"},
	},
	Indexes: [][]string{{"name", "id"}},
	New:     func() any { return new(AgentProtectionGroup) },
}

// AgentBackupJobDesc describes AgentBackupJob (monitoring.md §9): a Job of
// type JobAgentBackup, kept in its own table. Its Alternate link names the
// type Job (Q9). GET /agents/jobs/{id} falls back to NAS jobs, whose
// reference Href is written under this path.
var AgentBackupJobDesc = &Desc{
	Kind: KindAgentBackupJob, Type: "AgentBackupJob", Path: "/agents/jobs/", List: "AgentBackupJobs",
	Table: "agent_backup_jobs", QueryList: "AgentBackupJob", AltType: "Job", Fallback: KindNasJob,
	Props: jobProps(KindAgentBackupJob, ""),
	Links: []Link{
		srvLink(func(i any) (ID, string) { j := i.(*Job); return j.BackupServerID, j.BackupServerName }),
		{Alternate: true},
		{Rel: "Down", Type: "BackupJobSessionReferenceList", Path: "/agents/jobs/", Tail: "/backupSessions"},
	},
	Indexes:  [][]string{{"name", "id"}},
	Includes: func(i any) *[]ObjectInJob { return &i.(*Job).Includes },
	New:      func() any { return &Job{JobType: JobAgentBackup} },
}

// NasJobDesc describes NasJob (monitoring.md §9): XML root NASJob, list
// NASJobs; its reference's own Href is under /agents/jobs/ and its
// Alternate link names the type Job, as the real reply writes them.
var NasJobDesc = &Desc{
	Kind: KindNasJob, Type: "NasJob", Path: "/nas/jobs/", List: "NASJobs", Table: "nas_jobs",
	Elem: "NASJob", RefPath: "/agents/jobs/", AltType: "Job",
	Props: []Prop{
		PID(KindNasJob, func(j *NasJob) *ID { return &j.ID }),
		PStr("Name", "", "name", func(j *NasJob) *string { return &j.Name }),
		PStr("Description", "Description", "description", func(j *NasJob) *string { return &j.Description }),
		PWhole[NasJob]("Includes"),
		PWhole[NasJob]("StorageOptions"),
		PBool("ScheduleConfigured", "ScheduleConfigured", "schedule_configured", func(j *NasJob) *bool { return &j.ScheduleConfigured }),
		PBool("ScheduleEnabled", "ScheduleEnabled", "schedule_enabled", func(j *NasJob) *bool { return &j.ScheduleEnabled }),
		PTime("NextRun", "NextRun", "next_run", func(j *NasJob) *time.Time { return &j.NextRun }).Opt(),
		PWhole[NasJob]("JobScheduleOptions"),
		PUID("BackupServerUid", "", "backup_server_id", KindBackupServer, func(j *NasJob) *ID { return &j.BackupServerID }),
		PStr("BackupServerName", "", "backup_server_name", func(j *NasJob) *string { return &j.BackupServerName }),
		PUID("", "", "repository_id", KindRepository, func(j *NasJob) *ID { return &j.RepositoryID }),
		PJSON("", "schedule", func(j *NasJob) *JobSchedule { return &j.Schedule }),
		PJSON("", "includes", func(j *NasJob) *[]NasObject { return &j.Includes }),
		PStr("", "", "short_term_retention_type", func(j *NasJob) *string { return &j.ShortTermRetentionType }),
		PInt("", "", "short_term_retention_period", func(j *NasJob) *int { return &j.ShortTermRetentionPeriod }),
		PBool("", "", "long_term_retention_enabled", func(j *NasJob) *bool { return &j.LongTermRetentionEnabled }),
		PStr("", "", "acl_tracking_mode", func(j *NasJob) *string { return &j.FileAttributesChangeTrackingMode }),
	},
	Links: []Link{
		srvLink(func(i any) (ID, string) { j := i.(*NasJob); return j.BackupServerID, j.BackupServerName }),
		{Alternate: true},
		{Rel: "Down", Type: "BackupJobSessionReferenceList", Path: "/nas/jobs/", Tail: "/backupSessions"},
	},
	Indexes: [][]string{{"name", "id"}},
	New:     func() any { return new(NasJob) },
}

// SessionJobKind returns the kind of the job whose run a job session is:
// an agent backup job for agent sessions, a NAS job for NAS sessions, else
// a Job (monitoring.md open question 10, settled by the doc examples).
func SessionJobKind(i any) Kind {
	switch t := i.(*JobSession).JobType; {
	case t.IsAgent():
		return KindAgentBackupJob
	case t == JobNasBackup:
		return KindNasJob
	}
	return KindJob
}

// sessionJobUIDKind returns the kind a job session's JobUid names: that of
// SessionJobKind, except for NAS sessions, whose JobUid is urn:veeam:Job:
// although their Up link leads to /nas/jobs/ (a real v12 reply,
// centreon/centreon-plugins tests/apps/backup/veeam/vbem/restapi/restapi.json).
func sessionJobUIDKind(i any) Kind {
	if k := SessionJobKind(i); k != KindNasJob {
		return k
	}
	return KindJob
}

// sessionJobPath returns the collection path of a job session's job.
func sessionJobPath(i any) string {
	switch SessionJobKind(i) {
	case KindAgentBackupJob:
		return "/agents/jobs/"
	case KindNasJob:
		return "/nas/jobs/"
	}
	return "/jobs/"
}

// IsJobKind reports whether k is a kind of job: a job session's JobUid
// names an item of one of them, and the query service takes any of their
// UIDs for it.
func IsJobKind(k Kind) bool { return k == KindJob || k == KindAgentBackupJob || k == KindNasJob }
