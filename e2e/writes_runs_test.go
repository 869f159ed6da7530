package e2e

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestWritesJobRuns checks, on each store, that job sessions started and
// retried by writes run to their ends in the simulated world (actions.md
// §7.2) on a stopped clock moved by the control API, across a restart into
// live mode, that a clone runs the same way and on its schedule once it
// is turned on, and that an RPO change judges the task sessions after it
// against the new RPO (§7.1).
func TestWritesJobRuns(t *testing.T) {
	bin := buildBinary(t)
	t.Run("sqlite", func(t *testing.T) { writesJobRuns(t, bin, "sqlite://"+filepath.Join(t.TempDir(), "emcdp.db")) })
	t.Run("postgres", func(t *testing.T) { writesJobRuns(t, bin, freshSchema(t, testURL(t))) })
}

// firstList returns the one list of items a collection or query answer
// holds, however deep under its root.
func firstList(m map[string]any) []any {
	for k, v := range m {
		if k == "Links" {
			continue
		}
		switch x := v.(type) {
		case []any:
			return x
		case map[string]any:
			if l := firstList(x); l != nil {
				return l
			}
		}
	}
	return nil
}

func writesJobRuns(t *testing.T, bin, db string) {
	run(t, bin, "", "seed", "--db", db, "--servers", "1", "--policies", "1", "--vms", "6", "--jobs", "3",
		"--vms-per-job", "4", "--days", "2")
	run(t, bin, writesPW+"\n", "user", "add", adminUser, "--role", "PortalAdministrator", "--db", db)
	const token = "runs-control-token"
	var r *replica
	var now time.Time
	clock := func(body string) {
		t.Helper()
		status, _, b := doBody(t, "POST", strings.TrimSuffix(r.base, "/api")+"/_emcdp/clock",
			map[string]string{"Authorization": "Bearer " + token}, body)
		var st struct{ Now time.Time }
		if status != http.StatusOK || json.Unmarshal([]byte(b), &st) != nil {
			t.Fatalf("clock %s: %d %s", body, status, b)
		}
		now = st.Now
	}
	c := &wclient{t: t, auth: "Basic " + base64.StdEncoding.EncodeToString([]byte(adminUser+":"+writesPW))}
	start := func(extra ...string) {
		r = serve(t, bin, db, append([]string{"--control", "--control-token", token, "--task-delay", "0"}, extra...)...)
		c.base = r.base
		clock(`{"paused": true}`)
	}
	start()

	var job map[string]any
	for _, j := range c.get("/jobs?format=Entity")["Jobs"].([]any) {
		if m := j.(map[string]any); m["JobType"] == "Backup" && m["ScheduleEnabled"] == true && job == nil {
			job = m
		}
	}
	jpath := strings.TrimPrefix(strings.TrimSuffix(job["Href"].(string), "?format=Entity"), r.base) // kept across the restart
	vms := len(c.get(jpath + "/includes")["ObjectInJobs"].([]any))
	if vms < 3 {
		t.Fatalf("the job processes %d VMs; the test needs 3", vms)
	}
	// act sends a job action, waiting out a scheduled run, and returns the
	// session it started.
	act := func(action string) map[string]any {
		t.Helper()
		for i := 0; ; i++ {
			task := c.finish(c.write("POST", jpath+"?action="+action, "", ""))
			if task["Result"].(map[string]any)["Success"] == true {
				return c.get(linkOf(t, task, "Related"))
			}
			if i > 48 {
				t.Fatalf("%s: %v", action, task["Result"])
			}
			clock(`{"advance": "30m"}`)
		}
	}
	tasksOf := func(sess map[string]any) []map[string]any {
		var out []map[string]any
		for _, it := range firstList(c.get(linkOf(t, sess, "Down") + "?format=Entity")) {
			out = append(out, it.(map[string]any))
		}
		return out
	}
	// toEnd advances the clock until the session ends and checks it ended
	// like a scheduled run: Stopped, with an end time, the worst result of
	// its Completed tasks, a restore point for each that did not fail; it
	// is listed under the job and found by the query service.
	toEnd := func(sess map[string]any) (map[string]any, []map[string]any) {
		t.Helper()
		href := sess["Href"].(string)
		for i := 0; sess["State"] != "Stopped"; i++ {
			if i > 150 {
				t.Fatalf("session %s still %v after a day", sess["Name"], sess["State"])
			}
			clock(`{"advance": "10m"}`)
			sess = c.get(href)
		}
		tasks := tasksOf(sess)
		worst := "Success"
		rank := map[string]int{"Success": 0, "Warning": 1, "Failed": 2}
		for _, ts := range tasks {
			if ts["State"] != "Completed" || ts["EndTimeUTC"] == nil {
				t.Errorf("task %s of an ended session reads %v, ended %v", ts["Name"], ts["State"], ts["EndTimeUTC"])
			}
			res := ts["Result"].(string)
			if rank[res] > rank[worst] {
				worst = res
			}
			if res != "Failed" {
				c.get(linkOf(t, ts, "Related")) // its restore point
			}
		}
		if sess["Result"] != worst || sess["EndTimeUTC"] == nil || sess["Progress"] != float64(100) {
			t.Errorf("ended session %s: %v, ended %v, progress %v; its tasks' worst result %s",
				sess["Name"], sess["Result"], sess["EndTimeUTC"], sess["Progress"], worst)
		}
		uid := sess["UID"].(string)
		listed := false
		for _, ref := range c.get(jpath + "/backupSessions")["Refs"].([]any) {
			listed = listed || ref.(map[string]any)["UID"] == uid
		}
		q := firstList(c.get("/query?type=BackupJobSession&format=Entities&filter=uid==" + uid))
		if !listed || len(q) != 1 || !reflect.DeepEqual(q[0].(map[string]any)["State"], "Stopped") {
			t.Errorf("session %s: listed under its job %v, the query service finds %d", sess["Name"], listed, len(q))
		}
		return sess, tasks
	}

	sess := act("start")
	if sess["State"] != "Working" || sess["IsRetry"] != false || len(tasksOf(sess)) != vms {
		t.Fatalf("the started session reads %v IsRetry=%v with %d tasks", sess["State"], sess["IsRetry"], len(tasksOf(sess)))
	}
	toEnd(sess)

	// a restart into live mode: the world goes on from where it stood
	r.kill()
	start("--simulate")

	sess = act("start")
	for i := 0; ; i++ {
		if i > 24*60 {
			t.Fatal("the second run's tasks never ended one by one")
		}
		clock(`{"advance": "20s"}`)
		done, running := 0, 0
		for _, ts := range tasksOf(sess) {
			if ts["State"] == "Completed" {
				done++
			} else {
				running++
			}
		}
		if running == 0 {
			t.Fatal("the second run ended before it could be stopped part-way")
		}
		if done > 0 {
			break
		}
	}
	ok(t, c.finish(c.write("POST", jpath+"?action=stop", "", "")), true, "")
	sess = c.get(sess["Href"].(string))
	failed := map[string]bool{}
	for _, ts := range tasksOf(sess) {
		if ts["Result"] == "Failed" {
			failed[ts["VmDisplayName"].(string)] = true
		}
	}
	if sess["State"] != "Stopped" || sess["Result"] != "Failed" || len(failed) == 0 || len(failed) == vms {
		t.Fatalf("the stopped session reads %v %v with %d of %d tasks failed", sess["State"], sess["Result"], len(failed), vms)
	}

	retry := act("retry")
	if retry["IsRetry"] != true {
		t.Errorf("the retry session reads IsRetry=%v", retry["IsRetry"])
	}
	_, tasks := toEnd(retry)
	got := map[string]bool{}
	for _, ts := range tasks {
		got[ts["VmDisplayName"].(string)] = true
	}
	if !reflect.DeepEqual(got, failed) {
		t.Errorf("the retry processed %v; the stopped run failed %v", got, failed)
	}

	// A clone of the job is part of the world: once its schedule is toggled
	// on, a start runs to its end, and its schedule starts runs.
	repo := c.get("/repositories?format=Entity")["Repositories"].([]any)[0].(map[string]any)["UID"].(string)
	clone := c.finish(c.write("POST", jpath+"?action=clone", "application/json",
		`{"BackupJobCloneInfo":{"JobName":"runs clone","FolderName":"x","RepositoryUid":"`+repo+`"}}`))
	ok(t, clone, true, "Ok")
	jpath = strings.TrimPrefix(strings.TrimSuffix(linkOf(t, clone, "Related"), "?format=Entity"), r.base)
	ok(t, c.finish(c.write("POST", jpath+"?action=toggleScheduleEnabled", "", "")), true, "Ok")
	toEnd(act("start"))
	clock(`{"advance": "48h"}`)
	if n := len(c.get(jpath + "/backupSessions")["Refs"].([]any)); n < 3 {
		t.Errorf("two days after its schedule was turned on the clone has %d sessions", n)
	}

	// An RPO of 2 s: most task sessions that start after the change miss it.
	pol := c.get("/cdpPolicies?format=Entity")["CdpPolicies"].([]any)[0].(map[string]any)
	ppath := "/cdpPolicies/" + strings.TrimPrefix(pol["UID"].(string), "urn:veeam:CdpPolicy:")
	ok(t, c.finish(c.write("PUT", ppath, "application/json",
		`{"PolicyScheduleOptions":{"CdpReplica":{"RecoveryPointObjectiveSeconds":2}}}`)), true, "Ok")
	clock(`{"advance": "0s"}`)
	changed := now
	clock(`{"advance": "24h"}`)
	after, missed := 0, 0
	for _, it := range firstList(c.get("/query?type=CdpReplicaTaskSession&format=Entities&pageSize=10000&filter=state==Completed")) {
		ts := it.(map[string]any)
		created, err := time.Parse(time.RFC3339Nano, ts["CreationTimeUTC"].(string))
		if err != nil {
			t.Fatal(err)
		}
		if created.After(changed) {
			after++
			if reason, _ := ts["Reason"].(string); strings.HasPrefix(reason, "RPO was not met") {
				missed++
			}
		}
	}
	if after == 0 || missed*2 < after {
		t.Errorf("a day after the RPO became 2 s, %d of %d task sessions started since missed it", missed, after)
	}
}
