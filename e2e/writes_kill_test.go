package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestWritesKilled kills the server with SIGKILL during a burst of writes,
// starts it again on the same store and checks that the store is
// consistent: every task still Running is applied after the restart, no
// task is Finished without its effect and no effect exists without its
// finished task. The writes toggle one job's schedule (its final state is
// the initial one flipped once per successful toggle task) and clone
// another (one new job per successful clone task, and no other).
func TestWritesKilled(t *testing.T) {
	bin := buildBinary(t)
	t.Run("sqlite", func(t *testing.T) { writesKilled(t, bin, "sqlite://"+filepath.Join(t.TempDir(), "emcdp.db")) })
	t.Run("postgres", func(t *testing.T) { writesKilled(t, bin, freshSchema(t, testURL(t))) })
}

func writesKilled(t *testing.T, bin, db string) {
	run(t, bin, "", "seed", "--db", db, "--servers", "1", "--policies", "1", "--vms", "2", "--jobs", "2", "--days", "1")
	run(t, bin, writesPW+"\n", "user", "add", adminUser, "--role", "PortalAdministrator", "--db", db)
	r := serve(t, bin, db, "--task-delay", "20ms")
	admin := logonAs(t, r, adminUser)

	var toggled, cloned map[string]any
	for _, j := range admin.get("/jobs?format=Entity")["Jobs"].([]any) {
		m := j.(map[string]any)
		if m["JobType"] != "Backup" {
			continue
		}
		if toggled == nil {
			toggled = m
		} else if cloned == nil {
			cloned = m
		}
	}
	togglePath := strings.TrimSuffix(toggled["Href"].(string), "?format=Entity")
	clonePath := strings.TrimSuffix(cloned["Href"].(string), "?format=Entity")
	repo := ""
	for _, it := range admin.get("/repositories?format=Entity")["Repositories"].([]any) {
		if m := it.(map[string]any); linkOf(t, m, "Up") == linkOf(t, cloned, "Up") {
			repo = m["UID"].(string)
		}
	}
	wasEnabled := toggled["ScheduleEnabled"].(bool)

	// The burst: four writers until the kill. A request cut by the kill
	// fails at the client; that is expected.
	var stop atomic.Bool
	var sent atomic.Int64
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				var err error
				if i%2 == 0 {
					_, _, err = tryDo("POST", togglePath+"?action=toggleScheduleEnabled", admin.token, "")
				} else {
					body := fmt.Sprintf(`{"BackupJobCloneInfo":{"JobName":"k%d-%d","FolderName":"f","RepositoryUid":"%s"}}`, w, i, repo)
					_, _, err = tryDo("POST", clonePath+"?action=clone", admin.token, body)
				}
				if err == nil {
					sent.Add(1)
				}
			}
		}()
	}
	for sent.Load() < 40 {
		time.Sleep(10 * time.Millisecond)
	}
	r.kill()
	stop.Store(true)
	wg.Wait()

	r2 := serve(t, bin, db, "--task-delay", "20ms")
	admin2 := &wclient{t: t, base: r2.base, token: admin.token}
	deadline := time.Now().Add(30 * time.Second)
	var tasks []any
	for {
		tasks = admin2.get("/tasks")["Tasks"].([]any)
		running := 0
		for _, task := range tasks {
			if task.(map[string]any)["State"] != "Finished" {
				running++
			}
		}
		if running == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d tasks still Running 30 s after the restart", running)
		}
		time.Sleep(100 * time.Millisecond)
	}
	toggles, clones := 0, map[string]bool{}
	for _, task := range tasks {
		m := task.(map[string]any)
		if m["Result"].(map[string]any)["Success"] != true {
			t.Errorf("task %v failed", m)
			continue
		}
		switch m["Operation"] {
		case "UpdateJob":
			toggles++
		case "CloneJob":
			clones[linkOf(t, m, "Related")] = true
		}
	}
	if toggles+len(clones) < 20 {
		t.Fatalf("only %d tasks in the store after %d answered writes", len(tasks), sent.Load())
	}
	j := admin2.get(strings.Replace(togglePath, r.base, r2.base, 1) + "?format=Entity")
	if want := wasEnabled != (toggles%2 == 1); j["ScheduleEnabled"] != want {
		t.Errorf("after %d finished toggles the job is ScheduleEnabled=%v; want %v", toggles, j["ScheduleEnabled"], want)
	}
	made := 0
	for _, it := range admin2.get("/jobs?format=Entity")["Jobs"].([]any) {
		m := it.(map[string]any)
		if name := m["Name"].(string); strings.HasPrefix(name, "k") && strings.Contains(name, "-") {
			made++
			if !clones[strings.Replace(m["Href"].(string), r2.base, r.base, 1)] && !clones[m["Href"].(string)] {
				t.Errorf("job %s exists without its finished clone task", name)
			}
		}
	}
	if made != len(clones) {
		t.Errorf("%d cloned jobs exist for %d finished clone tasks", made, len(clones))
	}
	t.Logf("%d writes answered before the kill; %d toggles and %d clones finished", sent.Load(), toggles, len(clones))
}

// tryDo sends a JSON write and returns its status, or the transport error
// of a request cut by the kill.
func tryDo(method, u, token, body string) (int, string, error) {
	req, err := newReq(method, u, body)
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("X-RestSvcSessionId", token)
	req.Header.Set("Accept", "application/json")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	return resp.StatusCode, "", nil
}
