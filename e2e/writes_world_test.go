package e2e

import (
	"encoding/base64"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// TestWritesWorld checks that the simulated world reacts to CDP policy
// writes (actions.md §7.1) on a stopped clock moved by the control API, on
// each store: a disabled policy starts no task sessions for a day, an
// enabled one resumes, and an added VM replicates and rotates. Requests
// authenticate with Basic credentials, since advancing the clock by a day
// expires logon sessions.
func TestWritesWorld(t *testing.T) {
	bin := buildBinary(t)
	t.Run("sqlite", func(t *testing.T) { writesWorld(t, bin, "sqlite://"+filepath.Join(t.TempDir(), "emcdp.db")) })
	t.Run("postgres", func(t *testing.T) { writesWorld(t, bin, freshSchema(t, testURL(t))) })
}

func writesWorld(t *testing.T, bin, db string) {
	run(t, bin, "", "seed", "--db", db, "--servers", "1", "--policies", "1", "--vms", "2", "--jobs", "1", "--days", "2")
	run(t, bin, writesPW+"\n", "user", "add", adminUser, "--role", "PortalAdministrator", "--db", db)
	const token = "world-control-token"
	r := serve(t, bin, db, "--control", "--control-token", token, "--task-delay", "0")
	root := strings.TrimSuffix(r.base, "/api")
	clock := func(body string) {
		t.Helper()
		status, _, b := doBody(t, "POST", root+"/_emcdp/clock", map[string]string{"Authorization": "Bearer " + token}, body)
		if status != http.StatusOK {
			t.Fatalf("clock %s: %d %s", body, status, b)
		}
	}
	clock(`{"paused": true}`)
	c := &wclient{t: t, base: r.base}
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(adminUser+":"+writesPW))
	c.auth = basic

	pol := c.get("/cdpPolicies?format=Entity")["CdpPolicies"].([]any)[0].(map[string]any)
	pid := strings.TrimPrefix(pol["UID"].(string), "urn:veeam:CdpPolicy:")
	ppath := "/cdpPolicies/" + pid
	// tasks counts the policy's task sessions, in all and running, by VM.
	tasks := func() (all, running map[string]int) {
		all, running = map[string]int{}, map[string]int{}
		q := c.get("/query?type=CdpReplicaTaskSession&format=Entities&pageSize=10000") // the only policy
		for _, it := range q["Entities"].(map[string]any)["CdpReplicaTaskSessions"].(map[string]any)["CdpReplicaTaskSessions"].([]any) {
			m := it.(map[string]any)
			vm := m["VmDisplayName"].(string)
			all[vm]++
			if m["State"] == "InProgress" {
				running[vm]++
			}
		}
		return all, running
	}
	sum := func(m map[string]int) int {
		n := 0
		for _, v := range m {
			n += v
		}
		return n
	}

	ok(t, c.write("POST", ppath+"?action=disable", "", ""), true, "Ok")
	before, running := tasks()
	if sum(running) != 0 {
		t.Fatalf("%d task sessions run after the disable", sum(running))
	}
	clock(`{"advance": "24h"}`)
	after, running := tasks()
	if sum(after) != sum(before) || sum(running) != 0 {
		t.Errorf("a disabled policy: %d task sessions a day later, %d before, %d running", sum(after), sum(before), sum(running))
	}
	if e := c.get(ppath + "?format=Entity"); e["ScheduleEnabled"] != false || e["NextRun"] != nil {
		t.Errorf("a day after the disable the policy reads ScheduleEnabled=%v NextRun=%v", e["ScheduleEnabled"], e["NextRun"])
	}

	ok(t, c.write("POST", ppath+"?action=enable", "", ""), true, "Ok")
	_, running = tasks()
	if sum(running) != 2 {
		t.Errorf("after the enable %d task sessions run; want one per VM (2)", sum(running))
	}
	clock(`{"advance": "24h"}`)
	resumed, running := tasks()
	if sum(resumed) < sum(after)+4 || sum(running) != 2 {
		t.Errorf("a day after the enable: %d task sessions (%d before), %d running", sum(resumed), sum(after), sum(running))
	}

	spec := `<CreateObjectInJobSpec><HierarchyObjRef>urn:VMware:Vm:45237d2c-c163-4cb1-9f6e-c9913cdea868.vm-991</HierarchyObjRef><HierarchyObjName>added-vm</HierarchyObjName></CreateObjectInJobSpec>`
	ok(t, c.write("POST", ppath+"/includes", "text/xml; charset=utf-8", spec), true, "Ok")
	if _, running = tasks(); running["added-vm"] != 1 {
		t.Errorf("the added VM has %d running task sessions; want 1", running["added-vm"])
	}
	clock(`{"advance": "24h"}`)
	all, running := tasks()
	if all["added-vm"] < 2 || running["added-vm"] != 1 {
		t.Errorf("a day after it was added the VM has %d task sessions, %d running", all["added-vm"], running["added-vm"])
	}
	sessions := c.get(ppath + "/cdpReplicaSessions?format=Entity")["CdpReplicaSessions"].([]any)
	working := 0
	for _, s := range sessions {
		if s.(map[string]any)["State"] == "Working" {
			working++
		}
	}
	if working != 1 {
		t.Errorf("%d policy sessions are Working; want 1", working)
	}

	// A job whose schedule is toggled off starts no run for two days, and
	// runs again once toggled on.
	var job map[string]any
	for _, j := range c.get("/jobs?format=Entity")["Jobs"].([]any) {
		if m := j.(map[string]any); m["JobType"] == "Backup" && m["ScheduleEnabled"] == true {
			job = m
		}
	}
	jpath := strings.TrimSuffix(job["Href"].(string), "?format=Entity")
	runs := func() int { return len(c.get(jpath + "/backupSessions")["Refs"].([]any)) }
	ok(t, c.write("POST", jpath+"?action=toggleScheduleEnabled", "", ""), true, "Ok")
	n0 := runs()
	clock(`{"advance": "48h"}`)
	if n := runs(); n != n0 {
		t.Errorf("a job toggled off ran %d times in two days", n-n0)
	}
	if j := c.get(jpath + "?format=Entity"); j["ScheduleEnabled"] != false || j["NextRun"] != nil {
		t.Errorf("two days after the toggle the job reads ScheduleEnabled=%v NextRun=%v", j["ScheduleEnabled"], j["NextRun"])
	}
	ok(t, c.write("POST", jpath+"?action=toggleScheduleEnabled", "", ""), true, "Ok")
	clock(`{"advance": "48h"}`)
	if n := runs(); n <= n0 {
		t.Errorf("a job toggled on again did not run in two days (%d runs, %d before)", n, n0)
	}
}
