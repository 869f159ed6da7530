// Package console is emcdp's web console: a page that shows the simulated
// world (an overview, a timeline of sessions, a session's detail, the
// request journal) and moves it (clock, episodes, fault rules, reset).
//
// The page is plain HTML, CSS and JavaScript embedded in the binary (Assets);
// it fetches nothing from outside the server. What it shows comes from the
// functions of this package, which read the world through the store's query
// service (emcdp.Query, with filters written in the query service's own
// language) and its per-bucket counts (emcdp.HistogramStore), never through
// a second copy of the data. The control plane serves both (package control).
package console

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/query"
	"github.com/emcdp/emcdp/report"
)

// Count is one number of the overview with the query service request that
// gives it: GET /api/query?{Query} answers it as its total (PagesCount with
// pageSize=1).
type Count struct {
	N     int    `json:"n"`
	Query string `json:"query"` // the query string of /api/query, e.g. "type=…&filter=…"
}

// ResultCounts counts the sessions of one type created in a window, by
// result as the query service filters it, and those still running.
type ResultCounts struct {
	Type    string           `json:"type"`
	Total   Count            `json:"total"`
	Results map[string]Count `json:"results"` // by result name: Success, Warning, Failed (and None for policy sessions)
	Running Count            `json:"running"`
}

// Overview is the world at a glance.
type Overview struct {
	Now      time.Time   `json:"now"`
	Since    time.Time   `json:"since"` // start of the "last 24 h" window
	Servers  []ServerRow `json:"servers"`
	Policies []PolicyRow `json:"policies"` // problems first, at most the limit asked for
	// PolicyCount is the number of policies, PolicyStates how many are in
	// each state (Failed, Warning, Success, None), over all of them.
	PolicyCount  int             `json:"policyCount"`
	PolicyStates map[string]int  `json:"policyStates"`
	Counts       []ResultCounts  `json:"counts"`
	Jobs         []JobRow        `json:"jobs"`
	Repositories []RepositoryRow `json:"repositories"`
	// Report is the summary report at Now, computed as GET
	// /api/reports/summary/… computes it (package report).
	Report *emcdp.Report `json:"report"`
}

// ServerRow is one backup server.
type ServerRow struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Port     int    `json:"port"`
	Version  string `json:"version"`
	Policies int    `json:"policies"`
}

// PolicyRow is one CDP policy with its RPO state now and over the last 24 h.
type PolicyRow struct {
	ID      string         `json:"id"`
	Name    string         `json:"name"`
	Server  string         `json:"server"`
	RPO     string         `json:"rpo"`
	VMs     int            `json:"vms"`
	VMNames []string       `json:"vmNames"`
	NextRun time.Time      `json:"nextRun"`
	Session string         `json:"session,omitempty"` // the running policy session's id
	State   string         `json:"state"`             // worst result of the running session's ended tasks: Success, Warning, Failed; None without a running session
	Running int            `json:"running"`           // task sessions in progress
	Last24h map[string]int `json:"last24h"`           // task sessions created in the last 24 h by result
	Hours   []string       `json:"hours"`             // per hour of the last 24 h, oldest first: the worst result of the task sessions created in it ("" for none)
}

// JobRow is one job with its last ended session's result and its next run.
type JobRow struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	Server      string     `json:"server"`
	Type        string     `json:"type"`
	VMs         int        `json:"vms"`
	Enabled     bool       `json:"enabled"`
	NextRun     *time.Time `json:"nextRun,omitempty"`
	LastSession string     `json:"lastSession,omitempty"` // id of the last ended session within the last 8 days
	LastResult  string     `json:"lastResult,omitempty"`
	LastEnded   *time.Time `json:"lastEnded,omitempty"`
	Running     string     `json:"running,omitempty"` // id of a running session
}

// RepositoryRow is one repository; Capacity and Free are -1 for object
// storage, which reports none.
type RepositoryRow struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Server   string `json:"server"`
	Kind     string `json:"kind"`
	Capacity int64  `json:"capacity"`
	Free     int64  `json:"free"`
}

// jobHistory is how far back the overview looks for a job's last session,
// and maxJobSessions how many of the newest sessions of each kind it reads
// there (a job without one among them shows none).
const (
	jobHistory     = 8 * 24 * time.Hour
	maxJobSessions = 50000
)

const day = 24 * time.Hour

// ReadOverview reads the overview at now, with the first limit policies
// (problems first; 0: all of them).
func ReadOverview(ctx context.Context, st emcdp.Store, now time.Time, limit int) (*Overview, error) {
	hs, ok := st.(emcdp.HistogramStore)
	if !ok {
		return nil, fmt.Errorf("this store cannot count sessions per time bucket")
	}
	since := emcdp.Ticks(now.Add(-day))
	o := &Overview{Now: now, Since: since}
	srv, err := st.Query(ctx, &emcdp.Query{Kind: emcdp.KindBackupServer})
	if err != nil {
		return nil, err
	}
	pol, err := st.Query(ctx, &emcdp.Query{Kind: emcdp.KindCdpPolicy})
	if err != nil {
		return nil, err
	}
	perServer := map[emcdp.ID]int{}
	for _, p := range pol.CdpPolicies {
		perServer[p.BackupServerID]++
	}
	for _, s := range srv.BackupServers {
		o.Servers = append(o.Servers, ServerRow{ID: s.ID.String(), Name: s.Name, Port: s.Port, Version: s.Version, Policies: perServer[s.ID]})
	}

	// The running policy sessions, and the ended problem tasks of the last
	// day: the worst of them per running session is the policy's state now.
	running, err := st.Query(ctx, &emcdp.Query{Kind: emcdp.KindCdpReplicaSession,
		Filter: mustParse(emcdp.KindCdpReplicaSession, "State==Working")})
	if err != nil {
		return nil, err
	}
	cur := map[emcdp.ID]emcdp.ID{} // policy → running session
	for _, s := range running.PolicySessions {
		cur[s.PolicyID] = s.ID
	}
	oldest := since
	for _, s := range running.PolicySessions {
		if s.CreationTime.Before(oldest) {
			oldest = s.CreationTime
		}
	}
	problems, err := st.Query(ctx, &emcdp.Query{Kind: emcdp.KindCdpReplicaTaskSession,
		Filter: mustParse(emcdp.KindCdpReplicaTaskSession,
			fmt.Sprintf("CreationTime>=%q;State==Completed;Result!=Success", stamp(oldest)))})
	if err != nil {
		return nil, err
	}
	worst := map[emcdp.ID]emcdp.Result{} // running session → worst ended result
	for _, t := range problems.TaskSessions {
		worst[t.PolicySessionID] = worst[t.PolicySessionID].Worse(t.Result)
	}
	cells, err := hs.TaskSessionHistogram(ctx, &emcdp.Histogram{From: since, To: now.Add(time.Nanosecond), Width: time.Hour})
	if err != nil {
		return nil, err
	}
	type agg struct {
		last24h map[string]int
		hours   []emcdp.Result
		running int
	}
	byPolicy := map[string]*agg{}
	for _, c := range cells {
		a := byPolicy[c.Group]
		if a == nil {
			a = &agg{last24h: map[string]int{}, hours: make([]emcdp.Result, 25)}
			byPolicy[c.Group] = a
		}
		a.last24h[c.Result.String()] += c.Count
		if c.Running {
			a.running += c.Count
		} else if c.Bucket < len(a.hours) {
			a.hours[c.Bucket] = a.hours[c.Bucket].Worse(c.Result)
		}
	}
	for _, p := range pol.CdpPolicies {
		row := PolicyRow{ID: p.ID.String(), Name: p.Name, Server: p.BackupServerName, RPO: p.Options.RPO().String(),
			VMs: len(p.Includes), NextRun: p.NextRun, State: emcdp.ResultNone.String(), Last24h: map[string]int{}}
		for _, o := range p.Includes {
			row.VMNames = append(row.VMNames, o.Name)
		}
		if sid, ok := cur[p.ID]; ok {
			row.Session = sid.String()
			row.State = emcdp.ResultSuccess.Worse(worst[sid]).String()
		}
		if a := byPolicy[row.ID]; a != nil {
			row.Last24h, row.Running = a.last24h, a.running
			for _, r := range a.hours[:24] {
				row.Hours = append(row.Hours, hourMark(r))
			}
		} else {
			row.Hours = make([]string, 24)
		}
		o.Policies = append(o.Policies, row)
	}
	sort.SliceStable(o.Policies, func(i, j int) bool { return rank(o.Policies[i].State) > rank(o.Policies[j].State) })
	o.PolicyCount, o.PolicyStates = len(o.Policies), map[string]int{}
	for _, p := range o.Policies {
		o.PolicyStates[p.State]++
	}
	if limit > 0 && len(o.Policies) > limit {
		o.Policies = o.Policies[:limit]
	}

	if err := readJobs(ctx, st, now, o); err != nil {
		return nil, err
	}
	if o.Report, err = report.Compute(ctx, st, now, emcdp.AllFrames); err != nil {
		return nil, err
	}
	for _, k := range []emcdp.Kind{emcdp.KindCdpReplicaSession, emcdp.KindCdpReplicaTaskSession,
		emcdp.KindBackupJobSession, emcdp.KindBackupTaskSession, emcdp.KindReplicaJobSession, emcdp.KindReplicaTaskSession} {
		rc, err := countResults(ctx, st, k, since)
		if err != nil {
			return nil, err
		}
		o.Counts = append(o.Counts, *rc)
	}
	return o, nil
}

func hourMark(r emcdp.Result) string {
	if r == emcdp.ResultNone {
		return ""
	}
	return r.String()
}

func rank(result string) int {
	i, _ := emcdp.ParseEnum(emcdp.ResultNames, result)
	return i
}

// countResults counts the sessions of kind k created since, per result and
// running, each through the query service with the filter it shows.
func countResults(ctx context.Context, st emcdp.Store, k emcdp.Kind, since time.Time) (*ResultCounts, error) {
	window := fmt.Sprintf("CreationTime>=%q", stamp(since))
	rc := &ResultCounts{Type: k.String(), Results: map[string]Count{}}
	var err error
	if rc.Total, err = count(ctx, st, k, window); err != nil {
		return nil, err
	}
	results := []emcdp.Result{emcdp.ResultSuccess, emcdp.ResultWarning, emcdp.ResultFailed}
	runState := "State==InProgress"
	if k == emcdp.KindCdpReplicaSession || k == emcdp.KindBackupJobSession || k == emcdp.KindReplicaJobSession {
		results = append([]emcdp.Result{emcdp.ResultNone}, results...)
		runState = "State==Working"
	}
	for _, r := range results {
		if rc.Results[r.String()], err = count(ctx, st, k, window+";Result=="+r.String()); err != nil {
			return nil, err
		}
	}
	if rc.Running, err = count(ctx, st, k, window+";"+runState); err != nil {
		return nil, err
	}
	return rc, nil
}

// count asks the query service for the number of rows of kind k that
// filter selects.
func count(ctx context.Context, st emcdp.Store, k emcdp.Kind, filter string) (Count, error) {
	e, err := query.Parse(k, filter)
	if err != nil {
		return Count{}, err
	}
	res, err := st.Query(ctx, &emcdp.Query{Kind: k, Filter: e, Page: 1, PageSize: 1})
	if err != nil {
		return Count{}, err
	}
	v := url.Values{"type": {k.String()}, "filter": {filter}}
	return Count{N: res.Total, Query: v.Encode()}, nil
}

// stamp writes t as the query service's filters take a time.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.0000000Z") }

// mustParse parses a filter this package writes itself.
func mustParse(k emcdp.Kind, filter string) emcdp.Expr {
	e, err := query.Parse(k, filter)
	if err != nil {
		panic(fmt.Sprintf("console: filter %q: %v", filter, err))
	}
	return e
}

// readJobs adds the jobs, with their last and running sessions, and the
// repositories to o.
func readJobs(ctx context.Context, st emcdp.Store, now time.Time, o *Overview) error {
	jobs, err := st.Query(ctx, &emcdp.Query{Kind: emcdp.KindJob})
	if err != nil {
		return err
	}
	rows := map[emcdp.ID]*JobRow{}
	o.Jobs = make([]JobRow, 0, len(jobs.Items))
	for _, it := range jobs.Items {
		j := it.(*emcdp.Job)
		r := JobRow{ID: j.ID.String(), Name: j.Name, Server: j.BackupServerName, Type: j.JobType.String(),
			VMs: len(j.Includes), Enabled: j.ScheduleEnabled}
		if !j.NextRun.IsZero() {
			t := j.NextRun
			r.NextRun = &t
		}
		o.Jobs = append(o.Jobs, r)
	}
	for i := range o.Jobs {
		id, _ := emcdp.ParseID(o.Jobs[i].ID)
		rows[id] = &o.Jobs[i]
	}
	// The sessions of the last days, newest first: the first ended one of a
	// job is its last, a running one is running.
	since := stamp(now.Add(-jobHistory))
	for _, k := range []emcdp.Kind{emcdp.KindBackupJobSession, emcdp.KindReplicaJobSession} {
		created, _ := emcdp.LookupField(k, "CreationTimeUTC")
		res, err := st.Query(ctx, &emcdp.Query{Kind: k, Sort: &created, Desc: true, Page: 1, PageSize: maxJobSessions,
			Filter: mustParse(k, fmt.Sprintf("CreationTime>=%q", since))})
		if err != nil {
			return err
		}
		for _, it := range res.Items {
			s := it.(*emcdp.JobSession)
			r := rows[s.JobID]
			if r == nil {
				continue
			}
			if s.EndTime.IsZero() {
				if r.Running == "" {
					r.Running = s.ID.String()
				}
				continue
			}
			if r.LastEnded == nil || s.EndTime.After(*r.LastEnded) {
				e := s.EndTime
				r.LastSession, r.LastResult, r.LastEnded = s.ID.String(), s.Result.String(), &e
			}
		}
	}
	repos, err := st.Query(ctx, &emcdp.Query{Kind: emcdp.KindRepository})
	if err != nil {
		return err
	}
	o.Repositories = make([]RepositoryRow, 0, len(repos.Items))
	for _, it := range repos.Items {
		r := it.(*emcdp.Repository)
		o.Repositories = append(o.Repositories, RepositoryRow{ID: r.ID.String(), Name: r.Name, Server: r.BackupServerName,
			Kind: r.Kind, Capacity: r.Capacity, Free: r.FreeSpace})
	}
	return nil
}
