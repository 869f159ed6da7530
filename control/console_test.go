package control_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/client"
	"github.com/emcdp/emcdp/console"
	"github.com/emcdp/emcdp/control"
	"github.com/emcdp/emcdp/emcdptest"
	"github.com/emcdp/emcdp/sim"
)

// total asks the EM API's query service how many rows a query string
// (type=…&filter=…) selects.
func total(t *testing.T, srv *emcdptest.Server, q string) int {
	t.Helper()
	v, err := url.ParseQuery(q)
	if err != nil {
		t.Fatal(err)
	}
	p, err := srv.Client(t).QueryPage(context.Background(), client.Query{Type: v.Get("type"), Filter: v.Get("filter"), PageSize: 1}, 1)
	if err != nil {
		t.Fatalf("query %s: %v", q, err)
	}
	if len(p.Items) == 0 {
		return 0
	}
	return p.PagesCount
}

// TestConsolePage: the logon page and its files, and after logging on the
// console and its files, carry a policy that lets them load nothing from
// elsewhere, and answer GET only.
func TestConsolePage(t *testing.T) {
	srv := emcdptest.Start(t, emcdptest.WithNow(t0))
	a := sendWith(t, srv, "POST", "/_emcdp/ui/logon", nil, nil, `{"token":"`+srv.ControlToken+`"}`)
	jar := (&http.Response{Header: a.header}).Cookies()
	for _, f := range []struct {
		path    string
		cookies []*http.Cookie
	}{{"/_emcdp/ui/", nil}, {"/_emcdp/ui/logon.js", nil}, {"/_emcdp/ui/style.css", nil},
		{"/_emcdp/ui/", jar}, {"/_emcdp/ui/app.js", jar}} {
		a := sendWith(t, srv, "GET", f.path, nil, f.cookies, "")
		if a.status != http.StatusOK || len(a.body) < 500 {
			t.Errorf("GET %s = %d, %d bytes", f.path, a.status, len(a.body))
		}
		if csp := a.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
			t.Errorf("GET %s: Content-Security-Policy %q", f.path, csp)
		}
		for _, outside := range []string{"http://", "https://", "//cdn"} {
			if strings.Contains(string(a.body), outside) {
				t.Errorf("%s names %q: the console loads nothing from outside the server", f.path, outside)
			}
		}
	}
	if a := sendWith(t, srv, "GET", "/_emcdp/ui/nothing.js", nil, jar, ""); a.status != http.StatusNotFound {
		t.Errorf("unknown asset: %d", a.status)
	}
	if a := send(t, srv, "POST", "/_emcdp/ui/", "", "token=x"); a.status != http.StatusMethodNotAllowed {
		t.Errorf("POST to the page: %d, want 405", a.status)
	}
}

// TestOverviewEqualsQueryService: every number of the overview is what the
// query service answers for the request the overview names beside it.
func TestOverviewEqualsQueryService(t *testing.T) {
	srv := emcdptest.Start(t, emcdptest.WithNow(t0))
	var o console.Overview
	do(t, srv, "GET", "/_emcdp/overview", "", http.StatusOK, &o)
	if len(o.Servers) != 2 || len(o.Policies) != 4 || len(o.Counts) != 6 {
		t.Fatalf("overview of the demo world: %d servers, %d policies, %d counts", len(o.Servers), len(o.Policies), len(o.Counts))
	}
	// The summary report beside them is the API's, at the same instant.
	c := srv.Client(t)
	var js emcdp.JobStatisticsReport
	var vo emcdp.VmsOverviewReport
	if err := c.Get(context.Background(), "/api/reports/summary/job_statistics", &js); err != nil {
		t.Fatal(err)
	}
	if err := c.Get(context.Background(), "/api/reports/summary/vms_overview", &vo); err != nil {
		t.Fatal(err)
	}
	if o.Report == nil || o.Report.JobStatistics != js || o.Report.VmsOverview != vo || js.TotalJobRuns == 0 {
		t.Errorf("overview's report %+v, the API's %+v and %+v", o.Report, js, vo)
	}
	sum := 0
	for _, rc := range o.Counts {
		cs := []console.Count{rc.Total, rc.Running}
		for _, c := range rc.Results {
			cs = append(cs, c)
		}
		for _, c := range cs {
			if got := total(t, srv, c.Query); got != c.N {
				t.Errorf("%s: overview %d, query service %d", c.Query, c.N, got)
			}
		}
		if rc.Total.N == 0 {
			t.Errorf("no %s in the last 24 h", rc.Type)
		}
		n := 0
		for _, c := range rc.Results {
			n += c.N
		}
		if n != rc.Total.N {
			t.Errorf("%s: results add up to %d, total %d", rc.Type, n, rc.Total.N)
		}
	}
	// The task sessions of the last 24 h per policy add up to the total.
	for _, p := range o.Policies {
		for _, n := range p.Last24h {
			sum += n
		}
		if len(p.Hours) != 24 || p.Session == "" {
			t.Errorf("policy %s: %d hours, running session %q", p.Name, len(p.Hours), p.Session)
		}
	}
	if want := total(t, srv, "type=Job"); len(o.Jobs) != want || want == 0 {
		t.Errorf("%d jobs, the query service %d", len(o.Jobs), want)
	}
	if want := total(t, srv, "type=Repository"); len(o.Repositories) != want || want == 0 {
		t.Errorf("%d repositories, the query service %d", len(o.Repositories), want)
	}
	last := 0
	for _, j := range o.Jobs {
		if j.LastSession != "" {
			last++
		}
	}
	if last == 0 {
		t.Error("no job shows a last session")
	}
	if tasks := o.Counts[1].Total.N; sum != tasks {
		t.Errorf("policies' task sessions of the last 24 h add up to %d, the query service counts %d", sum, tasks)
	}
	states := 0
	for _, n := range o.PolicyStates {
		states += n
	}
	if o.PolicyCount != 4 || states != 4 {
		t.Errorf("policyCount %d, states %v", o.PolicyCount, o.PolicyStates)
	}
	// A limit keeps the worst policies and the counts over all of them.
	var top console.Overview
	do(t, srv, "GET", "/_emcdp/overview?limit=1", "", http.StatusOK, &top)
	if len(top.Policies) != 1 || top.PolicyCount != 4 || top.Policies[0].ID != o.Policies[0].ID {
		t.Errorf("limit=1: %d policies of %d, first %s (want %s)", len(top.Policies), top.PolicyCount, top.Policies[0].Name, o.Policies[0].Name)
	}
	if a := send(t, srv, "GET", "/_emcdp/overview?limit=-1", "Bearer "+srv.ControlToken, ""); a.status != http.StatusBadRequest {
		t.Errorf("limit=-1: %d", a.status)
	}
}

// TestTimelineEqualsQueryService: the timeline counts the task sessions the
// query service counts in its window, per policy and per VM.
func TestTimelineEqualsQueryService(t *testing.T) {
	srv := emcdptest.Start(t, emcdptest.WithNow(t0))
	from, to := t0.Add(-50*time.Hour), t0.Add(-2*time.Hour)
	q := fmt.Sprintf("from=%s&to=%s&buckets=48", from.Format(time.RFC3339), to.Format(time.RFC3339))
	var tl console.Timeline
	do(t, srv, "GET", "/_emcdp/timeline?"+q, "", http.StatusOK, &tl)
	window := fmt.Sprintf("CreationTime>=%q;CreationTime<%q", from.Format(time.RFC3339), to.Format(time.RFC3339))
	if want := total(t, srv, "type=CdpReplicaTaskSession&filter="+url.QueryEscape(window)); tl.Tasks != want || want == 0 {
		t.Errorf("timeline counts %d task sessions, the query service %d", tl.Tasks, want)
	}
	if tl.Width != 3600 || len(tl.Rows) != 4 {
		t.Errorf("buckets of %v s, %d rows; want 3600 s and the 4 policies", tl.Width, len(tl.Rows))
	}
	bars := 0
	for _, r := range tl.Rows {
		bars += len(r.Sessions)
		for _, s := range r.Sessions {
			if s.End != nil && !s.End.After(from) || !s.Start.Before(to) {
				t.Errorf("session %s (%v…%v) is outside the window", s.Name, s.Start, s.End)
			}
		}
	}
	if bars < 4*2 {
		t.Errorf("%d policy session bars over 48 h of 4 policies", bars)
	}
	// One policy's VMs.
	var vms console.Timeline
	do(t, srv, "GET", "/_emcdp/timeline?"+q+"&policy="+tl.Rows[0].ID, "", http.StatusOK, &vms)
	n := 0
	for _, r := range vms.Rows {
		for _, c := range r.Cells {
			n += c.Success + c.Warning + c.Failed + c.Running
		}
		f := window + fmt.Sprintf(";VmDisplayName==%q", r.Name)
		m := 0
		for _, c := range r.Cells {
			m += c.Success + c.Warning + c.Failed + c.Running
		}
		if want := total(t, srv, "type=CdpReplicaTaskSession&filter="+url.QueryEscape(f)); m != want {
			t.Errorf("VM %s: %d task sessions on the timeline, %d by the query service", r.Name, m, want)
		}
	}
	var policyCells int
	for _, c := range tl.Rows[0].Cells {
		policyCells += c.Success + c.Warning + c.Failed + c.Running
	}
	if n != policyCells || n == 0 {
		t.Errorf("the VMs of %s count %d task sessions, the policy's row %d", tl.Rows[0].Name, n, policyCells)
	}

	// Jobs: their backup and replica task sessions, and one job's VMs.
	var jobs console.Timeline
	do(t, srv, "GET", "/_emcdp/timeline?"+q+"&rows=jobs", "", http.StatusOK, &jobs)
	want := 0
	for _, k := range []string{"BackupTaskSession", "ReplicaTaskSession"} {
		want += total(t, srv, "type="+k+"&filter="+url.QueryEscape(window))
	}
	if jobs.Tasks != want || want == 0 || len(jobs.Rows) != total(t, srv, "type=Job") {
		t.Errorf("jobs timeline: %d rows, %d task sessions; the query service %d", len(jobs.Rows), jobs.Tasks, want)
	}
	jbars := 0
	for _, r := range jobs.Rows {
		jbars += len(r.Sessions)
	}
	if jbars == 0 {
		t.Error("no job session bar")
	}
	for _, r := range jobs.Rows {
		var rowN int
		for _, c := range r.Cells {
			rowN += c.Success + c.Warning + c.Failed + c.Running
		}
		if rowN == 0 {
			continue
		}
		var sub console.Timeline
		do(t, srv, "GET", "/_emcdp/timeline?"+q+"&rows=jobs&job="+r.ID, "", http.StatusOK, &sub)
		if sub.Tasks != rowN || len(sub.Rows) == 0 {
			t.Errorf("job %s: its VMs count %d task sessions, its row %d", r.Name, sub.Tasks, rowN)
		}
		break
	}
	if a := send(t, srv, "GET", "/_emcdp/timeline?rows=vms", "Bearer "+srv.ControlToken, ""); a.status != http.StatusBadRequest {
		t.Errorf("rows=vms: %d", a.status)
	}
	if a := send(t, srv, "GET", "/_emcdp/timeline?rows=jobs&job=00000000-0000-0000-0000-000000000001", "Bearer "+srv.ControlToken, ""); a.status != http.StatusNotFound {
		t.Errorf("an unknown job: %d", a.status)
	}

	var spanned console.Timeline
	do(t, srv, "GET", "/_emcdp/timeline?span=48h&buckets=48", "", http.StatusOK, &spanned)
	if !spanned.To.Equal(t0) || !spanned.From.Equal(t0.Add(-48*time.Hour)) {
		t.Errorf("span=48h: %v…%v, want the 48 h before %v", spanned.From, spanned.To, t0)
	}
	for _, bad := range []string{"span=-1h", "span=1h&from=2026-06-14T00:00:00Z", "from=yesterday", "buckets=0", "buckets=401", "pageSize=500", "page=-1", "policy=x",
		"from=2026-06-15T00:00:00Z&to=2026-06-14T00:00:00Z", "from=2020-01-01T00:00:00Z"} {
		if a := send(t, srv, "GET", "/_emcdp/timeline?"+bad, "Bearer "+srv.ControlToken, ""); a.status != http.StatusBadRequest {
			t.Errorf("timeline?%s = %d %s, want 400", bad, a.status, a.body)
		}
	}
	if a := send(t, srv, "GET", "/_emcdp/timeline?policy=00000000-0000-0000-0000-000000000001", "Bearer "+srv.ControlToken, ""); a.status != http.StatusNotFound {
		t.Errorf("timeline of an unknown policy = %d, want 404", a.status)
	}
}

func TestSessionDetail(t *testing.T) {
	srv := emcdptest.Start(t, emcdptest.WithNow(t0))
	var o console.Overview
	do(t, srv, "GET", "/_emcdp/overview", "", http.StatusOK, &o)
	var d console.SessionDetail
	do(t, srv, "GET", "/_emcdp/sessions/"+o.Policies[0].Session, "", http.StatusOK, &d)
	if d.Type != "CdpReplicaSession" || d.TasksTotal == 0 || len(d.Tasks) != d.TasksTotal || len(d.URLs) != 6 {
		t.Fatalf("detail: %s, %d of %d tasks, %d URLs", d.Type, len(d.Tasks), d.TasksTotal, len(d.URLs))
	}
	c := srv.Client(t)
	for _, u := range d.URLs {
		if !strings.HasPrefix(u.URL, srv.URL+"/api/") {
			t.Errorf("URL %s is not on the server", u.URL)
		}
		if u.Accept == "application/json" {
			var v map[string]any
			if err := c.Get(context.Background(), u.URL, &v); err != nil {
				t.Errorf("GET %s: %v", u.URL, err)
			}
		}
	}
	var td console.SessionDetail
	do(t, srv, "GET", "/_emcdp/sessions/"+d.Tasks[0].ID, "", http.StatusOK, &td)
	if td.Type != "CdpReplicaTaskSession" || td.Parent == nil || td.Parent.ID != d.ID {
		t.Errorf("task detail: %+v", td)
	}
	if a := send(t, srv, "GET", "/_emcdp/sessions/nope", "Bearer "+srv.ControlToken, ""); a.status != http.StatusBadRequest {
		t.Errorf("bad id: %d", a.status)
	}
	if a := send(t, srv, "GET", "/_emcdp/sessions/00000000-0000-0000-0000-000000000001", "Bearer "+srv.ControlToken, ""); a.status != http.StatusNotFound {
		t.Errorf("unknown id: %d", a.status)
	}
	if a := send(t, srv, "DELETE", "/_emcdp/sessions/"+d.ID, "Bearer "+srv.ControlToken, ""); a.status != http.StatusMethodNotAllowed {
		t.Errorf("DELETE: %d", a.status)
	}
}

// TestEpisode: an episode started now leaves the history before now as it
// was, makes the VM's task session fail when it ends, and goes with a reset.
func TestEpisode(t *testing.T) {
	srv := emcdptest.Start(t, emcdptest.WithNow(t0))
	for _, bad := range []string{`{}`, `{"vm":"sql-prod-01"}`, `{"vm":"nope","duration":"1h"}`, `{"vm":"sql-prod-01","job":"SQL Daily","duration":"1h"}`,
		`{"vm":"sql-prod-01","duration":"10s"}`, `{"vm":"sql-prod-01","duration":"1h","result":"Success"}`, `{"job":"nope","duration":"1h"}`,
		`{"job":"SQL Daily","duration":"1h","vmCount":99}`, `{"vm":"sql-prod-01","duration":"1h","extra":1}`, `[`} {
		if a := send(t, srv, "POST", "/_emcdp/episodes", "Bearer "+srv.ControlToken, bad); a.status != http.StatusBadRequest {
			t.Errorf("episode %s = %d %s, want 400", bad, a.status, a.body)
		}
	}
	ended := "type=CdpReplicaTaskSession&filter=" + url.QueryEscape(fmt.Sprintf("EndTime<%q", t0.Format(time.RFC3339)))
	before := total(t, srv, ended)
	failedAfter := "type=CdpReplicaTaskSession&filter=" + url.QueryEscape(fmt.Sprintf(`VmDisplayName=="web-02";Result==Failed;Reason=="the console's test";EndTime>=%q`, t0.Format(time.RFC3339)))
	do(t, srv, "POST", "/_emcdp/episodes", `{"vm":"web-02","duration":"45m","reason":"the console's test"}`, http.StatusCreated, nil)
	if got := total(t, srv, ended); got != before {
		t.Errorf("%d task sessions ended before the episode, %d before it started", got, before)
	}
	srv.Advance(t, time.Hour)
	if n := total(t, srv, failedAfter); n != 1 {
		t.Errorf("%d failed task sessions of web-02 after its episode, want 1", n)
	}
	do(t, srv, "POST", "/_emcdp/episodes", `{"job":"SQL Daily","duration":"24h","vmCount":2,"result":"Warning"}`, http.StatusCreated, nil)
	srv.Reset(t)
	if n := total(t, srv, failedAfter); n != 0 {
		t.Errorf("after a reset %d failed task sessions of web-02 remain", n)
	}
}

// TestEpisodeBound: the episodes started between resets are bounded, the
// one too many is refused with 409 in the control API's error format, and a
// reset makes room again.
func TestEpisodeBound(t *testing.T) {
	// A world of one VM and a day, so that the world's many rewrites are quick.
	tiny := sim.Config{Seed: 1, Days: 1, Catalog: []sim.ServerSpec{{Name: "vbr", Version: "12.3.1.1139",
		Policies: []sim.PolicySpec{{Name: "CDP", VMs: []sim.VMSpec{{Name: "web-02", DisksGiB: []int{40}}}}}}}}
	srv := emcdptest.Start(t, emcdptest.WithWorld(tiny, "tiny"), emcdptest.WithNow(t0))
	const ep = `{"vm":"web-02","duration":"1m"}`
	for i := range control.MaxEpisodes {
		if a := send(t, srv, "POST", "/_emcdp/episodes", "Bearer "+srv.ControlToken, ep); a.status != http.StatusCreated {
			t.Fatalf("episode %d = %d %s", i+1, a.status, a.body)
		}
		srv.Advance(t, 2*time.Minute)
	}
	a := send(t, srv, "POST", "/_emcdp/episodes", "Bearer "+srv.ControlToken, ep)
	if a.status != http.StatusConflict || !strings.Contains(string(a.body), fmt.Sprintf(`"at most %d episodes`, control.MaxEpisodes)) {
		t.Fatalf("episode %d = %d %s, want 409 naming the bound", control.MaxEpisodes+1, a.status, a.body)
	}
	srv.Reset(t)
	do(t, srv, "POST", "/_emcdp/episodes", ep, http.StatusCreated, nil)
}

// TestJobSessionDetail: a failed backup job session's detail lists the task
// sessions the query service lists, and its URLs answer.
func TestJobSessionDetail(t *testing.T) {
	srv := emcdptest.Start(t, emcdptest.WithNow(t0))
	c := srv.Client(t)
	p, err := c.QueryPage(context.Background(), client.Query{Type: "BackupJobSession", Filter: "Result==Failed", PageSize: 1}, 1)
	if err != nil || len(p.Items) == 0 {
		t.Fatalf("no failed backup job session in the demo world: %v", err)
	}
	var s struct{ UID string }
	if err := json.Unmarshal(p.Items[0], &s); err != nil {
		t.Fatal(err)
	}
	id := s.UID[strings.LastIndexByte(s.UID, ':')+1:]
	var d console.SessionDetail
	do(t, srv, "GET", "/_emcdp/sessions/"+id, "", http.StatusOK, &d)
	q := "type=BackupTaskSession&filter=" + url.QueryEscape(`JobSessionUid=="`+s.UID+`"`)
	if want := total(t, srv, q); d.Type != "BackupJobSession" || d.TasksTotal != want || len(d.Tasks) != want || want == 0 {
		t.Errorf("detail: %s with %d (%d listed) task sessions; the query service %d", d.Type, d.TasksTotal, len(d.Tasks), want)
	}
	failed := 0
	for _, tk := range d.Tasks {
		if tk.Result == "Failed" {
			failed++
		}
	}
	result := ""
	for _, f := range d.Fields {
		if f.Name == "Result" {
			result = f.Value
		}
	}
	if result != "Failed" || failed == 0 {
		t.Errorf("result %q with %d failed tasks", result, failed)
	}
	for _, u := range d.URLs {
		if u.Accept == "application/json" {
			var v map[string]any
			if err := c.Get(context.Background(), u.URL, &v); err != nil {
				t.Errorf("GET %s: %v", u.URL, err)
			}
		}
	}
	var td console.SessionDetail
	do(t, srv, "GET", "/_emcdp/sessions/"+d.Tasks[0].ID, "", http.StatusOK, &td)
	if td.Type != "BackupTaskSession" || td.Parent == nil || td.Parent.ID != id {
		t.Errorf("task detail: %s, parent %+v", td.Type, td.Parent)
	}
}

// TestTimelinePageOutOfRange: a page of rows beyond what a store can page
// to is the client's mistake, a 400, on both kinds of rows.
func TestTimelinePageOutOfRange(t *testing.T) {
	srv := emcdptest.Start(t, emcdptest.WithNow(t0))
	for _, q := range []string{"page=9223372036854775807", "rows=jobs&page=9223372036854775807"} {
		a := send(t, srv, "GET", "/_emcdp/timeline?"+q, "Bearer "+srv.ControlToken, "")
		var e struct{ Error string }
		if a.status != http.StatusBadRequest || json.Unmarshal(a.body, &e) != nil || e.Error == "" {
			t.Errorf("timeline?%s = %d %s, want 400 with an error", q, a.status, a.body)
		}
	}
}
