package api

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/auth"
	"github.com/emcdp/emcdp/wire"
)

// TestDiscoveredComputersUnderBackupTaskSessions checks quirk Q5: a
// discovered computer's own Href, /backupTaskSessions/{id}, answers the
// computer (reference and entity); a backup task keeps answering as itself
// and an unknown id is 404.
func TestDiscoveredComputersUnderBackupTaskSessions(t *testing.T) {
	f, d := vbrFixture(t, wire.V12)
	tok, _ := f.logon(t)
	if len(d.Computers) == 0 {
		t.Fatal("the dataset has no discovered computer")
	}
	for _, c := range d.Computers {
		w := f.do(t, req{target: "/api/backupTaskSessions/" + c.ID.String(), token: tok})
		if w.Code != 200 || !strings.Contains(w.Body.String(), `Type="DiscoveredComputerReference"`) {
			t.Fatalf("backupTaskSessions/%s: %d %.300s", c.ID, w.Code, w.Body)
		}
		w = f.do(t, req{target: "/api/backupTaskSessions/" + c.ID.String() + "?format=Entity", token: tok, json: true})
		if w.Code != 200 || !strings.Contains(w.Body.String(), `"HostStatus":"`+c.HostStatus+`"`) {
			t.Fatalf("backupTaskSessions/%s?format=Entity: %d %.300s", c.ID, w.Code, w.Body)
		}
	}
	w := f.do(t, req{target: "/api/backupTaskSessions/" + d.JobTasks[0].ID.String() + "?format=Entity", token: tok})
	if w.Code != 200 || !strings.Contains(w.Body.String(), "<BackupTaskSession ") {
		t.Errorf("a backup task: %d %.300s", w.Code, w.Body)
	}
	for _, path := range []string{"/api/backupTaskSessions/", "/api/agents/discoveredComputers/", "/api/agents/jobs/",
		"/api/nas/jobs/", "/api/agents/protectionGroups/"} {
		if w := f.do(t, req{target: path + emcdp.NewID().String(), token: tok}); w.Code != 404 {
			t.Errorf("%s of an unknown id: %d", path, w.Code)
		}
		if w := f.do(t, req{target: path + "not-a-guid", token: tok}); w.Code != 400 {
			t.Errorf("%s of a bad id: %d", path, w.Code)
		}
	}
}

// TestNasJobReferenceHref checks that a NAS job's reference Href, written
// under /agents/jobs/ as the real server does, resolves to the NAS job,
// while an agent job answers there as itself.
func TestNasJobReferenceHref(t *testing.T) {
	f, d := vbrFixture(t, wire.V13)
	tok, _ := f.logon(t)
	for _, j := range d.NasJobs {
		w := f.do(t, req{target: "/api/agents/jobs/" + j.ID.String() + "?format=Entity", token: tok})
		if w.Code != 200 || !strings.Contains(w.Body.String(), "<NASJob ") {
			t.Fatalf("agents/jobs/%s: %d %.300s", j.ID, w.Code, w.Body)
		}
	}
	for _, j := range d.Jobs {
		if j.JobType == emcdp.JobAgentBackup {
			w := f.do(t, req{target: "/api/agents/jobs/" + j.ID.String(), token: tok})
			if w.Code != 200 || !strings.Contains(w.Body.String(), `Type="AgentBackupJobReference"`) {
				t.Fatalf("agents/jobs/%s: %d %.300s", j.ID, w.Code, w.Body)
			}
		}
	}
}

// TestAgentAndNasSessionCollections compares /agents/backupSessions,
// /nas/backupSessions and each job's backupSessions with the dataset's
// sessions of those job types in the session window, and checks that they
// are in /backupSessions too.
func TestAgentAndNasSessionCollections(t *testing.T) {
	f, d := vbrFixture(t, wire.V12)
	tok, _ := f.logon(t)
	since := f.clock.Now().Add(-DefaultSessionWindow)
	uids := regexp.MustCompile(`UID="urn:veeam:BackupJobSession:([0-9a-f-]{36})"`)
	ids := func(target string) []string {
		w := f.do(t, req{target: target, token: tok})
		if w.Code != 200 {
			t.Fatalf("%s: %d %.300s", target, w.Code, w.Body)
		}
		var out []string
		for _, m := range uids.FindAllStringSubmatch(w.Body.String(), -1) {
			out = append(out, m[1])
		}
		sort.Strings(out)
		return out
	}
	want := func(keep func(*emcdp.JobSession) bool) []string {
		var out []string
		for i := range d.JobSessions {
			if s := &d.JobSessions[i]; !s.CreationTime.Before(since) && keep(s) {
				out = append(out, s.ID.String())
			}
		}
		sort.Strings(out)
		return out
	}
	all := map[string]bool{}
	for _, id := range ids("/api/backupSessions") {
		all[id] = true
	}
	check := func(target string, keep func(*emcdp.JobSession) bool) {
		got, exp := ids(target), want(keep)
		if strings.Join(got, ",") != strings.Join(exp, ",") {
			t.Errorf("%s: %d sessions, want %d", target, len(got), len(exp))
		}
		for _, id := range got {
			if !all[id] {
				t.Errorf("%s: %s is not in /backupSessions", target, id)
			}
		}
	}
	check("/api/agents/backupSessions", func(s *emcdp.JobSession) bool { return s.JobType.IsAgent() })
	check("/api/nas/backupSessions", func(s *emcdp.JobSession) bool { return s.JobType == emcdp.JobNasBackup })
	if len(want(func(s *emcdp.JobSession) bool { return s.JobType.IsAgent() })) == 0 ||
		len(want(func(s *emcdp.JobSession) bool { return s.JobType == emcdp.JobNasBackup })) == 0 {
		t.Fatal("the dataset has no agent or no NAS session in the window")
	}
	for _, j := range d.NasJobs {
		check("/api/nas/jobs/"+j.ID.String()+"/backupSessions", func(s *emcdp.JobSession) bool { return s.JobID == j.ID })
	}
	for _, j := range d.Jobs {
		if j.JobType == emcdp.JobAgentBackup {
			check("/api/agents/jobs/"+j.ID.String()+"/backupSessions", func(s *emcdp.JobSession) bool { return s.JobID == j.ID })
		}
	}
}

// TestQuerySessionsOfAgentJob filters BackupJobSession on the UID of an
// agent or NAS job (urn:veeam:AgentBackupJob:…, urn:veeam:NasJob:…) and, for
// NAS, on the urn:veeam:Job:… that its sessions write as their JobUid.
func TestQuerySessionsOfAgentJob(t *testing.T) {
	f, d := vbrFixture(t, wire.V12)
	tok, _ := f.logon(t)
	count := map[emcdp.ID]int{}
	var typ = map[emcdp.ID]emcdp.Kind{}
	for _, s := range d.JobSessions {
		count[s.JobID]++
		typ[s.JobID] = emcdp.SessionJobKind(&s)
	}
	tried := 0
	for id, k := range typ {
		if k == emcdp.KindJob {
			continue
		}
		tried++
		uids := []string{k.UID(id)}
		if k == emcdp.KindNasJob {
			uids = append(uids, emcdp.KindJob.UID(id))
		}
		for _, uid := range uids {
			q := url.Values{"type": {"BackupJobSession"}, "filter": {"JobUid==" + uid}, "pageSize": {"1000"}}
			w := f.do(t, req{target: "/api/query?" + q.Encode(), token: tok})
			if w.Code != 200 {
				t.Fatalf("%s: %d %.300s", q.Encode(), w.Code, w.Body)
			}
			if n := strings.Count(w.Body.String(), "<Ref "); n != count[id] {
				t.Errorf("sessions of %s: %d, want %d", uid, n, count[id])
			}
		}
	}
	if tried == 0 {
		t.Fatal("no agent or NAS job has sessions")
	}
}

// TestAgentJobInclude checks that the Href of an agent job's include
// answers the ObjectInAgentBackupJob, and that of a NAS job's share the
// NASObject, each with the Href it was linked by.
func TestAgentJobInclude(t *testing.T) {
	f, d := vbrFixture(t, wire.V12)
	tok, _ := f.logon(t)
	n := 0
	for _, j := range d.Jobs {
		if j.JobType != emcdp.JobAgentBackup {
			continue
		}
		for _, o := range j.Includes {
			href := "/api/agents/jobs/" + j.ID.String() + "/includes/" + o.ID.String()
			w := f.do(t, req{target: href, token: tok, json: true})
			if w.Code != 200 || !strings.Contains(w.Body.String(), `"Type":"ObjectInAgentBackupJob"`) ||
				!strings.Contains(w.Body.String(), href+`"`) {
				t.Fatalf("%s: %d %.300s", href, w.Code, w.Body)
			}
			n++
		}
		if w := f.do(t, req{target: "/api/agents/jobs/" + j.ID.String() + "/includes/" + emcdp.NewID().String(), token: tok}); w.Code != 404 {
			t.Errorf("an unknown include: %d", w.Code)
		}
	}
	for _, j := range d.NasJobs {
		for _, o := range j.Includes {
			href := "/api/nas/jobs/" + j.ID.String() + "/includes/" + o.ID.String()
			w := f.do(t, req{target: href, token: tok})
			if w.Code != 200 || !strings.Contains(w.Body.String(), `<NASObject Href="`) || !strings.Contains(w.Body.String(), href+`"`) {
				t.Fatalf("%s: %d %.300s", href, w.Code, w.Body)
			}
			n++
		}
	}
	if n == 0 {
		t.Fatal("no includes tried")
	}
}

// TestAgentsDemo reads the demo world as agent and NAS collectors do
// (discovered computers with HostStatus, AgentStatus, AgentVersion and the
// server name in Links[0]; NAS jobs' short-term retention; the sessions of
// /agents/backupSessions and /nas/backupSessions as entities) and follows
// every Href of those answers, one level, requiring 200.
func TestAgentsDemo(t *testing.T) {
	srv, _, pw := demoServer(t, false)
	cl := trustingClient(t, srv)
	root := srv.URL() + "/api"
	lr, _ := http.NewRequest("POST", root+"/sessionMngr/?v=latest", nil)
	lr.SetBasicAuth("operator", pw)
	resp, err := cl.Do(lr)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	tok := resp.Header.Get(auth.SessionHeader)
	get := func(u string) []byte {
		t.Helper()
		r, _ := http.NewRequest("GET", u, nil)
		r.Header.Set(auth.SessionHeader, tok)
		r.Header.Set("Accept", "application/json")
		resp, err := cl.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", u, resp.StatusCode, b)
		}
		return b
	}
	var comps struct {
		DiscoveredComputers []struct {
			Name, HostStatus, AgentStatus, AgentVersion, OsVersion, UID string
			Links                                                       []struct{ Name, Href string }
		}
	}
	b := get(root + "/agents/discoveredComputers?format=Entity")
	if err := json.Unmarshal(b, &comps); err != nil || len(comps.DiscoveredComputers) != 30 {
		t.Fatalf("discovered computers: %v, %d", err, len(comps.DiscoveredComputers))
	}
	for _, c := range comps.DiscoveredComputers {
		if c.HostStatus == "" || c.AgentStatus == "" || c.OsVersion == "" || !strings.HasPrefix(c.Links[0].Name, "vbr-") {
			t.Errorf("computer %+v", c)
		}
	}
	var nas struct {
		NASJobs []struct {
			Name           string
			StorageOptions struct {
				ShorttermRetentionPeriod int
				ShorttermRetentionType   string
			}
		}
	}
	if err := json.Unmarshal(get(root+"/nas/jobs?format=Entity"), &nas); err != nil || len(nas.NASJobs) != 2 {
		t.Fatalf("NAS jobs: %v, %d", err, len(nas.NASJobs))
	}
	for _, j := range nas.NASJobs {
		if j.StorageOptions.ShorttermRetentionPeriod == 0 || j.StorageOptions.ShorttermRetentionType != "Day" {
			t.Errorf("NAS job %+v", j)
		}
	}
	var sess struct {
		BackupJobSessions []struct{ JobType, JobUid, Result string }
	}
	for path, typ := range map[string]string{"/agents/backupSessions": "AgentBackup", "/nas/backupSessions": "NasBackup"} {
		sess.BackupJobSessions = nil
		if err := json.Unmarshal(get(root+path+"?format=Entity"), &sess); err != nil || len(sess.BackupJobSessions) == 0 {
			t.Fatalf("%s: %v, %d", path, err, len(sess.BackupJobSessions))
		}
		for _, s := range sess.BackupJobSessions {
			if s.JobType != typ {
				t.Errorf("%s: a session of type %s", path, s.JobType)
			}
		}
	}
	seen := map[string]bool{}
	for _, start := range []string{"/agents/discoveredComputers", "/agents/protectionGroups?format=Entity", "/agents/jobs?format=Entity",
		"/nas/jobs?format=Entity", "/agents/backupSessions", "/nas/backupSessions"} {
		for _, h := range hrefs(t, get(root+start), true) {
			if !seen[h] {
				seen[h] = true
				get(h)
			}
		}
	}
	if len(seen) < 50 {
		t.Errorf("only %d links followed", len(seen))
	}
}
