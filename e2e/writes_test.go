package e2e

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// The write side (actions.md) over HTTPS against the real binary, on each
// store: every write answers 202 with a Running task whose first link is
// polled to Finished, the effect shows in the reads from then on, bad
// requests get the 4xx of actions.md §2.3 with the store unchanged, and
// writes by a Portal User get 403.

const (
	adminUser = "writer"
	plainUser = "reader"
	writesPW  = "correct horse battery"
)

func TestWrites(t *testing.T) {
	bin := buildBinary(t)
	t.Run("sqlite", func(t *testing.T) { writes(t, bin, "sqlite://"+filepath.Join(t.TempDir(), "emcdp.db")) })
	t.Run("postgres", func(t *testing.T) { writes(t, bin, freshSchema(t, testURL(t))) })
}

// wclient is a logged-on JSON client of one replica.
type wclient struct {
	t     *testing.T
	base  string
	token string
	auth  string // an Authorization header instead of the token
}

func (c *wclient) do(method, path, ctype, body string) (int, http.Header, []byte) {
	c.t.Helper()
	u := path
	if !strings.HasPrefix(u, "https://") {
		u = c.base + path
	}
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if c.auth != "" {
		req.Header.Set("Authorization", c.auth)
	} else {
		req.Header.Set("X-RestSvcSessionId", c.token)
	}
	req.Header.Set("Accept", "application/json")
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := client.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// get reads path as JSON into a generic map.
func (c *wclient) get(path string) map[string]any {
	c.t.Helper()
	status, _, b := c.do("GET", path, "", "")
	if status != http.StatusOK {
		c.t.Fatalf("GET %s: %d %s", path, status, b)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		c.t.Fatalf("GET %s: %v", path, err)
	}
	return m
}

// write sends a write and checks its 202: a Running task (or one already
// finished), its first link Delete to its own Href, Location the same.
func (c *wclient) write(method, path, ctype, body string) map[string]any {
	c.t.Helper()
	status, hdr, b := c.do(method, path, ctype, body)
	if status != http.StatusAccepted {
		c.t.Fatalf("%s %s: %d %s; want 202", method, path, status, b)
	}
	var task map[string]any
	if err := json.Unmarshal(b, &task); err != nil {
		c.t.Fatal(err)
	}
	links := task["Links"].([]any)
	first := links[0].(map[string]any)
	if first["Rel"] != "Delete" || first["Href"] != task["Href"] || hdr.Get("Location") != task["Href"] {
		c.t.Fatalf("%s %s: task %s, Location %q", method, path, b, hdr.Get("Location"))
	}
	return task
}

// finish polls the task's first link until it is Finished.
func (c *wclient) finish(task map[string]any) map[string]any {
	c.t.Helper()
	href := task["Links"].([]any)[0].(map[string]any)["Href"].(string)
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := c.get(href)
		if got["State"] == "Finished" {
			return got
		}
		if got["State"] != "Running" || time.Now().After(deadline) {
			c.t.Fatalf("task %s: %v", href, got)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ok checks a finished task's Result.
func ok(t *testing.T, task map[string]any, success bool, message string) {
	t.Helper()
	r, _ := task["Result"].(map[string]any)
	if r == nil || r["Success"] != success || (message != "" && r["Message"] != message) {
		t.Fatalf("task %v; want Success=%v %q", task, success, message)
	}
}

// failWith checks an error answer: its status and that its message holds want.
func (c *wclient) failWith(method, path, ctype, body string, status int, want string) {
	c.t.Helper()
	got, _, b := c.do(method, path, ctype, body)
	var e map[string]any
	json.Unmarshal(b, &e)
	if got != status || !strings.Contains(fmt.Sprint(e["Message"]), want) || e["StatusCode"] != float64(status) {
		c.t.Errorf("%s %s: %d %s; want %d with %q", method, path, got, b, status, want)
	}
}

// in returns the client reporting to the (sub)test t.
func (c *wclient) in(t *testing.T) *wclient { d := *c; d.t = t; return &d }

func logonAs(t *testing.T, r *replica, user string) *wclient {
	token, _ := logon(t, r, user, writesPW)
	return &wclient{t: t, base: r.base, token: token}
}

func findByName(t *testing.T, list []any, name string) map[string]any {
	t.Helper()
	for _, it := range list {
		m := it.(map[string]any)
		if m["Name"] == name {
			return m
		}
	}
	t.Fatalf("no item named %q", name)
	return nil
}

func linkOf(t *testing.T, item map[string]any, rel string) string {
	t.Helper()
	for _, l := range item["Links"].([]any) {
		if m := l.(map[string]any); m["Rel"] == rel {
			return m["Href"].(string)
		}
	}
	t.Fatalf("%v has no %s link", item["Name"], rel)
	return ""
}

func hasLink(item map[string]any, rel string) bool {
	for _, l := range item["Links"].([]any) {
		if l.(map[string]any)["Rel"] == rel {
			return true
		}
	}
	return false
}

func readGolden(t *testing.T, name string) string {
	b, err := os.ReadFile(filepath.Join("..", "wire", "testdata", "vbr2", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writes(t *testing.T, bin, db string) {
	run(t, bin, "", "seed", "--db", db, "--servers", "1", "--policies", "2", "--vms", "2", "--jobs", "2", "--days", "2")
	run(t, bin, writesPW+"\n", "user", "add", adminUser, "--role", "PortalAdministrator", "--db", db)
	run(t, bin, writesPW+"\n", "user", "add", plainUser, "--role", "PortalUser", "--db", db)
	r := serve(t, bin, db, "--task-delay", "300ms")
	admin, reader := logonAs(t, r, adminUser), logonAs(t, r, plainUser)

	policies := admin.get("/cdpPolicies?format=Entity")["CdpPolicies"].([]any)
	pol := policies[0].(map[string]any)
	pid := strings.TrimPrefix(pol["UID"].(string), "urn:veeam:CdpPolicy:")
	ppath := "/cdpPolicies/" + pid
	entity := func() map[string]any { return admin.get(ppath + "?format=Entity") }
	snapshot := func() string { b, _ := json.Marshal(entity()); return string(b) }

	t.Run("Errors", func(t *testing.T) {
		admin, reader := admin.in(t), reader.in(t)
		before := snapshot()
		reader.failWith("POST", ppath+"?action=disable", "", "", 403, "Portal Administrator")
		reader.failWith("POST", "/cdpPolicies/0f9e8d7c-6b5a-4c3d-9e2f-1a0b9c8d7e6f?action=disable", "", "", 403, "Access denied")
		admin.failWith("POST", ppath+"?action=start", "", "", 400, "Unknown action 'start' for CdpPolicy; expected disable or enable")
		admin.failWith("POST", ppath, "", "", 400, "Unknown action")
		admin.failWith("POST", "/cdpPolicies/0f9e8d7c-6b5a-4c3d-9e2f-1a0b9c8d7e6f?action=disable", "", "", 404, "No CdpPolicy with id")
		admin.failWith("POST", "/cdpPolicies/nope?action=disable", "", "", 400, "not a valid GUID")
		admin.failWith("PUT", ppath, "application/xml", readGolden(t, "request.cdpPolicy.put-outoforder.xml"), 400,
			"element 'Description' of CdpPolicy is out of order; it must come before 'ScheduleConfigured'")
		admin.failWith("PUT", ppath, "application/xml", `<CdpPolicy><Colour>red</Colour></CdpPolicy>`, 400, "unknown element 'Colour' in CdpPolicy")
		admin.failWith("PUT", ppath, "application/json", `{"Description":"a","description":"b"}`, 400, "appears twice")
		admin.failWith("PUT", ppath, "application/json", `{"Description":"a",}`, 400, "malformed JSON")
		admin.failWith("PUT", ppath, "text/plain", `{}`, 400, "Unsupported Content-Type 'text/plain'")
		admin.failWith("PUT", ppath, "application/json", `{"PolicyScheduleOptions":{"CdpReplica":{"RecoveryPointObjectiveSeconds":1}}}`, 400,
			"RecoveryPointObjectiveSeconds must be between 2 and 3600 seconds (RPO), got 1")
		admin.failWith("PUT", ppath, "application/json", `{"Description":"`+strings.Repeat("x", 1<<20)+`"}`, 400, "too large")
		admin.failWith("POST", ppath+"/includes", "application/xml", `<CreateObjectInJobSpec><HierarchyObjName>x</HierarchyObjName></CreateObjectInJobSpec>`, 400, "HierarchyObjRef is required")
		admin.failWith("DELETE", ppath+"/includes/3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f", "", "", 404, "No ObjectInJob with id")
		admin.failWith("GET", "/tasks/job-7", "", "", 400, "is not a valid task id")
		admin.failWith("GET", "/tasks/task-999999", "", "", 404, "No Task with id 'task-999999'")
		admin.failWith("PATCH", ppath, "", "", 405, "not allowed")
		if status, hdr, _ := admin.do("PATCH", ppath, "", ""); status != 405 || hdr.Get("Allow") != "GET, PUT, POST" {
			t.Errorf("PATCH %s: %d Allow %q", ppath, status, hdr.Get("Allow"))
		}
		if status, hdr, _ := admin.do("PUT", "/tasks/task-1", "", ""); status != 405 || hdr.Get("Allow") != "GET, DELETE" {
			t.Errorf("PUT /tasks/task-1: %d Allow %q", status, hdr.Get("Allow"))
		}
		if after := snapshot(); after != before {
			t.Errorf("a refused write changed the policy:\n%s\n%s", before, after)
		}
		if tasks := admin.get("/tasks")["Tasks"].([]any); len(tasks) != 0 {
			t.Errorf("refused writes left tasks: %v", tasks)
		}
	})

	t.Run("DisableEnable", func(t *testing.T) {
		admin := admin.in(t)
		if !hasLink(entity(), "Disable") || hasLink(entity(), "Enable") {
			t.Fatalf("an enabled policy links: %v", entity()["Links"])
		}
		task := admin.write("POST", ppath+"?action=DISABLE", "", "")
		if task["State"] != "Running" || task["Result"] != nil || task["Operation"] != "UpdateCdpPolicy" {
			t.Fatalf("the 202 body: %v", task)
		}
		if entity()["ScheduleEnabled"] != true {
			t.Errorf("the effect shows before the task finished")
		}
		done := admin.finish(task)
		ok(t, done, true, "Ok")
		if l := linkOf(t, done, "Related"); !strings.HasSuffix(l, ppath+"?format=Entity") {
			t.Errorf("Related link %s", l)
		}
		e := entity()
		if e["ScheduleEnabled"] != false || e["NextRun"] != nil || !hasLink(e, "Enable") || hasLink(e, "Disable") {
			t.Errorf("after disable: %v %v %v", e["ScheduleEnabled"], e["NextRun"], e["Links"])
		}
		sess := admin.get(ppath + "/cdpReplicaSessions?format=Entity")["CdpReplicaSessions"].([]any)
		for _, s := range sess {
			if s.(map[string]any)["State"] != "Stopped" {
				t.Errorf("a session runs after disable: %v", s)
			}
		}
		// Idempotent: disabling again succeeds and changes nothing.
		ok(t, admin.finish(admin.write("POST", ppath+"?action=disable", "text/xml", "<ignored/>")), true, "Ok")
		ok(t, admin.finish(admin.write("POST", ppath+"?action=enable", "", "")), true, "Ok")
		e = entity()
		if e["ScheduleEnabled"] != true || e["NextRun"] == nil {
			t.Errorf("after enable: %v %v", e["ScheduleEnabled"], e["NextRun"])
		}
		running := 0
		for _, s := range admin.get(ppath + "/cdpReplicaSessions?format=Entity")["CdpReplicaSessions"].([]any) {
			if s.(map[string]any)["State"] == "Working" {
				running++
			}
		}
		if running != 1 {
			t.Errorf("after enable %d sessions run; want 1", running)
		}
	})

	t.Run("Includes", func(t *testing.T) {
		admin := admin.in(t)
		spec := readGolden(t, "request.createObjectInJobSpec.xml")
		done := admin.finish(admin.write("POST", ppath+"/includes", "application/xml", spec))
		ok(t, done, true, "Ok")
		inc := admin.get(ppath + "/includes")["ObjectInJobs"].([]any)
		added := findByName(t, inc, "sql-prod-03")
		if linkOf(t, added, "Up") == "" || linkOf(t, added, "Delete") != added["Href"] {
			t.Errorf("include links %v", added["Links"])
		}
		q := admin.get("/query?type=CdpReplicaTaskSession&format=Entities&filter=VmDisplayName==sql-prod-03")
		if ts := q["Entities"].(map[string]any)["CdpReplicaTaskSessions"].(map[string]any)["CdpReplicaTaskSessions"].([]any); len(ts) != 1 {
			t.Errorf("the added VM has %d task sessions; want 1 running", len(ts))
		}
		// The same VM again (JSON this time): a failed task, nothing changed.
		ok(t, admin.finish(admin.write("POST", ppath+"/includes", "application/json", readGolden(t, "request.createObjectInJobSpec.json"))),
			false, `VM "sql-prod-03" is already processed by CDP policy "`+pol["Name"].(string)+`".`)
		if n := len(admin.get(ppath + "/includes")["ObjectInJobs"].([]any)); n != len(inc) {
			t.Errorf("a failed include changed the includes: %d, was %d", n, len(inc))
		}
		del := admin.write("DELETE", added["Href"].(string), "", "")
		ok(t, admin.finish(del), true, "Ok")
		for _, it := range admin.get(ppath + "/includes")["ObjectInJobs"].([]any) {
			if it.(map[string]any)["Name"] == "sql-prod-03" {
				t.Errorf("the removed VM is still included")
			}
		}
		admin.failWith("DELETE", added["Href"].(string), "", "", 404, "No ObjectInJob with id")
	})

	t.Run("Edit", func(t *testing.T) {
		admin := admin.in(t)
		ok(t, admin.finish(admin.write("PUT", ppath+"?action=edit", "application/json", readGolden(t, "request.cdpPolicy.put-lenient.json"))), true, "Ok")
		e := entity()
		o := e["PolicyScheduleOptions"].(map[string]any)["CdpReplica"].(map[string]any)
		if e["Description"] != "Tier-1, RPO raised for month end & audit" || o["RecoveryPointObjectiveSeconds"] != float64(30) {
			t.Errorf("after the edit: %v %v", e["Description"], o["RecoveryPointObjectiveSeconds"])
		}
		ok(t, admin.finish(admin.write("PUT", ppath, "application/xml", readGolden(t, "request.cdpPolicy.put.xml"))), true, "Ok")
		// The entity as read is itself a valid PUT body, and an empty one changes nothing.
		before := snapshot()
		_, _, b := admin.do("GET", ppath+"?format=Entity", "", "")
		ok(t, admin.finish(admin.write("PUT", ppath, "application/json", string(b))), true, "Ok")
		ok(t, admin.finish(admin.write("PUT", ppath, "", "<CdpPolicy />")), true, "Ok")
		if after := snapshot(); after != before {
			t.Errorf("re-sending the entity changed it:\n%s\n%s", before, after)
		}
	})

	t.Run("LinkFollowingClient", func(t *testing.T) { linkFollowing(t, r) })

	t.Run("Jobs", func(t *testing.T) {
		admin, reader := admin.in(t), reader.in(t)
		jobs := admin.get("/jobs?format=Entity")["Jobs"].([]any)
		var job map[string]any
		for _, j := range jobs {
			// The last enabled backup job: the link-following client started the first.
			if m := j.(map[string]any); m["JobType"] == "Backup" && m["ScheduleEnabled"] == true {
				job = m
			}
		}
		jpath := strings.TrimSuffix(job["Href"].(string), "?format=Entity")
		ok(t, admin.finish(admin.write("POST", linkOf(t, job, "Start"), "", "")), true, `Job "`+job["Name"].(string)+`" triggered to start.`)
		ok(t, admin.finish(admin.write("POST", jpath+"?action=start", "", "")), false, `Job "`+job["Name"].(string)+`" is already running.`)
		stop := admin.finish(admin.write("POST", linkOf(t, job, "Stop"), "", ""))
		ok(t, stop, true, `Job "`+job["Name"].(string)+`" triggered to stop.`)
		stopped := admin.get(linkOf(t, stop, "Related"))
		if stopped["State"] != "Stopped" || stopped["Result"] != "Failed" {
			t.Errorf("the stopped session: %v %v", stopped["State"], stopped["Result"])
		}
		retry := admin.finish(admin.write("POST", jpath+"?action=retry", "", ""))
		ok(t, retry, true, `Job "`+job["Name"].(string)+`" triggered to retry.`)
		if s := admin.get(linkOf(t, retry, "Related")); s["IsRetry"] != true || s["State"] != "Working" {
			t.Errorf("the retry session: %v %v", s["IsRetry"], s["State"])
		}
		ok(t, admin.finish(admin.write("POST", jpath+"?action=togglescheduleenabled", "", "")), true, "Ok")
		if j := admin.get(jpath + "?format=Entity"); j["ScheduleEnabled"] != false || j["NextRun"] != nil {
			t.Errorf("after the toggle: %v %v", j["ScheduleEnabled"], j["NextRun"])
		}
		srv := linkOf(t, job, "Up")
		repo := ""
		for _, it := range admin.get("/repositories?format=Entity")["Repositories"].([]any) {
			if m := it.(map[string]any); linkOf(t, m, "Up") == srv {
				repo = m["UID"].(string)
			}
		}
		clone := admin.finish(admin.write("POST", linkOf(t, job, "Clone"), "application/json",
			`{"BackupJobCloneInfo":{"JobName":"`+job["Name"].(string)+` (clone)","FolderName":"x","RepositoryUid":"`+repo+`","Description":"cloned"}}`))
		ok(t, clone, true, "Ok")
		cj := admin.get(linkOf(t, clone, "Related"))
		if cj["Name"] != job["Name"].(string)+" (clone)" || cj["ScheduleEnabled"] != false || cj["Description"] != "cloned" {
			t.Errorf("the clone: %v %v %v", cj["Name"], cj["ScheduleEnabled"], cj["Description"])
		}
		admin.failWith("POST", jpath+"?action=sync", "", "", 400, "Unknown action 'sync' for Job")
		admin.failWith("POST", jpath+"?action=clone", "application/json", `{"ReplicaJobCloneInfo":{"JobName":"x","VmSuffix":"_r"}}`, 400, "does not clone a job of type Backup")
		reader.failWith("POST", jpath+"?action=start", "", "", 403, "Access denied")
	})

	t.Run("Tasks", func(t *testing.T) {
		admin, reader := admin.in(t), reader.in(t)
		mine := admin.get("/tasks")["Tasks"].([]any)
		if len(mine) < 10 {
			t.Fatalf("only %d tasks listed", len(mine))
		}
		if theirs := reader.get("/tasks")["Tasks"].([]any); len(theirs) != 0 {
			t.Errorf("another session sees %d tasks", len(theirs))
		}
		first := mine[0].(map[string]any)
		reader.failWith("GET", first["Href"].(string), "", "", 404, "No Task with id")
		q := admin.get("/query?type=Task&pageSize=2&page=2")
		page := q["Resources"].(map[string]any)["Tasks"].(map[string]any)["Tasks"].([]any)
		if len(page) != 2 || page[0].(map[string]any)["TaskId"] != mine[2].(map[string]any)["TaskId"] {
			t.Errorf("query page 2: %v", page)
		}
		if status, _, b := admin.do("DELETE", first["Href"].(string), "", ""); status != http.StatusNoContent || len(b) != 0 {
			t.Errorf("DELETE task: %d %s", status, b)
		}
		admin.failWith("GET", strings.Replace(first["Href"].(string), "/tasks/task-", "/tasks/Task-", 1), "", "", 404, "No Task")
		// Deleting a Running task cancels it: it never applies.
		before := snapshot()
		task := admin.write("POST", ppath+"?action=disable", "", "")
		if status, _, _ := admin.do("DELETE", task["Href"].(string), "", ""); status != http.StatusNoContent {
			t.Fatalf("DELETE a running task: %d", status)
		}
		time.Sleep(time.Second)
		if after := snapshot(); after != before {
			t.Errorf("a cancelled task applied")
		}
	})

	t.Run("Race", func(t *testing.T) {
		admin := admin.in(t)
		// Writes to one object apply one at a time in task order: the last
		// task's action wins, and every task finishes with success.
		var wg sync.WaitGroup
		var mu sync.Mutex
		actions := map[int]string{} // task number → action
		for i := range 12 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a := []string{"disable", "enable"}[i%2]
				task := admin.write("POST", ppath+"?action="+a, "", "")
				var n int
				fmt.Sscanf(task["TaskId"].(string), "task-%d", &n)
				mu.Lock()
				actions[n] = a
				mu.Unlock()
			}()
		}
		wg.Wait()
		last := 0
		for n := range actions {
			ok(t, admin.finish(admin.get(fmt.Sprintf("/tasks/task-%d", n))), true, "Ok")
			last = max(last, n)
		}
		if e := entity(); e["ScheduleEnabled"] != (actions[last] == "enable") {
			t.Errorf("the last task (task-%d) was %s, the policy ends ScheduleEnabled=%v", last, actions[last], e["ScheduleEnabled"])
		}
		e := entity()
		sess := admin.get(ppath + "/cdpReplicaSessions?format=Entity")["CdpReplicaSessions"].([]any)
		running := 0
		for _, s := range sess {
			if s.(map[string]any)["State"] == "Working" {
				running++
			}
		}
		if want := map[bool]int{true: 1, false: 0}[e["ScheduleEnabled"].(bool)]; running != want {
			t.Errorf("enabled=%v with %d running sessions", e["ScheduleEnabled"], running)
		}
	})
}

// logonLinks reads the links of a logon session's XML answer.
type xmlLinks struct {
	Links []struct {
		Href string `xml:"Href,attr"`
		Name string `xml:"Name,attr"`
		Type string `xml:"Type,attr"`
		Rel  string `xml:"Rel,attr"`
	} `xml:"Links>Link"`
}

var refHref = regexp.MustCompile(`<Ref [^>]*Name="([^"]+)" Href="([^"]+)"`)

// linkFollowing works as a link-following client does (tdewin/veeamrestpython
// 05-startjob.py): logon → LogonSession JobReferenceList → the job by Name →
// Alternate → Start → poll the Task's first link until Finished → the new
// session is in /backupSessions. Everything is XML and found by link.
func linkFollowing(t *testing.T, r *replica) {
	get := func(u string, hdr map[string]string) string {
		status, _, body := do(t, "GET", u, hdr)
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", u, status, body)
		}
		return body
	}
	req, _ := http.NewRequest("POST", r.base+"/sessionMngr/?v=latest", nil)
	req.SetBasicAuth(adminUser, writesPW)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	auth := map[string]string{"X-RestSvcSessionId": resp.Header.Get("X-RestSvcSessionId")}
	var ls xmlLinks
	if err := xml.Unmarshal(body, &ls); err != nil {
		t.Fatalf("logon: %v %s", err, body)
	}
	jobsHref := ""
	for _, l := range ls.Links {
		if l.Type == "JobReferenceList" {
			jobsHref = l.Href
		}
	}
	refs := refHref.FindAllStringSubmatch(get(jobsHref, auth), -1)
	if len(refs) == 0 {
		t.Fatalf("no job references at %s", jobsHref)
	}
	// A job the world is running right now refuses the start, as VBR does
	// ("is already running"); the client then tries the next one.
	var name string
	var task xmlLinks
	started := false
	for _, m := range refs {
		var ref xmlLinks
		refBody := get(strings.ReplaceAll(m[2], "&amp;", "&"), auth)
		xml.Unmarshal([]byte(refBody), &ref)
		entityHref := ""
		for _, l := range ref.Links {
			if l.Rel == "Alternate" {
				entityHref = strings.ReplaceAll(l.Href, "&amp;", "&")
			}
		}
		entBody := get(entityHref, auth)
		if !strings.Contains(entBody, `Rel="Start"`) || !strings.Contains(entBody, "<ScheduleEnabled>true</ScheduleEnabled>") ||
			strings.Contains(entBody, "(clone)") {
			continue
		}
		name = m[1]
		var ent xmlLinks
		xml.Unmarshal([]byte(entBody), &ent)
		start := ""
		for _, l := range ent.Links {
			if strings.EqualFold(l.Rel, "Start") {
				start = l.Href
			}
		}
		status, _, taskBody := doBody(t, "POST", start, auth, "")
		if status != http.StatusAccepted {
			t.Fatalf("POST %s (%s): %d %s", start, name, status, taskBody)
		}
		task = xmlLinks{}
		xml.Unmarshal([]byte(taskBody), &task)
		poll := task.Links[0].Href
		var state, b string
		for i := 0; i < 300; i++ {
			b = get(poll, auth)
			state = regexp.MustCompile(`<State>(\w+)</State>`).FindStringSubmatch(b)[1]
			if state != "Running" {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if state != "Finished" {
			t.Fatalf("the task ended in state %s", state)
		}
		if strings.Contains(b, `Success="true"`) {
			xml.Unmarshal([]byte(b), &task)
			started = true
			break
		}
		if !strings.Contains(b, "is already running.") {
			t.Fatalf("the task ended %s", b)
		}
	}
	if !started {
		t.Fatalf("no enabled job could be started among %d", len(refs))
	}
	sessionHref := ""
	for _, l := range task.Links {
		if l.Rel == "Related" {
			sessionHref = strings.TrimSuffix(l.Href, "?format=Entity")
		}
	}
	if !strings.Contains(get(r.base+"/backupSessions", auth), sessionHref+`"`) {
		t.Errorf("the session %s started for %s is not in /backupSessions", sessionHref, name)
	}
}

func doBody(t *testing.T, method, u string, hdr map[string]string, body string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func newReq(method, u, body string) (*http.Request, error) {
	return http.NewRequest(method, u, strings.NewReader(body))
}
