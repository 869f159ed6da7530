package emcdp

import (
	"context"
	"slices"
	"sort"
	"time"
)

// The descriptions of the CDP kinds (BackupServer, CdpPolicy,
// CdpReplicaSession, CdpReplicaTaskSession). Their tables and indexes are
// made by the numbered migrations (Migrated); their times keep 7 fractional
// digits in every profile and their names are written as stored (Ticks);
// the store API returns their structs (Typed).

// BackupServerDesc describes BackupServer (monitoring.md §11).
var BackupServerDesc = &Desc{
	Kind: KindBackupServer, Type: "BackupServer", Path: "/backupServers/", List: "BackupServers",
	Table: "backup_servers", Migrated: true, Ticks: true,
	Props: []Prop{
		PUID("UID", "", "id", KindBackupServer, func(s *BackupServer) *ID { return &s.ID }),
		PStr("Name", "", "name", func(s *BackupServer) *string { return &s.Name }),
		POptStr("Description", "Description", "description", func(s *BackupServer) *string { return &s.Description }),
		PStr("IpOrDnsName", "", "name", func(s *BackupServer) *string { return &s.Name }),
		PInt("Port", "Port", "port", func(s *BackupServer) *int { return &s.Port }),
		PStr("Version", "Version", "version", func(s *BackupServer) *string { return &s.Version }),
		PInt("", "WcfPort", "wcf_port", func(s *BackupServer) *int { return &s.WcfPort }),
		PStr("", "VbrCertificateThumbprint", "vbr_certificate_thumbprint", func(s *BackupServer) *string { return &s.VbrCertificateThumbprint }),
		PInt("", "", "proxy_count", func(s *BackupServer) *int { return &s.ProxyCount }),
	},
	// The entity writes Alternate first, the reference last.
	Links: []Link{
		{Alternate: true, EntityOnly: true},
		{Rel: "Down", Type: "JobReferenceList", Path: "/backupServers/", Tail: "/jobs"},
		{Rel: "Down", Type: "RepositoryReferenceList", Path: "/backupServers/", Tail: "/repositories"},
		{Alternate: true, RefOnly: true},
	},
	New:   func() any { return new(BackupServer) },
	Typed: typed(ResourceStore.BackupServer, func(r *QueryResult) *[]BackupServer { return &r.BackupServers }),
}

// CdpPolicyDesc describes CdpPolicy (actions.md §4.4 for its entity's
// links). Its PolicyScheduleOptions and CdpPolicyInfo are structured
// elements written by the wire's writers for *CdpScheduleOptions and
// *CdpPolicy; its includes live in policy_objects and link Delete and Up.
var CdpPolicyDesc = &Desc{
	Kind: KindCdpPolicy, Type: "CdpPolicy", Path: "/cdpPolicies/", List: "CdpPolicies",
	Table: "cdp_policies", Migrated: true, Ticks: true,
	Props: []Prop{
		PID(KindCdpPolicy, func(p *CdpPolicy) *ID { return &p.ID }),
		PStr("Name", "", "name", func(p *CdpPolicy) *string { return &p.Name }),
		PConst("PolicyType", PolicyType),
		PStr("", "Platform", "platform", func(p *CdpPolicy) *string { return &p.Platform }),
		POptStr("Description", "Description", "description", func(p *CdpPolicy) *string { return &p.Description }),
		PBool("ScheduleConfigured", "ScheduleConfigured", "schedule_configured", func(p *CdpPolicy) *bool { return &p.ScheduleConfigured }),
		PBool("ScheduleEnabled", "ScheduleEnabled", "schedule_enabled", func(p *CdpPolicy) *bool { return &p.ScheduleEnabled }),
		PTime("NextRun", "NextRun", "next_run", func(p *CdpPolicy) *time.Time { return &p.NextRun }).Opt(),
		PJSON("PolicyScheduleOptions", "schedule_options", func(p *CdpPolicy) *CdpScheduleOptions { return &p.Options }),
		PWhole[CdpPolicy]("CdpPolicyInfo"),
		PJSON("", "guest_options", func(p *CdpPolicy) *GuestProcessingOptions { return &p.Guest }),
		PUID("BackupServerUid", "", "backup_server_id", KindBackupServer, func(p *CdpPolicy) *ID { return &p.BackupServerID }),
		PStr("BackupServerName", "", "backup_server_name", func(p *CdpPolicy) *string { return &p.BackupServerName }),
	},
	QueryOrder: []string{"UID", "Name", "Description", "NextRun", "ScheduleConfigured", "ScheduleEnabled",
		"BackupServerUid", "BackupServerName"},
	Links: []Link{
		srvLink(func(i any) (ID, string) { p := i.(*CdpPolicy); return p.BackupServerID, p.BackupServerName }),
		{Alternate: true},
		{Rel: "Edit", Type: "CdpPolicyReference", Path: "/cdpPolicies/", Name: func(i any) string { return i.(*CdpPolicy).Name },
			EntityOnly: true},
		{Rel: "Down", Type: "ObjectInJobList", Path: "/cdpPolicies/", Tail: "/includes", EntityOnly: true},
		{Rel: "Create", Type: "ObjectInJob", Path: "/cdpPolicies/", Tail: "/includes", EntityOnly: true},
		{Rel: "Down", Type: "CdpReplicaSessionReferenceList", Path: "/cdpPolicies/", Tail: "/cdpReplicaSessions", EntityOnly: true},
		{Rel: "Disable", Path: "/cdpPolicies/", Tail: "?action=disable", EntityOnly: true,
			When: func(i any) bool { return i.(*CdpPolicy).ScheduleEnabled }},
		{Rel: "Enable", Path: "/cdpPolicies/", Tail: "?action=enable", EntityOnly: true,
			When: func(i any) bool { return !i.(*CdpPolicy).ScheduleEnabled }},
	},
	Includes:     func(i any) *[]ObjectInJob { return &i.(*CdpPolicy).Includes },
	IncludeTable: "policy_objects",
	IncludeLinks: true,
	New:          func() any { return new(CdpPolicy) },
	Typed:        typed(ResourceStore.CdpPolicy, func(r *QueryResult) *[]CdpPolicy { return &r.CdpPolicies }),
}

// CdpReplicaSessionDesc describes CdpReplicaSession, a PolicySession.
var CdpReplicaSessionDesc = &Desc{
	Kind: KindCdpReplicaSession, Type: "CdpReplicaSession", Path: "/cdpReplicaSessions/", List: "CdpReplicaSessions",
	Table: "policy_sessions", Session: true, Migrated: true, Ticks: true, QueryElem: "CdpPolicySession",
	Props: []Prop{
		PUID("Id", "", "id", KindCdpReplicaSession, func(s *PolicySession) *ID { return &s.ID }),
		PStr("Name", "", "name", func(s *PolicySession) *string { return &s.Name }),
		PUID("PolicyUid", "PolicyUid", "policy_id", KindCdpPolicy, func(s *PolicySession) *ID { return &s.PolicyID }),
		PStr("PolicyName", "PolicyName", "policy_name", func(s *PolicySession) *string { return &s.PolicyName }),
		PConst("PolicyType", PolicyType),
		PUID("BackupServerUid", "", "backup_server_id", KindBackupServer, func(s *PolicySession) *ID { return &s.BackupServerID }),
		PStr("BackupServerName", "", "backup_server_name", func(s *PolicySession) *string { return &s.BackupServerName }),
		PTime("CreationTimeUTC", "CreationTimeUTC", "creation_time", func(s *PolicySession) *time.Time { return &s.CreationTime }),
		PTime("EndTimeUTC", "EndTimeUTC", "end_time", func(s *PolicySession) *time.Time { return &s.EndTime }).Opt().Mut(),
		PEnum("State", "State", "state", SessionStateNames, func(s *PolicySession) *SessionState { return &s.State }).Mut(),
		PEnum("Result", "Result", "result", ResultNames, func(s *PolicySession) *Result { return &s.Result }).Mut(),
		PInt("", "Progress", "progress", func(s *PolicySession) *int { return &s.Progress }).Mut(),
		POptStr("FailureMessage", "FailureMessage", "failure_message", func(s *PolicySession) *string { return &s.FailureMessage }).Mut(),
		PBool("", "IsRetry", "is_retry", func(s *PolicySession) *bool { return &s.IsRetry }),
	},
	Links: []Link{
		srvLink(func(i any) (ID, string) { s := i.(*PolicySession); return s.BackupServerID, s.BackupServerName }),
		{Rel: "Up", Type: "CdpPolicyReference", Path: "/cdpPolicies/", ID: func(i any) ID { return i.(*PolicySession).PolicyID },
			Name: func(i any) string { return i.(*PolicySession).PolicyName }},
		{Alternate: true},
		{Rel: "Down", Type: "CdpReplicaTaskSessionReferenceList", Path: "/cdpReplicaSessions/", Tail: "/cdpReplicaTaskSessions"},
	},
	Parents: []ParentPath{{Pattern: "cdppolicies/*/cdpreplicasessions", Field: "PolicyUid"}},
	New:     func() any { return new(PolicySession) },
	Typed:   typed(ResourceStore.PolicySession, func(r *QueryResult) *[]PolicySession { return &r.PolicySessions }),
}

// CdpReplicaTaskSessionDesc describes CdpReplicaTaskSession, a TaskSession.
// Its entity's own Href uses /replicaTaskSessions/ (quirk Q1).
var CdpReplicaTaskSessionDesc = &Desc{
	Kind: KindCdpReplicaTaskSession, Type: "CdpReplicaTaskSession", Path: "/cdpReplicaTaskSessions/",
	List: "CdpReplicaTaskSessions", Table: "task_sessions", Session: true, Migrated: true, Ticks: true,
	EntityPath: "/replicaTaskSessions/",
	Props: []Prop{
		PUID("Id", "", "id", KindCdpReplicaTaskSession, func(s *TaskSession) *ID { return &s.ID }),
		PStr("Name", "", "name", func(s *TaskSession) *string { return &s.Name }),
		PUID("PolicySessionUid", "PolicySessionUid", "policy_session_id", KindCdpReplicaSession, func(s *TaskSession) *ID { return &s.PolicySessionID }),
		PStr("PolicySessionName", "", "policy_session_name", func(s *TaskSession) *string { return &s.PolicySessionName }),
		PUID("", "", "policy_id", KindCdpPolicy, func(s *TaskSession) *ID { return &s.PolicyID }),
		PUID("BackupServerUid", "", "backup_server_id", KindBackupServer, func(s *TaskSession) *ID { return &s.BackupServerID }),
		PStr("BackupServerName", "", "backup_server_name", func(s *TaskSession) *string { return &s.BackupServerName }),
		PTime("CreationTimeUTC", "CreationTimeUTC", "creation_time", func(s *TaskSession) *time.Time { return &s.CreationTime }),
		PTime("EndTimeUTC", "EndTimeUTC", "end_time", func(s *TaskSession) *time.Time { return &s.EndTime }).Opt().Mut(),
		PEnum("State", "State", "state", TaskStateNames, func(s *TaskSession) *TaskState { return &s.State }).Mut(),
		PEnum("Result", "Result", "result", ResultNames, func(s *TaskSession) *Result { return &s.Result }).Mut(),
		POptStr("Reason", "Reason", "reason", func(s *TaskSession) *string { return &s.Reason }).Opt().Mut(),
		PInt("TotalSize", "TotalSize", "total_size", func(s *TaskSession) *int64 { return &s.TotalSize }),
		PStr("VmDisplayName", "VmDisplayName", "vm_display_name", func(s *TaskSession) *string { return &s.VmDisplayName }).AsAttr(),
	},
	Links: []Link{
		srvLink(func(i any) (ID, string) { s := i.(*TaskSession); return s.BackupServerID, s.BackupServerName }),
		{Rel: "Up", Type: "CdpReplicaSessionReference", Path: "/cdpReplicaSessions/", ID: func(i any) ID { return i.(*TaskSession).PolicySessionID },
			Name: func(i any) string { return i.(*TaskSession).PolicySessionName }},
		{Alternate: true},
	},
	Parents: []ParentPath{{Pattern: "cdpreplicasessions/*/cdpreplicatasksessions", Field: "PolicySessionUid"}},
	// The collection of a month of task sessions is read from the index
	// task_sessions_refs alone, which holds these columns.
	RefCols: []string{"id", "name", "policy_session_id", "policy_session_name", "backup_server_id",
		"backup_server_name", "creation_time"},
	New:   func() any { return new(TaskSession) },
	Typed: typed(ResourceStore.TaskSession, func(r *QueryResult) *[]TaskSession { return &r.TaskSessions }),
}

// CdpDescs lists the CDP kinds. Their items are read through the store's
// typed methods (BackupServer, CdpPolicy, PolicySession, TaskSession) and the
// typed slices of QueryResult, not Resource and Items, so they are not among
// Descs.
var CdpDescs = []*Desc{BackupServerDesc, CdpPolicyDesc, CdpReplicaSessionDesc, CdpReplicaTaskSessionDesc}

// AllDescs lists every described kind in the order of Kinds: the CDP kinds,
// then Descs.
var AllDescs = func() []*Desc {
	ds := append(append([]*Desc{}, CdpDescs...), Descs...)
	sort.SliceStable(ds, func(i, j int) bool { return ds[i].Kind < ds[j].Kind })
	return ds
}()

// KindDesc returns the description of any kind k, CDP or not, or nil for a
// value that is not a kind.
func KindDesc(k Kind) *Desc {
	for _, d := range AllDescs {
		if d.Kind == k {
			return d
		}
	}
	return nil
}

// DescribeAny returns the description of an item of any described kind, or nil.
func DescribeAny(item any) *Desc {
	switch item.(type) {
	case *BackupServer:
		return BackupServerDesc
	case *CdpPolicy:
		return CdpPolicyDesc
	case *PolicySession:
		return CdpReplicaSessionDesc
	case *TaskSession:
		return CdpReplicaTaskSessionDesc
	}
	return Describe(item)
}

// typed returns the TypedResult of a CDP kind whose store method is read
// and whose items a QueryResult keeps in the slice that slice returns.
func typed[T any](read func(ResourceStore, context.Context, ID) (*T, error), slice func(*QueryResult) *[]T) *TypedResult {
	return &TypedResult{
		Read: func(ctx context.Context, s ResourceStore, id ID) (any, error) { return asAny(read(s, ctx, id)) },
		Add: func(r *QueryResult) any {
			p := slice(r)
			*p = append(*p, *new(T))
			return &(*p)[len(*p)-1]
		},
		Len:  func(r *QueryResult) int { return len(*slice(r)) },
		At:   func(r *QueryResult, i int) any { return &(*slice(r))[i] },
		Grow: func(r *QueryResult, n int) { p := slice(r); *p = slices.Grow(*p, n) },
	}
}

// asAny returns v as an any, nil (not a nil *T) on an error.
func asAny[T any](v *T, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return v, nil
}
