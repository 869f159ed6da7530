package wire

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"regexp"
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
	// With the write side served (actions.md §4.4).
	"CdpPolicy": {
		source: "doc get_cdppolicies_id example and link table; the CDP goldens one directory up",
		keys: []string{"PolicyType", "Platform", "Description", "ScheduleConfigured", "ScheduleEnabled", "NextRun",
			"PolicyScheduleOptions", "CdpPolicyInfo", "Name", "UID", "Links", "Href", "Type"},
		links: []string{"Up BackupServerReference /backupServers/{id}", "Alternate CdpPolicyReference /cdpPolicies/{id}",
			"Edit CdpPolicyReference /cdpPolicies/{id}", "Down ObjectInJobList /cdpPolicies/{id}/includes",
			"Create ObjectInJob /cdpPolicies/{id}/includes",
			"Down CdpReplicaSessionReferenceList /cdpPolicies/{id}/cdpReplicaSessions",
			"Disable - /cdpPolicies/{id}?action=disable", "Enable - /cdpPolicies/{id}?action=enable"},
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
	// doc cdppolicies collection example: the reference keeps Up and Alternate.
	"CdpPolicy": {"Up BackupServerReference /backupServers/{id}", "Alternate CdpPolicy /cdpPolicies/{id}?format=Entity"},
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
	// actions.md §3.1 (XSD order; a real 9.5 JSON task), §4.4
	"Task":        {"TaskId", "State", "Operation", "Result", "Links", "Href", "Type"},
	"ObjectInJob": {"ObjectInJobId", "HierarchyObjRef", "Name", "DisplayName", "GuestProcessingOptions", "Links", "Href", "Type"},
}

// vbr2ItemLinks are the links of those nested objects where they carry any
// ("Links": null inside a CdpPolicy's or a job's Includes), with "{own}" for
// the object's own Href.
var vbr2ItemLinks = map[string][][]string{
	// the first link is what a real client polls (actions.md §3.2); Related
	// only on a successful finished task
	"Task": {{"Delete Task {own}"}, {"Delete Task {own}", "Related BackupJobSession /backupSessions/{id}?format=Entity"},
		{"Delete Task {own}", "Related CdpPolicy /cdpPolicies/{id}?format=Entity"},
		{"Delete Task {own}", "Related Job /jobs/{id}?format=Entity"}},
	// a real 9.5 ObjectInJob: Delete, then Up to the parent entity
	"ObjectInJob": {{"Delete - {own}", "Up CdpPolicy /cdpPolicies/{id}?format=Entity"}},
}

// vbr2TaskResult is the property order of a finished task's Result: the
// element, then the attributes (actions.md §3.3).
var vbr2TaskResult = []string{"Message", "Success", "CredentialsNeeded", "ConfirmationNeeded"}

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
	"task.":                {"actions.md §3.1", []string{"TaskId", "State", "Operation", "Result", "Links", "Href", "Type"}},
	"tasks.":               {"actions.md §3.6", []string{"Tasks"}},
	"error.":               {"representations.md (real error replies)", []string{"FirstChanceExceptionMessage", "Message", "StackTrace", "Status", "StatusCode"}},
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
		var walk func(v any, holder, parent string)
		walk = func(v any, holder, parent string) {
			switch v := v.(type) {
			case []any:
				for _, x := range v {
					walk(x, holder, parent)
				}
			case *jsonObject:
				typ, _ := v.get(key("Type")).(string)
				// a Link object (Rel, Href, Name, Type) may name a Type too
				if want, ok := vbr2Items[typ]; ok && v.get(key("Rel")) == nil {
					seen[typ]++
					w := make([]string, len(want))
					for i, k := range want {
						w[i] = key(k)
					}
					if !slices.Equal(v.keys, w) {
						t.Errorf("%s: %s properties\n got %v\nwant %v", name, typ, v.keys, w)
					}
					checkVBR2ItemLinks(t, name, typ, v, key)
				}
				if v.get(key("UID")) != nil || v.get(key("SessionId")) != nil {
					checkVBR2Object(t, name, typ, v, key, shapes)
					seen[typ]++
					parent = typ
				}
				// the schedule objects of vbrgolden_test.go; an agent job's
				// JobInfo holds its members directly (doc agents_jobs_id)
				if order, ok := vbrNested[holder]; ok && !(holder == "JobInfo" && parent == "AgentBackupJob") {
					w := make([]string, len(order))
					for i, k := range order {
						w[i] = key(k)
					}
					if !slices.Equal(v.keys, w) {
						t.Errorf("%s: %s properties\n got %v\nwant %v", name, holder, v.keys, w)
					}
				}
				for i, x := range v.vals {
					walk(x, unCamel(v.keys[i]), parent)
				}
			}
		}
		walk(root, "", "")
	}
	for typ := range vbr2Shapes {
		if seen[typ] == 0 || seen[typ+"Reference"] == 0 {
			t.Errorf("no golden holds a %s entity and reference (%d, %d)", typ, seen[typ], seen[typ+"Reference"])
		}
	}
	for prefix := range vbr2Roots {
		if seen[prefix] < 2 || seen[prefix]%2 != 0 {
			t.Errorf("%d JSON goldens named %s*, want a v12 and a v13 one of each", seen[prefix], prefix)
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

var vbr2TaskID = regexp.MustCompile(`task-[0-9]+`)

// checkVBR2ItemLinks checks the links of a nested typed object that has any.
func checkVBR2ItemLinks(t *testing.T, file, typ string, v *jsonObject, key func(string) string) {
	t.Helper()
	if typ == "Task" {
		if r, ok := v.get(key("Result")).(*jsonObject); ok {
			want := make([]string, len(vbr2TaskResult))
			for i, k := range vbr2TaskResult {
				want[i] = key(k)
			}
			if !slices.Equal(r.keys, want) {
				t.Errorf("%s: Task Result properties %v, want %v", file, r.keys, want)
			}
		}
	}
	ls, ok := v.get(key("Links")).([]any)
	if !ok {
		return
	}
	own, _ := v.get(key("Href")).(string)
	own = vbrGUID.ReplaceAllString(vbr2TaskID.ReplaceAllString(strings.TrimPrefix(own, exBase), "task-{n}"), "{id}")
	var links []string
	for _, l := range ls {
		links = append(links, vbr2TaskID.ReplaceAllString(linkShape(l.(*jsonObject), key), "task-{n}"))
	}
	for _, want := range vbr2ItemLinks[typ] {
		w := make([]string, len(want))
		for i, l := range want {
			w[i] = strings.ReplaceAll(l, "{own}", own)
		}
		if slices.Equal(links, w) {
			return
		}
	}
	t.Errorf("%s: %s links %q are none of %q", file, typ, links, vbr2ItemLinks[typ])
}

// TestVBR2Allow checks the table of Allow headers: two columns, methods in
// the order GET, PUT, POST, DELETE, and the rows of actions.md §1.
func TestVBR2Allow(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "vbr2", "allow405.golden"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for line := range strings.Lines(string(b)) {
		line = strings.TrimSuffix(line, "\n")
		if strings.HasPrefix(line, "#") {
			continue
		}
		path, allow, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("line %q has no TAB", line)
		}
		methods := strings.Split(allow, ", ")
		order := []string{"GET", "PUT", "POST", "DELETE"}
		last := -1
		for _, m := range methods {
			i := slices.Index(order, m)
			if i <= last {
				t.Errorf("%s: Allow %q is not in the order %v", path, allow, order)
			}
			last = i
		}
		got[path] = allow
	}
	for path, allow := range map[string]string{
		"/cdpPolicies/{id}": "GET, PUT, POST", "/cdpPolicies/{id}/includes": "GET, POST",
		"/cdpPolicies/{id}/includes/{id}": "GET, DELETE", "/jobs/{id}": "GET, POST", "/tasks": "GET",
		"/tasks/{taskId}": "GET, DELETE", "/logonSessions/{id}": "GET, DELETE", "/backupSessions/{id}": "GET",
	} {
		if got[path] != allow {
			t.Errorf("%s: Allow %q, actions.md §1 says %q", path, got[path], allow)
		}
	}
}

// TestVBR2RequestBodies checks that the request bodies kept for the parser's
// tests are well formed, so that a parser test failing on them fails for its
// own reason.
func TestVBR2RequestBodies(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "vbr2", "request.*"))
	if len(files) == 0 {
		t.Fatal("no request bodies in testdata/vbr2")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		switch filepath.Ext(f) {
		case ".json":
			if !json.Valid(b) {
				t.Errorf("%s: not valid JSON", filepath.Base(f))
			}
		case ".xml":
			if err := checkXML(b); err != nil {
				t.Errorf("%s: %v", filepath.Base(f), err)
			}
		default:
			t.Errorf("%s: neither .xml nor .json", filepath.Base(f))
		}
	}
}
