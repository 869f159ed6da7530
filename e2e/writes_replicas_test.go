package e2e

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// TestWritesTwoReplicas races writes to one CDP policy through two replicas
// on one PostgreSQL database: both replicas apply tasks, each task is
// readable at either, every task finishes, and the policy ends as the
// highest-numbered task left it (one at a time, in task order).
func TestWritesTwoReplicas(t *testing.T) {
	db := freshSchema(t, testURL(t))
	bin := buildBinary(t)
	run(t, bin, "", "seed", "--db", db, "--servers", "1", "--policies", "1", "--vms", "2", "--jobs", "-1", "--days", "1")
	run(t, bin, writesPW+"\n", "user", "add", adminUser, "--role", "PortalAdministrator", "--db", db)
	a := serve(t, bin, db, "--task-delay", "200ms")
	b := serve(t, bin, db, "--task-delay", "200ms")
	ca := logonAs(t, a, adminUser)
	cb := &wclient{t: t, base: b.base, token: ca.token}
	pol := ca.get("/cdpPolicies?format=Entity")["CdpPolicies"].([]any)[0].(map[string]any)
	ppath := "/cdpPolicies/" + strings.TrimPrefix(pol["UID"].(string), "urn:veeam:CdpPolicy:")

	var mu sync.Mutex
	actions := map[int]string{}
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := []*wclient{ca, cb}[i%2]
			act := []string{"disable", "enable", "enable", "disable"}[i%4]
			task := c.write("POST", ppath+"?action="+act, "", "")
			var n int
			fmt.Sscanf(task["TaskId"].(string), "task-%d", &n)
			mu.Lock()
			actions[n] = act
			mu.Unlock()
		}()
	}
	wg.Wait()
	last := 0
	for n := range actions {
		// Read each task at the replica that did not take it, too.
		ok(t, cb.finish(cb.get(fmt.Sprintf("/tasks/task-%d", n))), true, "Ok")
		last = max(last, n)
	}
	for _, c := range []*wclient{ca, cb} {
		if e := c.get(ppath + "?format=Entity"); e["ScheduleEnabled"] != (actions[last] == "enable") {
			t.Errorf("the last task (task-%d) was %s; %s reads ScheduleEnabled=%v", last, actions[last], c.base, e["ScheduleEnabled"])
		}
	}
	running := 0
	for _, s := range ca.get(ppath + "/cdpReplicaSessions?format=Entity")["CdpReplicaSessions"].([]any) {
		if s.(map[string]any)["State"] == "Working" {
			running++
		}
	}
	if want := map[string]int{"enable": 1, "disable": 0}[actions[last]]; running != want {
		t.Errorf("%d policy sessions run after the race; want %d", running, want)
	}
}
