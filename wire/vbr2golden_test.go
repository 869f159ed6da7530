package wire

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The golden files of testdata/vbr2 are written by hand, like those of
// testdata/vbr, for the rest of the surface: backups, backup files, restore
// points, reports, agents, NAS, tasks and the write side
// (testdata/vbr2/README.md says which file follows which reply or page). This
// test holds them to what the real replies show, with the shapes of
// vbrgolden_test.go plus the kinds below.

// vbr2Shapes adds the kinds of testdata/vbr2 to vbrShapes.
var vbr2Shapes = map[string]vbrShape{
	"Backup": {
		source: "doc get_backups_id example (no real reply captured)",
		keys:   []string{"Platform", "BackupType", "Name", "UID", "Links", "Href", "Type"},
		links: []string{"Up RepositoryReference /repositories/{id}", "Up BackupServerReference /backupServers/{id}",
			"Alternate BackupReference /backups/{id}", "Down RestorePointReferenceList /backups/{id}/restorePoints",
			"Down BackupFileReferenceList /backups/{id}/backupFiles"},
	},
	"BackupFile": {
		source: "doc get_backupfiles_id; monitoring.md §6 (a real capture's element order and link list)",
		keys: []string{"FilePath", "BackupSize", "DataSize", "DeduplicationRatio", "CompressRatio", "CreationTimeUtc",
			"FileType", "Name", "UID", "Links", "Href", "Type"},
		links: []string{"Up BackupReference /backups/{id}", "Up BackupServerReference /backupServers/{id}",
			"Alternate BackupFileReference /backupFiles/{id}",
			"Related RestorePointReferenceList /backupFiles/{id}/restorePoints",
			"Down VmRestorePointReferenceList /backupFiles/{id}/vmRestorePoints"},
	},
	"RestorePoint": {
		source: "doc get_restorepoints_id example (13.1)",
		keys:   []string{"BackupDateUTC", "Name", "UID", "Links", "Href", "Type"},
		links: []string{"Up BackupReference /backups/{id}", "Up BackupServerReference /backupServers/{id}",
			"Alternate RestorePointReference /restorePoints/{id}",
			"Down VmRestorePointReferenceList /restorePoints/{id}/vmRestorePoints",
			"Related BackupFileReferenceList /restorePoints/{id}/backupFiles"},
	},
	"VmRestorePoint": {
		source: "doc vmrestorepoints_id examples (13.1)",
		keys:   []string{"CreationTimeUTC", "Algorithm", "PointType", "HierarchyObjRef", "Name", "UID", "Links", "Href", "Type"},
		links: []string{"Restore - /vmRestorePoints/{id}?action=restore", "Up BackupServerReference /backupServers/{id}",
			"Up RestorePointReference /restorePoints/{id}", "Up BackupFileReference /backupFiles/{id}",
			"Alternate VmRestorePointReference /vmRestorePoints/{id}",
			"Down VmRestorePointMountList /vmRestorePoints/{id}/mounts",
			"Create VmRestorePointMount /vmRestorePoints/{id}/mounts"},
	},
	"DiscoveredComputer": {
		source: "httpapi_exporter sample veeam_agent_metrics_v12.json",
		keys: []string{"HostStatus", "AgentVersion", "AgentStatus", "OsVersion", "IpAddress", "HierarchyObjRef", "Name",
			"UID", "Links", "Href", "Type"},
		links: []string{"Up BackupServerReference /backupServers/{id}",
			"Alternate DiscoveredComputerReference /agents/discoveredComputers/{id}",
			"Up AgentProtectionGroupReference /agents/protectionGroups/{id}"},
	},
	"AgentProtectionGroup": {
		source: "doc agents_protectiongroups_id examples (13.1)",
		keys:   []string{"RescanScheduleEnabled", "HierarchyObjRef", "Name", "UID", "Links", "Href", "Type"},
		links: []string{"Up BackupServerReference /backupServers/{id}",
			"Alternate AgentProtectionGroupReference /agents/protectionGroups/{id}",
			"Down DiscoveredComputerList /agents/protectionGroups/{id}/discoveredComputers?format=Entity"},
	},
	"AgentBackupJob": {
		source: "doc agents_jobs_id entity example",
		keys: []string{"JobType", "Platform", "Description", "ScheduleConfigured", "ScheduleEnabled", "NextRun",
			"JobScheduleOptions", "JobInfo", "Name", "UID", "Links", "Href", "Type"},
		links: []string{"Up BackupServerReference /backupServers/{id}", "Alternate JobReference /agents/jobs/{id}",
			"Down ObjectInJobList /agents/jobs/{id}/includes",
			"ToggleScheduleEnabled - /agents/jobs/{id}?action=toggleScheduleEnabled",
			"Down BackupJobSessionReferenceList /agents/jobs/{id}/backupSessions", "Start - /agents/jobs/{id}?action=start",
			"Stop - /agents/jobs/{id}?action=stop", "Retry - /agents/jobs/{id}?action=retry"},
	},
	"NasJob": {
		source: "a real v10 /api/nas/jobs JSON reply (blog capture); doc nas_jobs_id",
		keys: []string{"Description", "Includes", "StorageOptions", "ScheduleConfigured", "ScheduleEnabled", "NextRun",
			"JobScheduleOptions", "Name", "UID", "Links", "Href", "Type"},
		links: []string{"Up BackupServerReference /backupServers/{id}", "Alternate JobReference /nas/jobs/{id}",
			"Down NasObjectList /nas/jobs/{id}/includes", "ToggleScheduleEnabled - /nas/jobs/{id}/toggleScheduleEnabled",
			"Down BackupJobSessionReferenceList /nas/jobs/{id}/backupSessions", "Start - /nas/jobs/{id}/start",
			"Stop - /nas/jobs/{id}/stop", "Retry - /nas/jobs/{id}/retry"},
	},
	// Agent and NAS runs are BackupJobSessions whose Up JobReference names
	// their own job path (monitoring.md §2, link 2).
	"BackupJobSession": {
		source: "httpapi_exporter samples backup_jobs_sessions_metrics_v12.json and _v13.json; monitoring.md §2",
		keys: []string{"IsRetry", "JobUid", "JobName", "JobType", "CreationTimeUTC", "EndTimeUTC", "State", "Result",
			"Progress", "FailureMessage", "Name", "UID", "Links", "Href", "Type"},
		links: []string{"Up BackupServerReference /backupServers/{id}", "Up JobReference /jobs/{id}",
			"Up JobReference /agents/jobs/{id}", "Up JobReference /nas/jobs/{id}",
			"Alternate BackupJobSessionReference /backupSessions/{id}",
			"Down BackupTaskSessionReferenceList /backupSessions/{id}/taskSessions",
			"Stop - /backupSessions/{id}?action=stop", "Related RestorePointReference /restorePoints/{id}"},
	},
}

// vbr2RefLinks are reference link lists that are not derived from the
// entity's (referenceLinks), with their source.
var vbr2RefLinks = map[string][]string{
	// doc agents_protectiongroups_id: the reference's Down link is the
	// reference list, the entity's the entity list.
	"AgentProtectionGroup": {"Up BackupServerReference /backupServers/{id}",
		"Alternate AgentProtectionGroup /agents/protectionGroups/{id}?format=Entity",
		"Down DiscoveredComputerReferenceList /agents/protectionGroups/{id}/discoveredComputers"},
}

// vbr2Items are the property orders of typed objects nested in a key
// resource, by their Type.
var vbr2Items = map[string][]string{
	// the real v10 /api/nas/jobs reply
	"NasObject": {"HierarchyObjRef", "ObjectInJobId", "FileOrFolder", "FileServerUid", "InclusionMask", "ExclusionMask",
		"Links", "Href", "Type"},
	// doc agents_jobs_id element order, with the JSON tail of every nested resource
	"ObjectInAgentBackupJob": {"ObjectInJobId", "Name", "DisplayName", "GuestProcessingOptions", "Links", "Href", "Type"},
}

// vbr2Roots are the property orders of non-key resources, by golden file name
// prefix, with the real reply or page each follows.
var vbr2Roots = map[string]struct {
	source string
	keys   []string
}{
	"report.summary.": {"doc reports_summary example; the frames' JSON tail", []string{"Links", "Href", "Type"}},
	"report.overview.": {"httpapi_exporter sample veeam_overview_metrics_v12.json", []string{"BackupServers", "ProxyServers",
		"RepositoryServers", "RunningJobs", "ScheduledJobs", "SuccessfulVmLastestStates", "WarningVmLastestStates",
		"FailedVmLastestStates", "Links", "Href", "Type"}},
	"report.vmsOverview.": {"httpapi_exporter samples veeam_overview_vms_metrics_v12.json and _v13.json", []string{"ProtectedVms",
		"BackedUpVms", "ReplicatedVms", "RestorePoints", "FullBackupPointsSize", "IncrementalBackupPointsSize",
		"ReplicaRestorePointsSize", "SourceVmsSize", "SuccessBackupPercents", "ProtectedVmsReportLink", "Links", "Href", "Type"}},
	"report.jobStatistics.": {"httpapi_exporter samples job_overview_metrics_v12.json and _v13.json", []string{"RunningJobs",
		"ScheduledJobs", "ScheduledBackupJobs", "ScheduledReplicaJobs", "TotalJobRuns", "SuccessfulJobRuns", "WarningsJobRuns",
		"FailedJobRuns", "MaxJobDuration", "MaxBackupJobDuration", "MaxReplicaJobDuration", "MaxDurationBackupJobName",
		"MaxDurationReplicaJobName", "BackupJobStatusReportLink", "Links", "Href", "Type"}},
	"report.processedVms.": {"monitoring.md §7 (no real JSON reply)", []string{"Days", "Links", "Href", "Type"}},
	"report.repository.": {"monitoring.md §7 (no real JSON reply)", []string{"Periods", "CapacityPlanningReportLink", "Links",
		"Href", "Type"}},
}

// vbr2AllShapes are the shapes the files of testdata/vbr2 are checked against.
func vbr2AllShapes() map[string]vbrShape {
	all := maps.Clone(vbrShapes)
	maps.Copy(all, vbr2Shapes)
	return all
}

// referenceLinks derives the real link list of a kind's reference from its
// entity's (monitoring.md G5): the same links, with Alternate pointing at the
// entity, and no action links.
func referenceLinks(typ string, entity []string) []string {
	var out []string
	for _, l := range entity {
		rel, rest, _ := strings.Cut(l, " ")
		typePart, path, _ := strings.Cut(rest, " ")
		switch {
		case rel == "Alternate":
			// the entity's Alternate names the reference type: its own
			// (XReference) or, for agent and NAS jobs, JobReference (sic)
			out = append(out, "Alternate "+strings.TrimSuffix(typePart, "Reference")+" "+path+"?format=Entity")
		case typePart == "-" && rel != "Stop":
			// action links (Restore, Start, …) are entity-only
		default:
			out = append(out, l)
		}
	}
	return out
}

func TestVBR2GoldensFollowRealReplies(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "vbr2", "*.json.golden"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no JSON goldens in testdata/vbr2 (%v)", err)
	}
	shapes := vbr2AllShapes()
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
		for prefix, r := range vbr2Roots {
			if !strings.HasPrefix(name, prefix) {
				continue
			}
			seen[prefix]++
			want := make([]string, len(r.keys))
			for i, k := range r.keys {
				want[i] = key(k)
			}
			if o, ok := root.(*jsonObject); !ok || !slices.Equal(o.keys, want) {
				t.Errorf("%s: root properties are not those of %s (want %v)", name, r.source, want)
			}
		}
		var walk func(v any)
		walk = func(v any) {
			switch v := v.(type) {
			case []any:
				for _, x := range v {
					walk(x)
				}
			case *jsonObject:
				typ, _ := v.get(key("Type")).(string)
				if want, ok := vbr2Items[typ]; ok {
					seen[typ]++
					w := make([]string, len(want))
					for i, k := range want {
						w[i] = key(k)
					}
					if !slices.Equal(v.keys, w) {
						t.Errorf("%s: %s properties\n got %v\nwant %v", name, typ, v.keys, w)
					}
				}
				if v.get(key("UID")) != nil || v.get(key("SessionId")) != nil {
					checkVBR2Object(t, name, typ, v, key, shapes)
					seen[typ]++
				}
				for _, x := range v.vals {
					walk(x)
				}
			}
		}
		walk(root)
	}
	for typ := range vbr2Shapes {
		if seen[typ] == 0 || seen[typ+"Reference"] == 0 {
			t.Errorf("no golden holds a %s entity and reference (%d, %d)", typ, seen[typ], seen[typ+"Reference"])
		}
	}
	for prefix := range vbr2Roots {
		if seen[prefix] != 2 {
			t.Errorf("%d JSON goldens named %s*, want 2 (v12 and v13)", seen[prefix], prefix)
		}
	}
	t.Log("objects checked per type: ", seen)
}

// checkVBR2Object checks one key resource (entity or reference) against the
// real reply of its kind.
func checkVBR2Object(t *testing.T, file, typ string, v *jsonObject, key func(string) string,
	shapes map[string]vbrShape) {
	t.Helper()
	kind, isRef := strings.CutSuffix(typ, "Reference")
	shape, ok := shapes[kind]
	if !ok {
		return
	}
	wantKeys := shape.keys
	wantLinks := shape.links
	if isRef {
		wantKeys = []string{"Links", "UID", "Name", "Href", "Type"}
		wantLinks = referenceLinks(kind, shape.links)
		if l, ok := vbr2RefLinks[kind]; ok {
			wantLinks = l
		}
	}
	want := make([]string, len(wantKeys))
	for i, k := range wantKeys {
		want[i] = key(k)
	}
	if !slices.Equal(v.keys, want) {
		t.Errorf("%s: %s properties\n got %v\nwant %v (%s)", file, typ, v.keys, want, shape.source)
	}
	var links []string
	ls, _ := v.get(key("Links")).([]any)
	for _, l := range ls {
		links = append(links, linkShape(l.(*jsonObject), key))
	}
	// A link the real reply repeats (one Related link per restore point) is
	// one entry of the shape.
	links = slices.Compact(links)
	if !isSubsequence(links, wantLinks) {
		t.Errorf("%s: %s links are not the real ones in the real order\n got %q\nreal %q (%s)",
			file, typ, links, wantLinks, shape.source)
	}
}

func TestVBR2GoldensWellFormedXML(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "vbr2", "*.xml.golden"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no XML goldens in testdata/vbr2 (%v)", err)
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
