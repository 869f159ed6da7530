package api

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/emcdp/emcdp/auth"
)

// TestNagiosStyleCheckDemo is TestNagiosStyleCheck against the demo world
// over TLS, as a plugin pointed at "emcdp serve --demo" runs: for every
// backup job of the demo, the last sessions by end time that the query
// service gives (pageSize 1 and 5) are the ones its session collection
// holds, and the first is a finished one.
func TestNagiosStyleCheckDemo(t *testing.T) {
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
	get := func(path string, v any) {
		t.Helper()
		r, _ := http.NewRequest("GET", root+path, nil)
		r.Header.Set(auth.SessionHeader, tok)
		r.Header.Set("Accept", "application/json")
		resp, err := cl.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
	}
	var jobs struct {
		Entities struct {
			Jobs struct {
				Jobs []struct{ Name, UID, JobType string }
			}
		}
	}
	get("/query?type=Job&format=Entities&filter="+url.QueryEscape("JobType==Backup")+"&pageSize=1000", &jobs)
	if len(jobs.Entities.Jobs.Jobs) == 0 {
		t.Skip("the demo world has no backup jobs")
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
	checked := 0
	for _, j := range jobs.Entities.Jobs.Jobs {
		var coll struct{ BackupJobSessions []jobSessionJSON }
		get("/jobs/"+j.UID[len(j.UID)-36:]+"/backupSessions?format=Entity", &coll)
		all := coll.BackupJobSessions
		sort.SliceStable(all, func(a, b int) bool { return end(all[a]).After(end(all[b])) })
		finished := 0
		for _, s := range all {
			if s.EndTimeUTC != nil {
				finished++
			}
		}
		for _, size := range []int{1, 5} {
			var res struct {
				Entities struct {
					BackupJobSessions struct{ BackupJobSessions []jobSessionJSON }
				}
			}
			q := url.Values{"type": {"BackupJobSession"}, "filter": {`JobName=="` + j.Name + `"`}, "format": {"Entities"},
				"pageSize": {strconv.Itoa(size)}, "sortDesc": {"EndTime"}}
			get("/query?"+q.Encode(), &res)
			got := res.Entities.BackupJobSessions.BackupJobSessions
			want := all[:min(size, len(all))]
			if len(got) != len(want) {
				t.Fatalf("%s pageSize %d: %d sessions, want %d", j.Name, size, len(got), len(want))
			}
			for i := range got {
				if got[i].UID != want[i].UID && !end(got[i]).Equal(end(want[i])) || got[i].Result != want[i].Result {
					t.Errorf("%s pageSize %d item %d: %s %v %s, want %s %v %s", j.Name, size, i, got[i].Name, end(got[i]),
						got[i].Result, want[i].Name, end(want[i]), want[i].Result)
				}
			}
			if finished > 0 && len(got) > 0 && got[0].EndTimeUTC == nil {
				t.Errorf("%s: a running session came first; the last finished one must", j.Name)
			}
		}
		checked++
	}
	t.Logf("checked %d backup jobs", checked)
}
