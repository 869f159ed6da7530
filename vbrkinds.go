package emcdp

import "time"

// The descriptions of the kinds of the regular VBR world (monitoring.md §2–§6
// Repository, §8). Props are in XML element order; query-only properties
// (no Elem) may stand anywhere. See Desc for what derives from them.

// The described kinds of the regular VBR world.
const (
	KindJob Kind = KindCdpReplicaTaskSession + 1 + iota
	KindBackupJobSession
	KindBackupTaskSession
	KindReplicaJobSession
	KindReplicaTaskSession
	KindRepository
)

func srvLink(x func(any) (ID, string)) Link {
	return Link{Rel: "Up", Type: "BackupServerReference", Path: "/backupServers/",
		ID: func(i any) ID { id, _ := x(i); return id }, Name: func(i any) string { _, n := x(i); return n }}
}

var (
	jsServer = func(i any) (ID, string) { s := i.(*JobSession); return s.BackupServerID, s.BackupServerName }
	tsServer = func(i any) (ID, string) { s := i.(*JobTaskSession); return s.BackupServerID, s.BackupServerName }
)

// jobSessionProps are the properties of both job-session kinds.
func jobSessionProps(self Kind) []Prop {
	return []Prop{
		PID(self, func(s *JobSession) *ID { return &s.ID }),
		PStr("Name", "", "name", func(s *JobSession) *string { return &s.Name }),
		PUID("JobUid", "JobUid", "job_id", KindJob, func(s *JobSession) *ID { return &s.JobID }).RefBy(sessionJobUIDKind),
		PStr("JobName", "JobName", "job_name", func(s *JobSession) *string { return &s.JobName }),
		PEnum("JobType", "JobType", "job_type", JobTypeNames, func(s *JobSession) *JobType { return &s.JobType }),
		PTime("CreationTimeUTC", "CreationTimeUTC", "creation_time", func(s *JobSession) *time.Time { return &s.CreationTime }),
		PTime("EndTimeUTC", "EndTimeUTC", "end_time", func(s *JobSession) *time.Time { return &s.EndTime }).Opt(),
		PEnum("State", "State", "state", SessionStateNames, func(s *JobSession) *SessionState { return &s.State }),
		PEnum("Result", "Result", "result", ResultNames, func(s *JobSession) *Result { return &s.Result }),
		PInt("Progress", "Progress", "progress", func(s *JobSession) *int { return &s.Progress }),
		POptStr("FailureMessage", "FailureMessage", "failure_message", func(s *JobSession) *string { return &s.FailureMessage }).Opt(),
		PBool("IsRetry", "IsRetry", "is_retry", func(s *JobSession) *bool { return &s.IsRetry }).JSONFirst(),
		PUID("BackupServerUid", "", "backup_server_id", KindBackupServer, func(s *JobSession) *ID { return &s.BackupServerID }),
		PStr("BackupServerName", "", "backup_server_name", func(s *JobSession) *string { return &s.BackupServerName }),
	}
}

// taskSessionProps are the properties of both task-session kinds; vmUID
// adds the VmUid element of backup tasks.
func taskSessionProps(self, parent Kind, vmUID bool) []Prop {
	ps := []Prop{
		PID(self, func(s *JobTaskSession) *ID { return &s.ID }),
		PStr("Name", "", "name", func(s *JobTaskSession) *string { return &s.Name }),
		PUID("JobSessionUid", "JobSessionUid", "job_session_id", parent, func(s *JobTaskSession) *ID { return &s.JobSessionID }),
		PTime("CreationTimeUTC", "CreationTimeUTC", "creation_time", func(s *JobTaskSession) *time.Time { return &s.CreationTime }),
		PTime("EndTimeUTC", "EndTimeUTC", "end_time", func(s *JobTaskSession) *time.Time { return &s.EndTime }).Opt(),
		PEnum("State", "State", "state", TaskStateNames, func(s *JobTaskSession) *TaskState { return &s.State }),
		PEnum("Result", "Result", "result", ResultNames, func(s *JobTaskSession) *Result { return &s.Result }),
		POptStr("Reason", "Reason", "reason", func(s *JobTaskSession) *string { return &s.Reason }),
		PInt("TotalSize", "TotalSize", "total_size", func(s *JobTaskSession) *int64 { return &s.TotalSize }),
	}
	vm := PStr("VmUid", "", "vm_uid", func(s *JobTaskSession) *string { return &s.VmUID })
	if vmUID {
		vm.Elem = "VmUid"
	}
	ps = append(ps, vm,
		PStr("VmDisplayName", "VmDisplayName", "vm_display_name", func(s *JobTaskSession) *string { return &s.VmDisplayName }).AsAttr(),
		PUID("JobUid", "", "job_id", KindJob, func(s *JobTaskSession) *ID { return &s.JobID }),
		PStr("JobName", "", "job_name", func(s *JobTaskSession) *string { return &s.JobName }),
		PEnum("", "", "job_type", JobTypeNames, func(s *JobTaskSession) *JobType { return &s.JobType }),
		PStr("", "", "job_session_name", func(s *JobTaskSession) *string { return &s.JobSessionName }),
		PUID("BackupServerUid", "", "backup_server_id", KindBackupServer, func(s *JobTaskSession) *ID { return &s.BackupServerID }),
		PStr("BackupServerName", "", "backup_server_name", func(s *JobTaskSession) *string { return &s.BackupServerName }),
	)
	if vmUID {
		ps = append(ps, vmPointProps...)
	}
	return ps
}

// Indexes of the session tables: the window and the default order in both
// directions, the last sessions of a job by end time (the monitoring
// check "last result of job X": JobName, sortDesc=EndTime), the children
// of a parent, the sessions of a server.
var (
	jobSessionIndexes = [][]string{
		{"creation_time", "id"},
		{"creation_time DESC", "id"},
		{"job_name", "end_time DESC", "id"},
		{"job_id", "creation_time", "id"},
		{"backup_server_id", "creation_time", "id"},
	}
	taskSessionIndexes = [][]string{
		{"creation_time", "id"},
		{"creation_time DESC", "id"},
		{"job_session_id", "creation_time", "id"},
		{"job_name", "end_time DESC", "id"},
		{"vm_display_name", "creation_time", "id"},
	}
)

// jobProps are the properties of a kind whose items are Jobs (jobs, agent
// backup jobs), self naming it: nextRun is NextRun's query name (empty: not
// a query field), and more are stored after the schedule.
func jobProps(self Kind, nextRun string, more ...Prop) []Prop {
	ps := []Prop{
		PID(self, func(j *Job) *ID { return &j.ID }),
		PStr("Name", "", "name", func(j *Job) *string { return &j.Name }),
		PEnum("JobType", "JobType", "job_type", JobTypeNames, func(j *Job) *JobType { return &j.JobType }),
		PStr("Platform", "Platform", "platform", func(j *Job) *string { return &j.Platform }),
		POptStr("Description", "Description", "description", func(j *Job) *string { return &j.Description }),
		PBool("ScheduleConfigured", "ScheduleConfigured", "schedule_configured", func(j *Job) *bool { return &j.ScheduleConfigured }),
		PBool("ScheduleEnabled", "ScheduleEnabled", "schedule_enabled", func(j *Job) *bool { return &j.ScheduleEnabled }),
		PTime(nextRun, "NextRun", "next_run", func(j *Job) *time.Time { return &j.NextRun }).Opt(),
		PWhole[Job]("JobScheduleOptions"),
		PWhole[Job]("JobInfo"),
		PUID("BackupServerUid", "", "backup_server_id", KindBackupServer, func(j *Job) *ID { return &j.BackupServerID }),
		PStr("BackupServerName", "", "backup_server_name", func(j *Job) *string { return &j.BackupServerName }),
		PUID("", "", "repository_id", KindRepository, func(j *Job) *ID { return &j.RepositoryID }),
		PJSON("", "schedule", func(j *Job) *JobSchedule { return &j.Schedule }),
	}
	ps = append(ps, more...)
	return append(ps,
		PJSON("", "retention", func(j *Job) *JobRetention { return &j.Retention }),
		PJSON("", "guest_options", func(j *Job) *GuestProcessingOptions { return &j.Guest }))
}

// JobDesc describes Job (monitoring.md §8).
var JobDesc = &Desc{
	Kind: KindJob, Type: "Job", Path: "/jobs/", List: "Jobs", Table: "jobs",
	Props: jobProps(KindJob, "NextRun", PJSON("", "source_jobs", func(j *Job) *[]ID { return &j.SourceJobIDs })),
	Links: []Link{
		srvLink(func(i any) (ID, string) { j := i.(*Job); return j.BackupServerID, j.BackupServerName }),
		{Alternate: true},
		{Rel: "Clone", Path: "/jobs/", Tail: "?action=clone", EntityOnly: true},
		{Rel: "ToggleScheduleEnabled", Path: "/jobs/", Tail: "?action=toggleScheduleEnabled", EntityOnly: true},
		{Rel: "Down", Type: "ObjectInJobList", Path: "/jobs/", Tail: "/includes", EntityOnly: true,
			When: func(i any) bool { return i.(*Job).JobType != JobImmediateBackupCopy }},
		{Rel: "Down", Type: "BackupJobSessionReferenceList", Path: "/jobs/", Tail: "/backupSessions",
			When: func(i any) bool { return !i.(*Job).JobType.IsReplica() }},
		{Rel: "Down", Type: "ReplicaJobSessionReferenceList", Path: "/jobs/", Tail: "/replicaSessions",
			When: func(i any) bool { return i.(*Job).JobType.IsReplica() }},
		// actions.md §5.2: Start, Stop and Retry on backup and replica jobs only, in every state.
		{Rel: "Start", Path: "/jobs/", Tail: "?action=start", EntityOnly: true, When: jobRuns},
		{Rel: "Stop", Path: "/jobs/", Tail: "?action=stop", EntityOnly: true, When: jobRuns},
		{Rel: "Retry", Path: "/jobs/", Tail: "?action=retry", EntityOnly: true, When: jobRuns},
	},
	Parents:  []ParentPath{{Pattern: "backupservers/*/jobs", Field: "BackupServerUid"}},
	Indexes:  [][]string{{"name", "id"}, {"backup_server_id", "name", "id"}},
	Includes: func(i any) *[]ObjectInJob { return &i.(*Job).Includes },
	New:      func() any { return new(Job) },
}

// BackupJobSessionDesc describes BackupJobSession (monitoring.md §2).
var BackupJobSessionDesc = &Desc{
	Kind: KindBackupJobSession, Type: "BackupJobSession", Path: "/backupSessions/", List: "BackupJobSessions",
	Table: "backup_job_sessions", Session: true,
	Props: jobSessionProps(KindBackupJobSession),
	Links: []Link{
		srvLink(jsServer),
		{Rel: "Up", Type: "JobReference", Path: "/jobs/", ID: func(i any) ID { return i.(*JobSession).JobID },
			Name: func(i any) string { return i.(*JobSession).JobName }, PathOf: sessionJobPath},
		{Alternate: true},
		{Rel: "Down", Type: "BackupTaskSessionReferenceList", Path: "/backupSessions/", Tail: "/taskSessions"},
		{Rel: "Stop", Path: "/backupSessions/", Tail: "?action=stop"},
		sessionPointsLink,
	},
	Parents: []ParentPath{{Pattern: "jobs/*/backupsessions", Field: "JobUid"},
		{Pattern: "agents/jobs/*/backupsessions", Field: "JobUid", Parent: KindAgentBackupJob},
		{Pattern: "nas/jobs/*/backupsessions", Field: "JobUid", Parent: KindNasJob}},
	// and the sessions of agent and NAS jobs (/agents/backupSessions, /nas/backupSessions)
	Indexes: append(jobSessionIndexes[:len(jobSessionIndexes):len(jobSessionIndexes)],
		[]string{"job_type", "creation_time DESC", "id"}),
	Related: sessionPoints,
	New:     func() any { return new(JobSession) },
}

// ReplicaJobSessionDesc describes ReplicaJobSession (monitoring.md §4).
var ReplicaJobSessionDesc = &Desc{
	Kind: KindReplicaJobSession, Type: "ReplicaJobSession", Path: "/replicaSessions/", List: "ReplicaJobSessions",
	Table: "replica_job_sessions", Session: true,
	Props: jobSessionProps(KindReplicaJobSession),
	Links: []Link{
		srvLink(jsServer),
		{Rel: "Up", Type: "JobReference", Path: "/jobs/", ID: func(i any) ID { return i.(*JobSession).JobID },
			Name: func(i any) string { return i.(*JobSession).JobName }},
		{Alternate: true},
		{Rel: "Down", Type: "ReplicaTaskSessionReferenceList", Path: "/replicaSessions/", Tail: "/replicaTaskSessions"},
	},
	Parents: []ParentPath{{Pattern: "jobs/*/replicasessions", Field: "JobUid"}},
	Indexes: jobSessionIndexes,
	New:     func() any { return new(JobSession) },
}

// BackupTaskSessionDesc describes BackupTaskSession (monitoring.md §3).
var BackupTaskSessionDesc = &Desc{
	Kind: KindBackupTaskSession, Type: "BackupTaskSession", Path: "/backupTaskSessions/", List: "BackupTaskSessions",
	Table: "backup_task_sessions", Session: true, Fallback: KindDiscoveredComputer,
	Props: taskSessionProps(KindBackupTaskSession, KindBackupJobSession, true),
	Links: []Link{
		srvLink(tsServer),
		{Rel: "Up", Type: "BackupJobSessionReference", Path: "/backupSessions/",
			ID: func(i any) ID { return i.(*JobTaskSession).JobSessionID }, Name: func(i any) string { return i.(*JobTaskSession).JobSessionName }},
		{Alternate: true},
		vmPointLink,
	},
	Parents: []ParentPath{{Pattern: "backupsessions/*/tasksessions", Field: "JobSessionUid"}},
	Indexes: append(taskSessionIndexes[:len(taskSessionIndexes):len(taskSessionIndexes)], []string{"vm_restore_point_id"}),
	New:     func() any { return new(JobTaskSession) },
}

// ReplicaTaskSessionDesc describes ReplicaTaskSession (monitoring.md §5).
var ReplicaTaskSessionDesc = &Desc{
	Kind: KindReplicaTaskSession, Type: "ReplicaTaskSession", Path: "/replicaTaskSessions/", List: "ReplicaTaskSessions",
	Table: "replica_task_sessions", Session: true,
	Props: taskSessionProps(KindReplicaTaskSession, KindReplicaJobSession, false),
	Links: []Link{
		srvLink(tsServer),
		{Rel: "Up", Type: "ReplicaJobSessionReference", Path: "/replicaSessions/",
			ID: func(i any) ID { return i.(*JobTaskSession).JobSessionID }, Name: func(i any) string { return i.(*JobTaskSession).JobSessionName }},
		{Alternate: true},
	},
	Parents: []ParentPath{{Pattern: "replicasessions/*/replicatasksessions", Field: "JobSessionUid"}},
	Indexes: taskSessionIndexes,
	New:     func() any { return new(JobTaskSession) },
}

// RepositoryDesc describes Repository (monitoring.md §6).
var RepositoryDesc = &Desc{
	Kind: KindRepository, Type: "Repository", Path: "/repositories/", List: "Repositories", Table: "repositories",
	Props: []Prop{
		PID(KindRepository, func(r *Repository) *ID { return &r.ID }),
		PStr("Name", "", "name", func(r *Repository) *string { return &r.Name }),
		PInt("Capacity", "Capacity", "capacity", func(r *Repository) *int64 { return &r.Capacity }),
		PInt("FreeSpace", "FreeSpace", "free_space", func(r *Repository) *int64 { return &r.FreeSpace }),
		PStr("Kind", "Kind", "kind", func(r *Repository) *string { return &r.Kind }),
		PUID("BackupServerUid", "", "backup_server_id", KindBackupServer, func(r *Repository) *ID { return &r.BackupServerID }),
		PStr("BackupServerName", "", "backup_server_name", func(r *Repository) *string { return &r.BackupServerName }),
	},
	Links: []Link{
		srvLink(func(i any) (ID, string) { r := i.(*Repository); return r.BackupServerID, r.BackupServerName }),
		{Alternate: true},
		{Rel: "Down", Type: "BackupReferenceList", Path: "/repositories/", Tail: "/backups"},
	},
	Parents: []ParentPath{{Pattern: "backupservers/*/repositories", Field: "BackupServerUid"}},
	Indexes: [][]string{{"name", "id"}, {"backup_server_id", "name", "id"}},
	New:     func() any { return new(Repository) },
}

// Descs lists the described kinds of the regular VBR world, backups, agents
// and NAS, whose items the store API carries untyped (Store.Resource,
// QueryResult.Items), in the order of Kinds. AllDescs adds the CDP kinds.
var Descs = append(append([]*Desc{JobDesc, BackupJobSessionDesc, BackupTaskSessionDesc, ReplicaJobSessionDesc,
	ReplicaTaskSessionDesc, RepositoryDesc}, backupDescs...), agentDescs...)

// DescOf returns the description of k among Descs, or nil; KindDesc also
// finds the CDP kinds.
func DescOf(k Kind) *Desc {
	for _, d := range Descs {
		if d.Kind == k {
			return d
		}
	}
	return nil
}

// Describe returns the description of an item (a pointer to the struct of
// a kind of Descs), or nil; DescribeAny also knows the CDP kinds.
func Describe(item any) *Desc {
	switch it := item.(type) {
	case *Job:
		if it.JobType == JobAgentBackup {
			return AgentBackupJobDesc
		}
		return JobDesc
	case *DiscoveredComputer:
		return DiscoveredComputerDesc
	case *AgentProtectionGroup:
		return AgentProtectionGroupDesc
	case *NasJob:
		return NasJobDesc
	case *Repository:
		return RepositoryDesc
	case *JobSession:
		if it.JobType.IsReplica() {
			return ReplicaJobSessionDesc
		}
		return BackupJobSessionDesc
	case *JobTaskSession:
		if it.JobType.IsReplica() {
			return ReplicaTaskSessionDesc
		}
		return BackupTaskSessionDesc
	}
	return describeBackup(item)
}

// JobSessionName returns "<owner>@yyyy-MM-dd HH:mm:ss.ffffff", trailing
// zeros of the fraction trimmed: the name of a job or task session as the
// store keeps it. Profiles that write whole seconds (G9) cut the fraction.
func JobSessionName(owner string, created time.Time) string {
	return owner + "@" + created.UTC().Format("2006-01-02 15:04:05.999999")
}

// WriteOp is how a Batch writes a row of a described kind.
type WriteOp int8

// The write operations.
const (
	OpUpsert WriteOp = iota // insert, or replace the row with the same id
	OpInsert                // insert; an existing id fails the batch
	OpUpdate                // overwrite the row with the same id; none fails the batch
	OpDelete                // remove the row with the item's id, if any
)

// EachWrite calls fn for every row of a described kind that b writes, in the
// order a store applies them: CDP policies, backup servers, new and updated CDP policy
// sessions, new and updated CDP task sessions, repositories, protection
// groups, discovered computers, jobs, NAS jobs, new and updated job
// sessions, new and updated task sessions, then backups and their points.
func (b *Batch) EachWrite(fn func(d *Desc, op WriteOp, item any) error) error {
	for i := range b.CdpPolicies {
		if err := fn(CdpPolicyDesc, OpUpsert, &b.CdpPolicies[i]); err != nil {
			return err
		}
	}
	for i := range b.BackupServers {
		if err := fn(BackupServerDesc, OpUpsert, &b.BackupServers[i]); err != nil {
			return err
		}
	}
	for _, w := range []struct {
		d   *Desc
		op  WriteOp
		n   int
		row func(int) any
	}{
		{CdpReplicaSessionDesc, OpInsert, len(b.NewPolicySessions), func(i int) any { return &b.NewPolicySessions[i] }},
		{CdpReplicaSessionDesc, OpUpdate, len(b.UpdPolicySessions), func(i int) any { return &b.UpdPolicySessions[i] }},
		{CdpReplicaTaskSessionDesc, OpInsert, len(b.NewTaskSessions), func(i int) any { return &b.NewTaskSessions[i] }},
		{CdpReplicaTaskSessionDesc, OpUpdate, len(b.UpdTaskSessions), func(i int) any { return &b.UpdTaskSessions[i] }},
	} {
		for i := 0; i < w.n; i++ {
			if err := fn(w.d, w.op, w.row(i)); err != nil {
				return err
			}
		}
	}
	for i := range b.Repositories {
		if err := fn(RepositoryDesc, OpUpsert, &b.Repositories[i]); err != nil {
			return err
		}
	}
	for i := range b.ProtectionGroups {
		if err := fn(AgentProtectionGroupDesc, OpUpsert, &b.ProtectionGroups[i]); err != nil {
			return err
		}
	}
	for i := range b.DiscoveredComputers {
		if err := fn(DiscoveredComputerDesc, OpUpsert, &b.DiscoveredComputers[i]); err != nil {
			return err
		}
	}
	for i := range b.Jobs {
		if err := fn(Describe(&b.Jobs[i]), OpUpsert, &b.Jobs[i]); err != nil {
			return err
		}
	}
	for i := range b.NasJobs {
		if err := fn(NasJobDesc, OpUpsert, &b.NasJobs[i]); err != nil {
			return err
		}
	}
	each := func(n int, op WriteOp, at func(int) any) error {
		for i := 0; i < n; i++ {
			it := at(i)
			if err := fn(Describe(it), op, it); err != nil {
				return err
			}
		}
		return nil
	}
	if err := each(len(b.NewJobSessions), OpInsert, func(i int) any { return &b.NewJobSessions[i] }); err != nil {
		return err
	}
	if err := each(len(b.UpdJobSessions), OpUpdate, func(i int) any { return &b.UpdJobSessions[i] }); err != nil {
		return err
	}
	if err := each(len(b.NewJobTaskSessions), OpInsert, func(i int) any { return &b.NewJobTaskSessions[i] }); err != nil {
		return err
	}
	if err := each(len(b.UpdJobTaskSessions), OpUpdate, func(i int) any { return &b.UpdJobTaskSessions[i] }); err != nil {
		return err
	}
	return b.eachBackupWrite(fn)
}

// jobRuns reports whether a job is started, stopped and retried by the job
// actions: backup and replica jobs; copy jobs are started by sync.
func jobRuns(i any) bool {
	t := i.(*Job).JobType
	return t == JobBackup || t == JobReplica
}
