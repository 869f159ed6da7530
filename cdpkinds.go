package emcdp

import (
	"context"
	"sort"
	"time"
)

// The descriptions of the CDP kinds (BackupServer, CdpReplicaSession,
// CdpReplicaTaskSession). Their tables and indexes are made by the numbered
// migrations (Migrated); their times keep 7 fractional digits in every
// profile and their names are written as stored (Ticks); the store API
// returns their structs (Typed). CdpPolicy is not described: its
// PolicyScheduleOptions and includes are written by hand.

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
	New: func() any { return new(BackupServer) },
	Typed: &TypedResult{
		Read: func(ctx context.Context, s ResourceStore, id ID) (any, error) { return asAny(s.BackupServer(ctx, id)) },
		Add: func(r *QueryResult) any {
			r.BackupServers = append(r.BackupServers, BackupServer{})
			return &r.BackupServers[len(r.BackupServers)-1]
		},
		Len: func(r *QueryResult) int { return len(r.BackupServers) },
		At:  func(r *QueryResult, i int) any { return &r.BackupServers[i] },
	},
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
	Typed: &TypedResult{
		Read: func(ctx context.Context, s ResourceStore, id ID) (any, error) { return asAny(s.PolicySession(ctx, id)) },
		Add: func(r *QueryResult) any {
			r.PolicySessions = append(r.PolicySessions, PolicySession{})
			return &r.PolicySessions[len(r.PolicySessions)-1]
		},
		Len: func(r *QueryResult) int { return len(r.PolicySessions) },
		At:  func(r *QueryResult, i int) any { return &r.PolicySessions[i] },
	},
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
	New:     func() any { return new(TaskSession) },
	Typed: &TypedResult{
		Read: func(ctx context.Context, s ResourceStore, id ID) (any, error) { return asAny(s.TaskSession(ctx, id)) },
		Add: func(r *QueryResult) any {
			r.TaskSessions = append(r.TaskSessions, TaskSession{})
			return &r.TaskSessions[len(r.TaskSessions)-1]
		},
		Len: func(r *QueryResult) int { return len(r.TaskSessions) },
		At:  func(r *QueryResult, i int) any { return &r.TaskSessions[i] },
	},
}

// CdpDescs lists the described CDP kinds. Their items are read through the
// store's typed methods (BackupServer, PolicySession, TaskSession) and the
// typed slices of QueryResult, not Resource and Items, so they are not among
// Descs.
var CdpDescs = []*Desc{BackupServerDesc, CdpReplicaSessionDesc, CdpReplicaTaskSessionDesc}

// AllDescs lists every described kind in the order of Kinds: the CDP kinds,
// then Descs.
var AllDescs = func() []*Desc {
	ds := append(append([]*Desc{}, CdpDescs...), Descs...)
	sort.SliceStable(ds, func(i, j int) bool { return ds[i].Kind < ds[j].Kind })
	return ds
}()

// KindDesc returns the description of any described kind k, CDP or not, or
// nil (CdpPolicy).
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
	case *PolicySession:
		return CdpReplicaSessionDesc
	case *TaskSession:
		return CdpReplicaTaskSessionDesc
	}
	return Describe(item)
}

// asAny returns v as an any, nil (not a nil *T) on an error.
func asAny[T any](v *T, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return v, nil
}
