package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	emclient "github.com/emcdp/emcdp/client"
	"github.com/emcdp/emcdp/emcdptest"
)

// basicAuth sends Basic credentials with every request, as the official
// monitoring template does: it never sends the logon session's token.
type basicAuth struct {
	user, password string
	next           http.RoundTripper
}

func (b basicAuth) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.SetBasicAuth(b.user, b.password)
	return b.next.RoundTrip(r)
}

// TestZabbixTemplateFlow reproduces what the official Zabbix template does
// (monitoring.md §6, §7; clients.md rows 3 and 6): it logs on without ?v=,
// then sends only Basic credentials; it reads /reports/summary, GETs every
// link there keyed by Name, then lists /backupFiles and GETs every
// Refs[].Href, plain and with ?format=Entity. Every answer must be 200 JSON
// with the fields the template reads.
func TestZabbixTemplateFlow(t *testing.T) {
	s := emcdptest.Start(t, emcdptest.WithNow(reportNow))
	ctx := context.Background()
	hc := s.HTTPClient()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/api/sessionMngr/", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(s.User, s.Password)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("logon without ?v=: %d", resp.StatusCode)
	}
	hc.Transport = basicAuth{s.User, s.Password, hc.Transport}
	c := emclient.New(s.URL, hc) // never logged on: no token, Basic on every request

	var summary struct{ Links []apiLink }
	if err := c.Get(ctx, "/api/reports/summary", &summary); err != nil {
		t.Fatal(err)
	}
	reads := map[string][]string{
		"Overview": {"BackupServers", "ProxyServers", "RepositoryServers", "RunningJobs", "ScheduledJobs",
			"SuccessfulVmLastestStates", "WarningVmLastestStates", "FailedVmLastestStates"},
		"VmsOverview": {"ProtectedVms", "BackedUpVms", "ReplicatedVms", "RestorePoints", "FullBackupPointsSize",
			"IncrementalBackupPointsSize", "ReplicaRestorePointsSize", "SourceVmsSize", "SuccessBackupPercents"},
		"JobStatistics": {"RunningJobs", "ScheduledJobs", "ScheduledBackupJobs", "ScheduledReplicaJobs", "TotalJobRuns",
			"SuccessfulJobRuns", "WarningsJobRuns", "FailedJobRuns", "MaxJobDuration", "MaxBackupJobDuration",
			"MaxReplicaJobDuration", "MaxDurationBackupJobName", "MaxDurationReplicaJobName"},
		"ProcessedVms": {"Days"},
		"Repositories": {"Periods"},
	}
	byName := map[string]map[string]json.RawMessage{}
	for _, l := range summary.Links {
		var frame map[string]json.RawMessage
		if err := c.Get(ctx, l.Href, &frame); err != nil {
			t.Fatalf("GET %s (%s): %v", l.Href, l.Name, err)
		}
		byName[l.Name] = frame
	}
	for name, fields := range reads {
		frame, ok := byName[name]
		if !ok {
			t.Errorf("the summary report has no link named %s", name)
			continue
		}
		for _, f := range fields {
			if v, ok := frame[f]; !ok || string(v) == "null" {
				t.Errorf("%s: %s is missing", name, f)
			}
		}
	}
	var jobStats struct{ TotalJobRuns, SuccessfulJobRuns, WarningsJobRuns, FailedJobRuns int }
	b, _ := json.Marshal(byName["JobStatistics"])
	if err := json.Unmarshal(b, &jobStats); err != nil {
		t.Fatal(err)
	}
	if jobStats.TotalJobRuns == 0 || jobStats.TotalJobRuns != jobStats.SuccessfulJobRuns+jobStats.WarningsJobRuns+jobStats.FailedJobRuns {
		t.Errorf("job statistics of the demo world: %+v", jobStats)
	}

	var files struct{ Refs []struct{ Name, Href string } }
	if err := c.Get(ctx, "/api/backupFiles", &files); err != nil {
		t.Fatal(err)
	}
	if len(files.Refs) == 0 {
		t.Fatal("the demo world has no backup file")
	}
	for _, f := range files.Refs {
		var ref map[string]json.RawMessage
		if err := c.Get(ctx, f.Href, &ref); err != nil {
			t.Fatalf("GET %s: %v", f.Href, err)
		}
		var ent map[string]json.RawMessage
		if err := c.Get(ctx, strings.TrimSuffix(f.Href, "?format=Entity")+"?format=Entity", &ent); err != nil {
			t.Fatalf("GET %s?format=Entity: %v", f.Href, err)
		}
		for _, k := range []string{"BackupSize", "DataSize", "CompressRatio", "DeduplicationRatio"} {
			if v, ok := ent[k]; !ok || string(v) == "null" {
				t.Errorf("backup file %s: %s is missing", f.Name, k)
			}
		}
	}
	t.Logf("%d frames, %d backup files", len(summary.Links), len(files.Refs))
}
