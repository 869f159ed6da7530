package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The golden files of testdata/vbr are written by hand from real Enterprise
// Manager replies (testdata/vbr/README.md says which file follows which). This
// test keeps them true to those replies: every object of a kind below has the
// property order of the real reply, and its links are the real reply's links,
// in the real order, less those whose targets are not served.

// vbrShape is what a real reply shows of one kind.
type vbrShape struct {
	source string   // the real reply (sample file) or, where none exists, the page it is taken from
	keys   []string // v12 property order of the entity
	links  []string // "Rel Type /path" of the real links, in order; {id} stands for any id
}

// vbrShapes are keyed by the entity's Type.
var vbrShapes = map[string]vbrShape{
	"BackupJobSession": {
		source: "httpapi_exporter samples backup_jobs_sessions_metrics_v12.json and _v13.json; centreon-plugins restapi.json",
		keys: []string{"IsRetry", "JobUid", "JobName", "JobType", "CreationTimeUTC", "EndTimeUTC", "State", "Result",
			"Progress", "FailureMessage", "Name", "UID", "Links", "Href", "Type"},
		links: []string{"Up BackupServerReference /backupServers/{id}", "Up JobReference /jobs/{id}",
			"Alternate BackupJobSessionReference /backupSessions/{id}",
			"Down BackupTaskSessionReferenceList /backupSessions/{id}/taskSessions",
			"Stop - /backupSessions/{id}?action=stop", "Related RestorePointReference /restorePoints/{id}"},
	},
	"BackupTaskSession": {
		source: "httpapi_exporter samples backup_jobs_tasks_sessions_metrics_v12.json and _v13.json",
		keys: []string{"JobSessionUid", "CreationTimeUTC", "EndTimeUTC", "State", "Result", "Reason", "TotalSize",
			"VmUid", "VmDisplayName", "Name", "UID", "Links", "Href", "Type"},
		links: []string{"Up BackupServerReference /backupServers/{id}", "Up BackupJobSessionReference /backupSessions/{id}",
			"Alternate BackupTaskSessionReference /backupTaskSessions/{id}",
			"Related VmRestorePoint /vmRestorePoints/{id}?format=Entity"},
	},
	"Repository": {
		source: "httpapi_exporter samples veeam_repositories_overview_metrics_v12.json and _v13.json",
		keys:   []string{"Capacity", "FreeSpace", "Kind", "Name", "UID", "Links", "Href", "Type"},
		links: []string{"Up BackupServerReference /backupServers/{id}", "Alternate RepositoryReference /repositories/{id}",
			"Down BackupReferenceList /repositories/{id}/backups", "Down ReplicaReferenceList /repositories/{id}/replicas"},
	},
	"BackupServer": {
		source: "httpapi_exporter samples backup_servers_metrics_v12.json and _v13.json",
		keys: []string{"Description", "Port", "Version", "WcfPort", "VbrCertificateThumbprint", "Name", "UID", "Links",
			"Href", "Type"},
		links: []string{"Alternate BackupServerReference /backupServers/{id}", "Edit BackupServerReference /backupServers/{id}",
			"Delete BackupServerReference /backupServers/{id}", "Down JobReferenceList /backupServers/{id}/jobs",
			"Down ManagedServerReferenceList /backupServers/{id}/managedServers",
			"Down RepositoryReferenceList /backupServers/{id}/repositories"},
	},
	"LogonSession": {
		source: "httpapi_exporter sample veeam_login_v12.json",
		keys:   []string{"UserName", "SessionId", "Links", "Href", "Type"},
		links:  vbrLogonLinks,
	},
	// No real reply of the kinds below has been captured: their shape is the
	// reference's, and for replica sessions the backup sessions' one.
	"ReplicaJobSession": {
		source: "no real reply: the BackupJobSession samples' order; doc get_replicasessions_id links",
		keys: []string{"IsRetry", "JobUid", "JobName", "JobType", "CreationTimeUTC", "EndTimeUTC", "State", "Result",
			"Progress", "FailureMessage", "Name", "UID", "Links", "Href", "Type"},
		links: []string{"Up BackupServerReference /backupServers/{id}", "Up JobReference /jobs/{id}",
			"Alternate ReplicaJobSessionReference /replicaSessions/{id}",
			"Down ReplicaTaskSessionReferenceList /replicaSessions/{id}/replicaTaskSessions"},
	},
	"ReplicaTaskSession": {
		source: "no real reply: the BackupTaskSession samples' order without VmUid; doc example links",
		keys: []string{"JobSessionUid", "CreationTimeUTC", "EndTimeUTC", "State", "Result", "Reason", "TotalSize",
			"VmDisplayName", "Name", "UID", "Links", "Href", "Type"},
		links: []string{"Up BackupServerReference /backupServers/{id}", "Up ReplicaJobSessionReference /replicaSessions/{id}",
			"Alternate ReplicaTaskSessionReference /replicaTaskSessions/{id}",
			"Related VmReplicaPoint /vmReplicaPoints/{id}?format=Entity"},
	},
	"Job": {
		source: "no real v12/v13 reply: doc get_jobs_id example 1 (links) and monitoring.md §8 (JSON order)",
		keys: []string{"JobType", "Platform", "Description", "ScheduleConfigured", "ScheduleEnabled", "NextRun",
			"JobScheduleOptions", "JobInfo", "Name", "UID", "Links", "Href", "Type"},
		links: []string{"Up BackupServerReference /backupServers/{id}", "Alternate JobReference /jobs/{id}",
			"Edit JobReference /jobs/{id}", "Clone - /jobs/{id}?action=clone",
			"ToggleScheduleEnabled - /jobs/{id}?action=toggleScheduleEnabled", "Down ObjectInJobList /jobs/{id}/includes",
			"Down BackupJobSessionReferenceList /jobs/{id}/backupSessions",
			"Down ReplicaJobSessionReferenceList /jobs/{id}/replicaSessions",
			"Create ObjectInJob /jobs/{id}/includes", "Start - /jobs/{id}?action=start", "Stop - /jobs/{id}?action=stop",
			"Retry - /jobs/{id}?action=retry"},
	},
}

// vbrLogonLinks are the links of the real v12 logon reply, in order.
var vbrLogonLinks = []string{
	"Up EnterpriseManager /", "Down BackupServerReferenceList /backupServers",
	"Down ManagedServerReferenceList /managedServers", "Down JobReferenceList /jobs",
	"Down FailoverPlanReferenceList /failoverPlans", "Down HierarchyRootReferenceList /hierarchyRoots",
	"Down RepositoryReferenceList /repositories", "Down BackupReferenceList /backups",
	"Down RestorePointReferenceList /restorePoints", "Down VmRestorePointReferenceList /vmRestorePoints",
	"Down VAppRestorePointReferenceList /vAppRestorePoints", "Down ReplicaReferenceList /replicas",
	"Down VmReplicaPointReferenceList /vmReplicaPoints", "Down CatalogVmReferenceList /catalog/vms",
	"Down BackupJobSessionReferenceList /backupSessions", "Down RestoreSessionReferenceList /restoreSessions",
	"Down ReplicaJobSessionReferenceList /replicaSessions", "Down BackupTaskSessionReferenceList /backupTaskSessions",
	"Down ReplicaTaskSessionReferenceList /replicaTaskSessions", "Down EnterpriseSecuritySettings /security",
	"Down WanAcceleratorReferenceList /wanAccelerators", "Down BackupFileReferenceList /backupFiles",
	"Down ExternalRepositoryReferenceList /externalRepositories", "Down CdpPolicyReferenceList /cdpPolicies",
	"Down CdpReplicaSessionReferenceList /cdpReplicaSessions",
	"Down CdpReplicaTaskSessionReferenceList /cdpReplicaTaskSessions",
	"Down VAppReplicaPointReferenceList /vAppReplicaPoints", "Down VmCdpReplicaReferenceList /cdpReplica/vms",
	"Down VAppCdpReplicaReferenceList /cdpReplica/vApps", "Down BackupJobSessionReferenceList /systemSessions",
	"Down TaskList /tasks", "Down QueryService /querySvc", "Down LookupService /lookupSvc",
	"Down Report /reports/summary", "Down BackupServerList /backupServers?format=Entity",
	"Down ManagedServerList /managedServers?format=Entity", "Create - /backupServers?action=create",
	"Down JobList /jobs?format=Entity", "Down FailoverPlanList /failoverPlans?format=Entity",
	"Down HierarchyRootList /hierarchyRoots?format=Entity", "Down RepositoryList /repositories?format=Entity",
	"Down BackupList /backups?format=Entity", "Down RestorePointList /restorePoints?format=Entity",
	"Down VmRestorePointList /vmRestorePoints?format=Entity", "Down VAppRestorePointList /vAppRestorePoints?format=Entity",
	"Down ReplicaList /replicas?format=Entity", "Down VmReplicaPointList /vmReplicaPoints?format=Entity",
	"Down CatalogVmList /catalog/vms?format=Entity", "Down BackupJobSessionList /backupSessions?format=Entity",
	"Down RestoreSessionList /restoreSessions?format=Entity", "Down ReplicaJobSessionList /replicaSessions?format=Entity",
	"Down BackupTaskSessionList /backupTaskSessions?format=Entity",
	"Down ReplicaTaskSessionList /replicaTaskSessions?format=Entity",
	"Down WanAcceleratorList /wanAccelerators?format=Entity", "Down VCloudService /vCloud",
	"Down BackupFileList /backupFiles?format=Entity", "Down AgentsService /agents",
	"Down VSphereSelfService /selfService/vSphere", "Down ExternalRepositoryList /externalRepositories?format=Entity",
	"Down NasService /nas", "Down CdpPolicyList /cdpPolicies?format=Entity",
	"Down CdpReplicaSessionList /cdpReplicaSessions?format=Entity",
	"Down CdpReplicaTaskSessionList /cdpReplicaTaskSessions?format=Entity",
	"Down VAppReplicaPointList /vAppReplicaPoints?format=Entity", "Down VmCdpReplicaList /cdpReplica/vms?format=Entity",
	"Down VAppCdpReplicaList /cdpReplica/vApps?format=Entity", "Down BackupJobSessionList /systemSessions?format=Entity",
	"Delete - /logonSessions/{id}",
}

// vbrNested are the v12 property orders of objects nested in a job, by the
// property that holds them, from the one real JSON JobScheduleOptions found (a
// v10 /nas/jobs reply) and monitoring.md §8.
var vbrNested = map[string][]string{
	"JobScheduleOptions":   {"Standart", "ImmediateCopyMode", "Links", "Href", "Type"},
	"Standart":             {"RetryOptions", "WaitForBackupCompletion", "BackupCompetitionWaitingPeriodMin", "OptionsDaily", "OptionsMonthly", "OptionsPeriodically", "OptionsContinuous", "OptionsBackupWindow", "OptionsDaisyChaining"},
	"RetryOptions":         {"RetryTimes", "RetryTimeout", "RetrySpecified1"},
	"OptionsDaily":         {"Kind", "Days", "Time", "TimeOffsetUtc", "Enabled"},
	"OptionsMonthly":       {"Time", "TimeOffsetUtc", "DayNumberInMonth", "DayOfWeek", "Months", "DayOfMonth", "Enabled"},
	"OptionsPeriodically":  {"Kind", "FullPeriod", "Schedule", "Enabled"},
	"OptionsContinuous":    {"Schedule", "Enabled"},
	"OptionsBackupWindow":  {"TimePeriods", "Enabled"},
	"OptionsDaisyChaining": {"PreviousJobUid", "Enabled"},
	"JobInfo":              {"BackupJobInfo", "FileCopyJobInfo", "ReplicaJobInfo", "BackupCopyJobInfo", "ImmediateBackupCopyJobInfo"},
}

// A jsonObject keeps the order of its properties.
type jsonObject struct {
	keys []string
	vals []any
}

func (o *jsonObject) get(k string) any {
	if i := slices.Index(o.keys, k); i >= 0 {
		return o.vals[i]
	}
	return nil
}

func decodeOrdered(d *json.Decoder) (any, error) {
	tok, err := d.Token()
	if err != nil {
		return nil, err
	}
	switch tok {
	case json.Delim('{'):
		o := &jsonObject{}
		for d.More() {
			k, err := d.Token()
			if err != nil {
				return nil, err
			}
			v, err := decodeOrdered(d)
			if err != nil {
				return nil, err
			}
			o.keys = append(o.keys, k.(string))
			o.vals = append(o.vals, v)
		}
		_, err = d.Token()
		return o, err
	case json.Delim('['):
		var a []any
		for d.More() {
			v, err := decodeOrdered(d)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		_, err = d.Token()
		return a, err
	}
	return tok, nil
}

var vbrGUID = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// linkShape writes a link as "Rel Type /path", with ids as {id}.
func linkShape(l *jsonObject, key func(string) string) string {
	s := func(k string) string {
		if v, ok := l.get(key(k)).(string); ok {
			return v
		}
		return "-"
	}
	path := strings.TrimPrefix(s("Href"), exBase)
	return s("Rel") + " " + s("Type") + " " + vbrGUID.ReplaceAllString(path, "{id}")
}

// isSubsequence reports whether every element of a is in b, in the same order.
func isSubsequence(a, b []string) bool {
	i := 0
	for _, x := range b {
		if i < len(a) && a[i] == x {
			i++
		}
	}
	return i == len(a)
}

func TestVBRGoldensFollowRealReplies(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "vbr", "*.json.golden"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no JSON goldens in testdata/vbr (%v)", err)
	}
	seen := map[string]int{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		root, err := decodeOrdered(d)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		key := func(k string) string { return k }
		if strings.HasSuffix(f, ".v13.json.golden") {
			key = CamelCase
		}
		name := filepath.Base(f)
		var walk func(v any, holder string)
		walk = func(v any, holder string) {
			switch v := v.(type) {
			case []any:
				for _, x := range v {
					walk(x, holder)
				}
			case *jsonObject:
				typ, _ := v.get(key("Type")).(string)
				entity := v.get(key("UID")) != nil || v.get(key("SessionId")) != nil
				if shape, ok := vbrShapes[typ]; ok && entity {
					seen[typ]++
					want := make([]string, len(shape.keys))
					for i, k := range shape.keys {
						want[i] = key(k)
					}
					if !slices.Equal(v.keys, want) {
						t.Errorf("%s: %s properties\n got %v\nwant %v (%s)", name, typ, v.keys, want, shape.source)
					}
					var links []string
					ls, _ := v.get(key("Links")).([]any)
					for _, l := range ls {
						links = append(links, linkShape(l.(*jsonObject), key))
					}
					if !isSubsequence(links, shape.links) {
						t.Errorf("%s: %s links are not the real ones in the real order\n got %q\nreal %q (%s)",
							name, typ, links, shape.links, shape.source)
					}
				}
				if order, ok := vbrNested[holder]; ok {
					want := make([]string, len(order))
					for i, k := range order {
						want[i] = key(k)
					}
					if !slices.Equal(v.keys, want) {
						t.Errorf("%s: %s properties\n got %v\nwant %v", name, holder, v.keys, want)
					}
				}
				for i, x := range v.vals {
					walk(x, unCamel(v.keys[i]))
				}
			}
		}
		walk(root, "")
	}
	for typ := range vbrShapes {
		if seen[typ] == 0 {
			t.Errorf("no golden holds a %s", typ)
		}
	}
	t.Log(fmt.Sprint("entities checked per kind: ", seen))
}

func TestVBRGoldensWellFormedXML(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "vbr", "*.xml.golden"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no XML goldens in testdata/vbr (%v)", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := checkXML(b); err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
		}
	}
}

// unCamel maps a v13 property name back to the v12 one for the names that
// vbrNested knows.
func unCamel(k string) string {
	for n := range vbrNested {
		if CamelCase(n) == k {
			return n
		}
	}
	return k
}
