package api

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/auth"
	"github.com/emcdp/emcdp/storetest"
	"github.com/emcdp/emcdp/wire"
)

// vbrFixture is the API fixture with a small world of the regular VBR kinds
// added (storetest's random dataset: repositories, jobs of every type, job
// and task sessions, running ones included), served in JSON profile p.
func vbrFixture(t *testing.T, p wire.Profile) (*fixture, *storetest.Dataset) {
	f := newFixture(t)
	d := storetest.NewDataset(11, 2, 5, 14, 40)
	if err := f.st.Apply(context.Background(), d.Batch(rand.New(rand.NewPCG(1, 2)))); err != nil {
		t.Fatal(err)
	}
	f.h = newHandler(Config{Store: f.st, Clock: f.clock, Profile: p, Auth: &auth.Service{Store: f.st, Clock: f.clock}})
	return f, d
}

// TestVBRCrawl follows every Href from the entry point, the logon session,
// the query service and the collections of the VBR kinds, in XML and in
// JSON of both profiles, and requires 200 for each; every path shape of the
// VBR kinds must be reached through a link some answer wrote.
func TestVBRCrawl(t *testing.T) {
	for _, p := range []wire.Profile{wire.V12, wire.V13} {
		t.Run(p.String(), func(t *testing.T) {
			f, _ := vbrFixture(t, p)
			tok, sid := f.logon(t)
			const root = "http://example.com/api"
			start := []string{root + "/", root + "/logonSessions/" + sid.String(), root + "/querySvc"}
			for _, d := range emcdp.Descs {
				c := root + strings.TrimSuffix(d.Path, "/")
				start = append(start, c, c+"?format=Entity",
					root+"/query?type="+d.Type+"&format=Entities&sortDesc=Name&pageSize=3&page=1")
			}
			seen := map[string]bool{}
			linked := map[string]bool{}
			queue := slices.Clone(start)
			for _, u := range queue {
				seen[u] = true
			}
			for len(queue) > 0 {
				u := queue[0]
				queue = queue[1:]
				for _, js := range []bool{false, true} {
					w := f.do(t, req{target: u, token: tok, json: js})
					if w.Code != http.StatusOK {
						t.Fatalf("GET %s (json %v): %d %s", u, js, w.Code, w.Body)
					}
					for _, h := range hrefs(t, w.Body.Bytes(), js) {
						if !strings.HasPrefix(h, root+"/") {
							t.Fatalf("%s links to %q, not below %s", u, h, root)
						}
						if strings.Contains(strings.ToLower(h), "/sessionmngr") {
							continue
						}
						linked[h] = true
						if !seen[h] {
							if len(seen) > 20000 {
								t.Fatal("the crawl passed 20000 URLs")
							}
							seen[h] = true
							queue = append(queue, h)
						}
					}
				}
			}
			const id = `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`
			shapes := []string{
				"/jobs", "/jobs/{id}", "/jobs/{id}\\?format=Entity", "/jobs/{id}/includes", "/jobs/{id}/includes/{id}",
				"/jobs/{id}/backupSessions", "/jobs/{id}/replicaSessions",
				"/backupServers/{id}/jobs", "/backupServers/{id}/repositories",
				"/repositories", "/repositories/{id}", "/repositories/{id}\\?format=Entity",
				"/backupSessions", "/backupSessions/{id}", "/backupSessions/{id}\\?format=Entity", "/backupSessions/{id}/taskSessions",
				"/backupTaskSessions", "/backupTaskSessions/{id}", "/backupTaskSessions/{id}\\?format=Entity",
				"/replicaSessions", "/replicaSessions/{id}", "/replicaSessions/{id}\\?format=Entity",
				"/replicaSessions/{id}/replicaTaskSessions",
				"/replicaTaskSessions", "/replicaTaskSessions/{id}", "/replicaTaskSessions/{id}\\?format=Entity",
				"/query\\?type=(Job|BackupJobSession|BackupTaskSession|ReplicaJobSession|ReplicaTaskSession|Repository)&.*page=2",
				"/repositories/{id}/backups", "/backups/{id}", "/backups/{id}\\?format=Entity",
				"/backups/{id}/restorePoints", "/backups/{id}/backupFiles",
				"/backupFiles/{id}", "/backupFiles/{id}\\?format=Entity", "/backupFiles/{id}/restorePoints",
				"/backupFiles/{id}/vmRestorePoints",
				"/restorePoints/{id}", "/restorePoints/{id}\\?format=Entity", "/restorePoints/{id}/vmRestorePoints",
				"/restorePoints/{id}/backupFiles",
				"/vmRestorePoints/{id}", "/vmRestorePoints/{id}\\?format=Entity",
				"/query\\?type=(Backup|BackupFile|RestorePoint|VmRestorePoint)&.*page=2",
				"/agents/discoveredComputers/{id}", "/agents/discoveredComputers/{id}\\?format=Entity",
				"/agents/protectionGroups/{id}", "/agents/protectionGroups/{id}\\?format=Entity",
				"/agents/protectionGroups/{id}/discoveredComputers", "/agents/protectionGroups/{id}/discoveredComputers\\?format=Entity",
				"/agents/jobs/{id}", "/agents/jobs/{id}\\?format=Entity", "/agents/jobs/{id}/backupSessions",
				"/agents/jobs/{id}/includes/{id}",
				"/nas/jobs/{id}", "/nas/jobs/{id}\\?format=Entity", "/nas/jobs/{id}/backupSessions", "/nas/jobs/{id}/includes/{id}",
				"/query\\?type=(DiscoveredComputer|AgentProtectionGroup|AgentBackupJob|NasJob)&.*page=2",
				"/reports/summary", "/reports/summary/overview", "/reports/summary/vms_overview",
				"/reports/summary/job_statistics", "/reports/summary/processed_vms", "/reports/summary/repository",
				"/backups", "/backupFiles", "/restorePoints", "/vmRestorePoints", "/backupFiles\\?format=Entity",
			}
			for _, s := range shapes {
				re := regexp.MustCompile("^" + regexp.QuoteMeta(root) + strings.ReplaceAll(s, "{id}", id) + "$")
				found := false
				for u := range linked {
					if re.MatchString(u) {
						found = true
						break
					}
				}
				if !found {
					t.Errorf("no answer links to a URL of the shape %s", s)
				}
			}
			t.Logf("crawled %d URLs", len(seen))
		})
	}
}

// TestReplicaTaskSessionsFindCDPTasks checks quirk Q1 with both kinds in
// the store: /replicaTaskSessions/{id} answers a replica task as itself and
// a CDP task as the CDP task session, whose own Href uses that path.
func TestReplicaTaskSessionsFindCDPTasks(t *testing.T) {
	f, d := vbrFixture(t, wire.V12)
	tok, _ := f.logon(t)
	var replica *emcdp.JobTaskSession
	for i := range d.JobTasks {
		if d.JobTasks[i].JobType.IsReplica() {
			replica = &d.JobTasks[i]
			break
		}
	}
	if replica == nil {
		t.Fatal("the dataset has no replica task")
	}
	for id, want := range map[emcdp.ID]string{replica.ID: "<ReplicaTaskSession ", f.ts[0].ID: "<CdpReplicaTaskSession "} {
		w := f.do(t, req{target: "/api/replicaTaskSessions/" + id.String() + "?format=Entity", token: tok})
		if w.Code != 200 || !strings.Contains(w.Body.String(), want) {
			t.Errorf("replicaTaskSessions/%s: %d %.300s", id, w.Code, w.Body)
		}
	}
	if w := f.do(t, req{target: "/api/replicaTaskSessions/" + emcdp.NewID().String(), token: tok}); w.Code != 404 {
		t.Errorf("unknown id: %d", w.Code)
	}
	if w := f.do(t, req{target: "/api/backupTaskSessions/" + f.ts[0].ID.String(), token: tok}); w.Code != 404 {
		t.Errorf("a CDP task under backupTaskSessions: %d", w.Code)
	}
}

// jobSessionJSON is what a monitoring check reads of a BackupJobSession.
type jobSessionJSON struct {
	UID, Name, JobName, Result, State string
	EndTimeUTC                        *string
	CreationTimeUTC                   string
}

// TestNagiosStyleCheck runs a check the way a Nagios/Centreon plugin does:
// log on, ask the query service for the last sessions of one job by end
// time, read EndTimeUTC and Result, and compares the answer with the job's
// session collection.
func TestNagiosStyleCheck(t *testing.T) {
	f, d := vbrFixture(t, wire.V12)
	tok, _ := f.logon(t)
	// The job with the most backup sessions, some of them running.
	count := map[emcdp.ID]int{}
	for _, s := range d.JobSessions {
		if !s.JobType.IsReplica() {
			count[s.JobID]++
		}
	}
	var job emcdp.Job
	for _, j := range d.Jobs {
		if count[j.ID] > count[job.ID] {
			job = j
		}
	}
	if count[job.ID] < 3 {
		t.Fatalf("no job with 3 backup sessions: %v", count)
	}
	check := func(size int) []jobSessionJSON {
		q := url.Values{"type": {"BackupJobSession"}, "filter": {`JobName=="` + job.Name + `"`}, "format": {"Entities"},
			"pageSize": {strconv.Itoa(size)}, "sortDesc": {"EndTime"}}
		w := f.do(t, req{target: "/api/query?" + q.Encode(), token: tok, json: true})
		if w.Code != 200 {
			t.Fatalf("query: %d %s", w.Code, w.Body)
		}
		var res struct {
			Entities struct {
				BackupJobSessions struct{ BackupJobSessions []jobSessionJSON }
			}
		}
		if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil {
			t.Fatal(err)
		}
		return res.Entities.BackupJobSessions.BackupJobSessions
	}
	// What the collections say: every session of the jobs named so (names
	// compare case-insensitively), finished ones by end time, newest first.
	var all []jobSessionJSON
	for _, j := range d.Jobs {
		if !strings.EqualFold(j.Name, job.Name) || j.JobType.IsReplica() {
			continue
		}
		w := f.do(t, req{target: "/api/jobs/" + j.ID.String() + "/backupSessions?format=Entity", token: tok, json: true})
		var list struct{ BackupJobSessions []jobSessionJSON }
		if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &list) != nil {
			t.Fatalf("collection: %d %s", w.Code, w.Body)
		}
		all = append(all, list.BackupJobSessions...)
	}
	end := func(s jobSessionJSON) time.Time {
		if s.EndTimeUTC == nil {
			return time.Time{}
		}
		v, err := time.Parse(time.RFC3339Nano, *s.EndTimeUTC)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	sort.SliceStable(all, func(i, k int) bool { return end(all[i]).After(end(all[k])) })
	for _, size := range []int{1, 5} {
		got := check(size)
		want := all[:min(size, len(all))]
		if len(got) != len(want) {
			t.Fatalf("pageSize %d: %d sessions, want %d", size, len(got), len(want))
		}
		for i := range got {
			if !end(got[i]).Equal(end(want[i])) || got[i].Result != want[i].Result {
				t.Errorf("pageSize %d, item %d: %s ended %v %s, want ended %v %s", size, i, got[i].Name,
					end(got[i]), got[i].Result, end(want[i]), want[i].Result)
			}
		}
		if got[0].EndTimeUTC == nil {
			t.Errorf("pageSize %d: the first session is a running one; the last finished one must come first", size)
		}
	}
}

// TestVBRErrors sends bad input to the routes of the VBR kinds: every answer
// is a 4xx with an Error body in the negotiated format.
func TestVBRErrors(t *testing.T) {
	f, d := vbrFixture(t, wire.V12)
	tok, _ := f.logon(t)
	unknown := emcdp.NewID().String()
	job := d.Jobs[0].ID.String()
	cases := []struct {
		method, target string
		status         int
	}{
		{"GET", "/api/jobs/not-a-guid", 400},
		{"GET", "/api/jobs/" + unknown, 404},
		{"GET", "/api/jobs/" + unknown + "/backupSessions", 404},
		{"GET", "/api/jobs/" + unknown + "/includes", 404},
		{"GET", "/api/jobs/" + job + "/includes/" + unknown, 404},
		{"GET", "/api/jobs/" + job + "/includes/x", 400},
		{"GET", "/api/backupServers/" + unknown + "/jobs", 404},
		{"GET", "/api/backupServers/" + unknown + "/repositories", 404},
		{"GET", "/api/backupSessions/" + unknown + "/taskSessions", 404},
		{"GET", "/api/replicaSessions/" + job + "/replicaTaskSessions", 404},
		{"GET", "/api/repositories?format=Bogus", 400},
		{"GET", "/api/backupTaskSessions/" + unknown + "?format=Entity", 404},
		{"GET", "/api/query?type=Job&filter=Bogus==1", 400},
		{"GET", "/api/query?type=BackupJobSession&filter=State==Nope", 400},
		{"GET", "/api/query?type=BackupJobSession&sortDesc=Nope", 400},
		{"GET", "/api/query?type=ReplicaTaskSession&filter=JobSessionUid==urn:veeam:Job:" + job, 400},
		{"POST", "/api/jobs", 405},
		{"POST", "/api/backupSessions/" + unknown + "?action=stop", 405},
		{"DELETE", "/api/repositories/" + unknown, 405},
	}
	for _, c := range cases {
		for _, js := range []bool{false, true} {
			w := f.do(t, req{method: c.method, target: c.target, token: tok, json: js})
			if w.Code != c.status {
				t.Errorf("%s %s (json %v): %d, want %d: %.300s", c.method, c.target, js, w.Code, c.status, w.Body)
			}
		}
	}
}

// TestSessionRestorePointLinks checks Q7 after retention: a backup job
// session's entity, read by id and through the query service, links with
// Related exactly the restore points that name it and are kept, in the
// product's order, and each link answers 200; the retired points are gone.
func TestSessionRestorePointLinks(t *testing.T) {
	f, d := vbrFixture(t, wire.V12)
	tok, _ := f.logon(t)
	b := &emcdp.Batch{}
	gone := map[emcdp.ID]bool{}
	for i := 0; i < len(d.RestorePoints); i += 2 {
		gone[d.RestorePoints[i].ID] = true
		b.Retired = append(b.Retired, emcdp.Retired{Kind: emcdp.KindVmRestorePoint, ID: d.VmRestorePoints[i].ID},
			emcdp.Retired{Kind: emcdp.KindRestorePoint, ID: d.RestorePoints[i].ID},
			emcdp.Retired{Kind: emcdp.KindBackupFile, ID: d.BackupFiles[i].ID})
	}
	if err := f.st.Apply(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	related := func(u string, query bool) []string {
		w := f.do(t, req{target: u, token: tok, json: true})
		if w.Code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", u, w.Code, w.Body)
		}
		type links struct {
			Links []struct{ Rel, Href, Type string }
		}
		var one links
		var page struct {
			Entities struct {
				BackupJobSessions struct{ BackupJobSessions []links }
			}
		}
		var err error
		if query {
			err = json.Unmarshal(w.Body.Bytes(), &page)
			if n := len(page.Entities.BackupJobSessions.BackupJobSessions); n != 1 {
				t.Fatalf("GET %s: %d sessions", u, n)
			}
			one = page.Entities.BackupJobSessions.BackupJobSessions[0]
		} else {
			err = json.Unmarshal(w.Body.Bytes(), &one)
		}
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, l := range one.Links {
			if l.Rel == "Related" && l.Type == "RestorePointReference" {
				out = append(out, l.Href)
			}
		}
		return out
	}
	const root = "http://example.com/api"
	linked, dropped := 0, 0
	for _, s := range d.JobSessions {
		if emcdp.Describe(&s) != emcdp.BackupJobSessionDesc {
			continue
		}
		var want []emcdp.Ref
		for _, p := range d.RestorePoints {
			if p.JobSessionID == s.ID && !gone[p.ID] {
				want = append(want, emcdp.Ref{ID: p.ID})
			}
		}
		for _, p := range s.RestorePoints {
			if gone[p.ID] {
				dropped++
			}
		}
		emcdp.SortRefs(want)
		var hrefs []string
		for _, p := range want {
			hrefs = append(hrefs, root+"/restorePoints/"+p.ID.String())
		}
		byID := related(root+"/backupSessions/"+s.ID.String()+"?format=Entity", false)
		byQuery := related(root+"/query?type=BackupJobSession&format=Entities&filter=Id=="+s.ID.String(), true)
		if !slices.Equal(byID, hrefs) || !slices.Equal(byQuery, hrefs) {
			t.Errorf("session %s links %v by id and %v by query, want %v", s.Name, byID, byQuery, hrefs)
		}
		for _, h := range byID {
			if w := f.do(t, req{target: h, token: tok}); w.Code != http.StatusOK {
				t.Errorf("GET %s: %d", h, w.Code)
			}
		}
		linked += len(hrefs)
	}
	if linked < 2 || dropped == 0 {
		t.Fatalf("%d links kept, %d dropped by retention: the dataset does not exercise Q7", linked, dropped)
	}
}

// TestBackupFileRatioQuery queries the Double fields of backup files: the
// count matches the files whose written ratio passes the comparison, and a
// malformed number is a 400 with an Error body naming the field, in XML
// and JSON.
func TestBackupFileRatioQuery(t *testing.T) {
	f, d := vbrFixture(t, wire.V12)
	tok, _ := f.logon(t)
	want := 0
	for _, bf := range d.BackupFiles {
		if float64(bf.CompressRatio)/100 > 2 && float64(bf.DeduplicationRatio)/100 <= 3.5 {
			want++
		}
	}
	if want == 0 || want == len(d.BackupFiles) {
		t.Fatalf("%d of %d files match: the dataset does not exercise the filter", want, len(d.BackupFiles))
	}
	w := f.do(t, req{target: "/api/query?type=BackupFile&filter=CompressRatio>2;DeduplicationRatio<=3.5", token: tok, json: true})
	var res struct {
		Refs struct{ Refs []struct{ Name string } }
	}
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &res) != nil || len(res.Refs.Refs) != want {
		t.Errorf("CompressRatio>2;DeduplicationRatio<=3.5: %d, %d files, want %d: %.300s", w.Code, len(res.Refs.Refs), want, w.Body)
	}
	for _, js := range []bool{false, true} {
		w := f.do(t, req{target: "/api/query?type=BackupFile&filter=CompressRatio>%221,5%22", token: tok, json: js})
		body := w.Body.String()
		if w.Code != http.StatusBadRequest || !strings.Contains(body, "CompressRatio") ||
			!strings.Contains(body, map[bool]string{false: "<Error ", true: `"StatusCode":400`}[js]) {
			t.Errorf(`CompressRatio>"1,5" (json %v): %d %.300s`, js, w.Code, body)
		}
	}
}

// TestPagingLinkHexCase requires the paging links of a filtered query to
// escape as the real servers do: lower-case hex in v12 JSON and in XML,
// upper-case in v13 JSON (peekjef72/httpapi_exporter
// contribs/veeam/etc/veeam/profiles/samples/backup_jobs_sessions_metrics_v12.json
// writes filter=CreationTime%3e%3d%22…%3a…, _v13.json %3E%3D%22…%3A…).
func TestPagingLinkHexCase(t *testing.T) {
	const target = `/api/query?type=BackupJobSession&format=Entities&filter=CreationTime>="2000-01-01T00:00:00"&pageSize=1`
	for _, p := range []wire.Profile{wire.V12, wire.V13} {
		f, _ := vbrFixture(t, p)
		tok, _ := f.logon(t)
		for _, js := range []bool{false, true} {
			want := "filter=CreationTime%3e%3d%222000-01-01T00%3a00%3a00%22&pageSize=1&page=2"
			if js && p == wire.V13 {
				want = "filter=CreationTime%3E%3D%222000-01-01T00%3A00%3A00%22&pageSize=1&page=2"
			}
			if !js {
				want = strings.ReplaceAll(want, "&", "&amp;")
			}
			w := f.do(t, req{target: target, token: tok, json: js})
			if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), want) {
				t.Errorf("%v (json %v): %d, no link ending %q in %.400s", p, js, w.Code, want, w.Body)
			}
		}
	}
}
