package e2e

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
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
	// clock changes the world clock and returns the world time.
	clock := func(body string) time.Time {
		t.Helper()
		status, _, b := doBody(t, "POST", root+"/_emcdp/clock", map[string]string{"Authorization": "Bearer " + token}, body)
		if status != http.StatusOK {
			t.Fatalf("clock %s: %d %s", body, status, b)
		}
		var st struct{ Now time.Time }
		if err := json.Unmarshal([]byte(b), &st); err != nil {
			t.Fatalf("clock %s: %v", body, err)
		}
		return st.Now
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
	// runs again once toggled on. Each toggle is made an hour before a
	// scheduled start, whatever day the test runs on, so that both windows
	// hold one; runs are told by their creation times, since retention
	// keeps the number of sessions flat.
	var job map[string]any
	for _, j := range c.get("/jobs?format=Entity")["Jobs"].([]any) {
		if m := j.(map[string]any); m["JobType"] == "Backup" && m["ScheduleEnabled"] == true && daily(m)["Enabled"] == true {
			job = m
		}
	}
	if job == nil {
		t.Fatal("no daily backup job with its schedule on")
	}
	jpath := strings.TrimSuffix(job["Href"].(string), "?format=Entity")
	// runs lists the start times of the job's sessions created in [from, to).
	runs := func(from, to time.Time) []time.Time {
		t.Helper()
		var out []time.Time
		for _, s := range c.get(jpath + "/backupSessions?format=Entity")["BackupJobSessions"].([]any) {
			at, err := time.Parse(time.RFC3339Nano, s.(map[string]any)["CreationTimeUTC"].(string))
			if err != nil {
				t.Fatal(err)
			}
			if !at.Before(from) && at.Before(to) {
				out = append(out, at)
			}
		}
		sort.Slice(out, func(a, b int) bool { return out[a].Before(out[b]) })
		return out
	}
	// toggle advances the clock to an hour before the next scheduled start
	// and toggles the job's schedule there, returning the instant.
	toggle := func() time.Time {
		t.Helper()
		now := clock(`{}`)
		clock(fmt.Sprintf(`{"advance": %q}`, nextRun(job, now.Add(time.Hour)).Add(-time.Hour).Sub(now).Truncate(time.Second)))
		ok(t, c.write("POST", jpath+"?action=toggleScheduleEnabled", "", ""), true, "Ok")
		return clock(`{}`)
	}
	off := toggle()
	on := clock(`{"advance": "48h"}`)
	if n := runs(off, on); len(n) != 0 {
		t.Errorf("a job toggled off at %v ran in the next two days: %v", off, n)
	}
	if j := c.get(jpath + "?format=Entity"); j["ScheduleEnabled"] != false || j["NextRun"] != nil {
		t.Errorf("two days after the toggle the job reads ScheduleEnabled=%v NextRun=%v", j["ScheduleEnabled"], j["NextRun"])
	}
	on = toggle()
	end := clock(`{"advance": "48h"}`)
	got := runs(on, end)
	for slot := nextRun(job, on); slot.Before(end); slot = nextRun(job, slot) {
		started := false
		for _, at := range got {
			started = started || !at.Before(slot) && at.Before(slot.Add(2*time.Minute))
		}
		if !started {
			t.Errorf("a job toggled on again at %v did not start at %v (its runs since: %v)", on, slot, got)
		}
	}
	j := c.get(jpath + "?format=Entity")
	if next, _ := j["NextRun"].(string); j["ScheduleEnabled"] != true || next != nextRun(job, end).Format(time.RFC3339) {
		t.Errorf("at %v the job toggled on reads ScheduleEnabled=%v NextRun=%v; want %v", end, j["ScheduleEnabled"], j["NextRun"], nextRun(job, end))
	}
}

// daily is the OptionsDaily of a job read as an entity.
func daily(job map[string]any) map[string]any {
	o, _ := job["JobScheduleOptions"].(map[string]any)
	std, _ := o["Standart"].(map[string]any)
	d, _ := std["OptionsDaily"].(map[string]any)
	return d
}

// nextRun is the first start of a daily job's schedule after t, computed
// from its OptionsDaily (days and time, UTC).
func nextRun(job map[string]any, t time.Time) time.Time {
	d := daily(job)
	at, err := time.Parse(time.RFC3339, d["Time"].(string))
	if err != nil {
		return time.Time{}
	}
	days := map[string]bool{}
	for _, n := range d["Days"].([]any) {
		days[n.(string)] = true
	}
	s := t.UTC().Truncate(24 * time.Hour).Add(at.Sub(at.Truncate(24 * time.Hour)))
	for !s.After(t) || !days[s.Weekday().String()] {
		s = s.Add(24 * time.Hour)
	}
	return s
}
