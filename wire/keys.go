package wire

// CamelCase converts a PascalCase property name to camelCase by the .NET
// rule (Json.NET's CamelCasePropertyNamesContractResolver, System.Text.Json's
// JsonNamingPolicy.CamelCase): lower-case the leading run of capitals, except
// the last capital of that run when a lower-case letter follows it, since it
// starts the next word. UID → uid, CreationTimeUTC → creationTimeUTC,
// VAppRestorePoints → vAppRestorePoints, NASJobs → nasJobs.
func CamelCase(s string) string {
	if s == "" || !isUpper(s[0]) {
		return s
	}
	b := []byte(s)
	for i := range b {
		if i == 1 && !isUpper(b[i]) {
			break
		}
		if i > 0 && i+1 < len(b) && !isUpper(b[i+1]) {
			if b[i+1] == ' ' {
				b[i] = toLower(b[i])
			}
			break
		}
		b[i] = toLower(b[i])
	}
	return string(b)
}

func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }
func toLower(c byte) byte { return c | 0x20 }

// keys holds the JSON property names of one profile, each written ready to
// append: the quoted name followed by a colon. They are computed once per
// profile so that encoding never converts names.
type keys struct {
	Links, Rel, Href, Name, Type, UID string

	// QueryResult and PagingInfo.
	Refs, Entities, Resources, PagingInfo, PageNum, PageSize, PagesCount string
	// The entity list keys under Entities, in the real server's order.
	EntityLists []string

	// The structured elements of CdpPolicy; the described kinds' own
	// elements have their keys made from their descriptions (descKeys).
	CdpReplica, RecoveryPointObjectiveSeconds, RecoveryPointObjectiveMinutes, RPOSchedule, Enabled string
	TimePeriods, Days, Value, RPOReporting, MarkAsWarning, MarkAsFailed                            string
	RPOThresholdSeconds, RPOThresholdMinutes, ShortTermRetentionMinutes                            string
	ShortTermRetentionHours, LongTermRetentionHours, LongTermRetentionKeepDays                     string
	LongTermRetentionSchedule, CdpReplicaPolicyInfo, Includes                                      string
	// ObjectInJob and guest processing.
	ObjectInJobs, ObjectInJobId, HierarchyObjRef, DisplayName, GuestProcessingOptions string
	VssSnapshotOptions, VssSnapshotMode, IsCopyOnly, WindowsCredentialsId             string
	LinuxCredentialsId                                                                string
	// Entry point and logon sessions.
	SupportedVersions, UserName, SessionId, LogonSessions string
	// Error.
	FirstChanceExceptionMessage, Message, StackTrace, Status, StatusCode string
}

// entityListNames are the keys of QueryResult.Entities in JSON, in the order
// and with the spelling (EnterpiseRoles, EnterpiseAccounts) of the real server.
var entityListNames = []string{
	"Jobs", "FailoverPlans", "Backups", "Replicas", "Repositories", "RestorePoints", "VmRestorePoints",
	"VAppRestorePoints", "VmReplicaPoints", "BackupJobSessions", "ReplicaJobSessions", "ReplicaTaskSessions",
	"RestoreSessions", "HierarchyRoots", "BackupTaskSessions", "BackupServers", "ManagedServers",
	"EnterpiseRoles", "EnterpiseAccounts", "WanAccelerators", "CloudGateways", "CloudTenants", "CloudReplicas",
	"VCloudOrganizationConfigs", "BackupFiles", "VSphereSelfServiceConfigs", "CloudPublicIps",
	"CloudHardwarePlans", "CloudVmReplicaPoints", "AgentRestorePoints", "AgentBackupJob", "CloudGatewayPools",
	"CloudFailoverPlans", "ExternalRepositories", "VlanConfigurations", "CloudFailoverSessions",
	"AgentProtectionGroups", "DiscoveredComputers", "FileServers", "NASJobs", "CdpReplicas", "CdpReplicaVms",
	"CdpPolicies", "CdpReplicaSessions", "CdpReplicaTaskSessions", "VAppReplicaPoints", "VmCdpReplicas",
	"VAppCdpReplicas", "VAppCdpReplicaVms", "SystemSessions",
}

// profileKeys are the key sets by Profile.
var profileKeys = [...]*keys{
	V12: newKeys(func(s string) string { return s }),
	V13: newKeys(CamelCase),
}

// newKeys builds a key set whose names are the PascalCase names passed
// through conv.
func newKeys(conv func(string) string) *keys {
	k := func(s string) string { return `"` + conv(s) + `":` }
	ks := &keys{
		Links: k("Links"), Rel: k("Rel"), Href: k("Href"), Name: k("Name"), Type: k("Type"), UID: k("UID"),

		Refs: k("Refs"), Entities: k("Entities"), Resources: k("Resources"), PagingInfo: k("PagingInfo"),
		PageNum: k("PageNum"), PageSize: k("PageSize"), PagesCount: k("PagesCount"),

		CdpReplica:                    k("CdpReplica"),
		RecoveryPointObjectiveSeconds: k("RecoveryPointObjectiveSeconds"),
		RecoveryPointObjectiveMinutes: k("RecoveryPointObjectiveMinutes"),
		RPOSchedule:                   k("RPOSchedule"), Enabled: k("Enabled"),
		TimePeriods: k("TimePeriods"), Days: k("Days"), Value: k("Value"),
		RPOReporting: k("RPOReporting"), MarkAsWarning: k("MarkAsWarning"), MarkAsFailed: k("MarkAsFailed"),
		RPOThresholdSeconds: k("RPOThresholdSeconds"), RPOThresholdMinutes: k("RPOThresholdMinutes"),
		ShortTermRetentionMinutes: k("ShortTermRetentionMinutes"),
		ShortTermRetentionHours:   k("ShortTermRetentionHours"),
		LongTermRetentionHours:    k("LongTermRetentionHours"),
		LongTermRetentionKeepDays: k("LongTermRetentionKeepDays"),
		LongTermRetentionSchedule: k("LongTermRetentionSchedule"),
		CdpReplicaPolicyInfo:      k("CdpReplicaPolicyInfo"),
		Includes:                  k("Includes"),

		ObjectInJobs: k("ObjectInJobs"), ObjectInJobId: k("ObjectInJobId"),
		HierarchyObjRef: k("HierarchyObjRef"), DisplayName: k("DisplayName"),
		GuestProcessingOptions: k("GuestProcessingOptions"), VssSnapshotOptions: k("VssSnapshotOptions"),
		VssSnapshotMode: k("VssSnapshotMode"), IsCopyOnly: k("IsCopyOnly"),
		WindowsCredentialsId: k("WindowsCredentialsId"), LinuxCredentialsId: k("LinuxCredentialsId"),

		SupportedVersions: k("SupportedVersions"), UserName: k("UserName"), SessionId: k("SessionId"),
		LogonSessions: k("LogonSessions"),

		FirstChanceExceptionMessage: k("FirstChanceExceptionMessage"), Message: k("Message"),
		StackTrace: k("StackTrace"), Status: k("Status"), StatusCode: k("StatusCode"),
	}
	ks.EntityLists = make([]string, len(entityListNames))
	for i, n := range entityListNames {
		ks.EntityLists[i] = k(n)
	}
	return ks
}
