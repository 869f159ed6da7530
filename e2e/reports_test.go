package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	emclient "github.com/emcdp/emcdp/client"
	"github.com/emcdp/emcdp/emcdptest"
	"github.com/emcdp/emcdp/postgres"
	"github.com/emcdp/emcdp/report"
	"github.com/emcdp/emcdp/sim"
	"github.com/emcdp/emcdp/wire"
)

// reportNow is the request time the worlds of the report tests are seeded up to.
var reportNow = time.Date(2026, 6, 15, 22, 1, 0, 0, time.UTC)

// TestReportsAgreeWithCollections serves the demo world and a seeded world
// from each store, and checks every figure of the summary report against
// counts taken through the collections and the query service for the same
// period; then advances the simulated world (runs start and end, tasks
// leave points, retention removes old ones, sessions leave the 30-day
// window) and checks again, and once more after a reset of the world.
func TestReportsAgreeWithCollections(t *testing.T) {
	seeded := sim.Config{Seed: 42, Days: 9, Servers: 2, PoliciesPerServer: 1, VMsPerPolicy: 2,
		Jobs: sim.JobsConfig{PerServer: 5, VMsPerJob: 3}}
	worlds := []struct {
		name string
		cfg  sim.Config
	}{{"demo", sim.Demo()}, {"seeded", seeded}}
	stores := []struct {
		name string
		open func(t *testing.T) emcdp.Store
	}{
		{"sqlite", func(*testing.T) emcdp.Store { return nil }},
		{"postgres", func(t *testing.T) emcdp.Store {
			db, err := postgres.Open(context.Background(), freshSchema(t, testURL(t)))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		}},
	}
	for _, st := range stores {
		for _, w := range worlds {
			t.Run(st.name+"/"+w.name, func(t *testing.T) {
				opts := []emcdptest.Option{emcdptest.WithWorld(w.cfg, w.name), emcdptest.WithNow(reportNow),
					emcdptest.WithProfile(wire.V13)}
				if db := st.open(t); db != nil {
					opts = append(opts, emcdptest.WithStore(db))
				}
				s := emcdptest.Start(t, opts...)
				checkReports(t, s, "seeded")
				for _, d := range []time.Duration{7 * time.Hour, 30 * time.Hour} {
					s.Advance(t, d)
					checkReports(t, s, "advanced "+d.String())
				}
				s.Reset(t)
				checkReports(t, s, "reset")
			})
		}
	}
}

// Decoded answers; encoding/json matches the v13 camelCase keys too.
type (
	apiLink struct{ Rel, Href, Name, Type string }
	session struct {
		UID, JobUid, JobName, JobType, Result, State string
		CreationTimeUTC, EndTimeUTC                  *time.Time
	}
	taskSession struct {
		VmDisplayName, Result string
		EndTimeUTC            *time.Time
		TotalSize             int64
		Links                 []apiLink
	}
)

// checkReports compares the report at the world's instant with what the
// collections and the query service answer.
func checkReports(t *testing.T, s *emcdptest.Server, when string) {
	t.Helper()
	ctx := context.Background()
	c := s.Client(t)
	now := s.Clock().Now()
	since := now.Add(-report.Period)
	get := func(path string, v any) {
		t.Helper()
		if err := c.Get(ctx, path, v); err != nil {
			t.Fatalf("%s: GET %s: %v", when, path, err)
		}
	}
	all := func(typ, filter string, v any) {
		t.Helper()
		var items []json.RawMessage
		if err := c.QueryAll(ctx, emclient.Query{Type: typ, Filter: filter, PageSize: 1000}, func(it json.RawMessage) error {
			items = append(items, it)
			return nil
		}); err != nil {
			t.Fatalf("%s: query %s %s: %v", when, typ, filter, err)
		}
		b, _ := json.Marshal(items)
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatal(err)
		}
	}
	lit := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.999999999Z") }
	period := "EndTime>=" + lit(since) + ";EndTime<=" + lit(now)

	var ov emcdp.OverviewReport
	var vo emcdp.VmsOverviewReport
	var js emcdp.JobStatisticsReport
	var pv struct {
		Days []struct {
			BackupedVms, ReplicatedVms int
			Timestamp                  string
		}
	}
	var rp struct {
		Periods []emcdp.ReportRepository
	}
	get("/api/reports/summary/overview", &ov)
	get("/api/reports/summary/vms_overview", &vo)
	get("/api/reports/summary/job_statistics", &js)
	get("/api/reports/summary/processed_vms", &pv)
	get("/api/reports/summary/repository", &rp)

	// Runs of the period, running runs, scheduled jobs.
	var runs []session
	var bs, rs []session
	all("BackupJobSession", period, &bs)
	all("ReplicaJobSession", period, &rs)
	runs = append(runs, rs...)
	for _, r := range bs {
		if r.JobType == "Backup" || r.JobType == "BackupCopy" || r.JobType == "ImmediateBackupCopy" {
			runs = append(runs, r)
		}
	}
	want := emcdp.JobStatisticsReport{}
	for _, r := range runs {
		switch r.Result {
		case "Success":
			want.SuccessfulJobRuns++
		case "Warning":
			want.WarningsJobRuns++
		case "Failed":
			want.FailedJobRuns++
		}
		d := report.Duration(*r.CreationTimeUTC, *r.EndTimeUTC)
		want.MaxJobDuration = max(want.MaxJobDuration, d)
		dur, name := &want.MaxBackupJobDuration, &want.MaxDurationBackupJobName
		if r.JobType == "Replica" {
			dur, name = &want.MaxReplicaJobDuration, &want.MaxDurationReplicaJobName
		}
		if *name == "" || d > *dur || d == *dur && r.JobName < *name {
			*dur, *name = d, r.JobName
		}
	}
	want.TotalJobRuns = want.SuccessfulJobRuns + want.WarningsJobRuns + want.FailedJobRuns
	if want.TotalJobRuns != len(runs) {
		t.Errorf("%s: %d runs of the period have no result", when, len(runs)-want.TotalJobRuns)
	}
	bs, rs = nil, nil
	all("BackupJobSession", "State!=Stopped", &bs)
	all("ReplicaJobSession", "State!=Stopped", &rs)
	jobsRunning := map[string]bool{}
	for _, r := range append(bs, rs...) {
		if r.JobType != "AgentBackup" && r.JobType != "AgentManagement" && r.JobType != "NasBackup" {
			jobsRunning[r.JobUid] = true
		}
	}
	want.RunningJobs = len(jobsRunning)
	var jobs struct {
		Jobs []struct {
			JobType                             string
			ScheduleConfigured, ScheduleEnabled bool
		}
	}
	get("/api/jobs?format=Entity", &jobs)
	for _, j := range jobs.Jobs {
		if !j.ScheduleConfigured || !j.ScheduleEnabled {
			continue
		}
		if j.JobType == "Replica" {
			want.ScheduledReplicaJobs++
		} else {
			want.ScheduledBackupJobs++
		}
	}
	want.ScheduledJobs = want.ScheduledBackupJobs + want.ScheduledReplicaJobs
	if js != want {
		t.Errorf("%s: job_statistics\n got %+v\nwant %+v", when, js, want)
	}

	// Tasks: latest states, the success share, the processed days.
	var bts, rts []taskSession
	firstDay := now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -(report.Days - 1))
	from := firstDay
	if since.Before(from) {
		from = since
	}
	all("BackupTaskSession", "EndTime>="+lit(from)+";EndTime<="+lit(now), &bts)
	all("ReplicaTaskSession", "EndTime>="+lit(from)+";EndTime<="+lit(now), &rts)
	latest := map[string]taskSession{}
	backed, replicated := map[string]bool{}, map[string]bool{}
	var finished, succeeded int
	for i, ts := range append(bts, rts...) {
		end := *ts.EndTimeUTC
		if ts.Result == "Success" || ts.Result == "Warning" {
			key := end.UTC().Format(time.DateOnly) + "/" + ts.VmDisplayName
			if i < len(bts) {
				backed[key] = true
			} else {
				replicated[key] = true
			}
		}
		if end.Before(since) {
			continue
		}
		if i < len(bts) {
			finished++
			if ts.Result == "Success" {
				succeeded++
			}
		}
		if l, ok := latest[ts.VmDisplayName]; !ok || !end.Before(*l.EndTimeUTC) {
			latest[ts.VmDisplayName] = ts
		}
	}
	states := map[string]int{}
	for _, ts := range latest {
		states[ts.Result]++
	}
	wantOv := emcdp.OverviewReport{RunningJobs: want.RunningJobs, ScheduledJobs: want.ScheduledJobs,
		SuccessfulVmLastestStates: states["Success"], WarningVmLastestStates: states["Warning"],
		FailedVmLastestStates: states["Failed"]}
	var servers struct{ BackupServers []struct{ Name string } }
	get("/api/backupServers?format=Entity", &servers)
	var repos struct {
		Repositories []struct {
			UID, Name           string
			Capacity, FreeSpace int64
		}
	}
	get("/api/repositories?format=Entity", &repos)
	wantOv.BackupServers, wantOv.RepositoryServers = len(servers.BackupServers), len(repos.Repositories)
	wantOv.ProxyServers = 3 * wantOv.BackupServers // the simulator's default per server
	if ov != wantOv {
		t.Errorf("%s: overview\n got %+v\nwant %+v", when, ov, wantOv)
	}
	if len(pv.Days) != report.Days {
		t.Fatalf("%s: processed_vms has %d days", when, len(pv.Days))
	}
	for i, d := range pv.Days {
		day := firstDay.AddDate(0, 0, report.Days-1-i)
		wantStamp := day.Format("2006-01-02T15:04:05-07:00")
		nb, nr := 0, 0
		for k := range backed {
			if strings.HasPrefix(k, day.Format(time.DateOnly)+"/") {
				nb++
			}
		}
		for k := range replicated {
			if strings.HasPrefix(k, day.Format(time.DateOnly)+"/") {
				nr++
			}
		}
		if d.Timestamp != wantStamp || d.BackupedVms != nb || d.ReplicatedVms != nr {
			t.Errorf("%s: processed_vms day %d = %+v, want %s %d backed up, %d replicated", when, i, d, wantStamp, nb, nr)
		}
	}

	// Points, files and sizes.
	var points []struct {
		Name, Href      string
		CreationTimeUTC time.Time
	}
	all("VmRestorePoint", "", &points)
	var allTasks []taskSession
	all("BackupTaskSession", "", &allTasks)
	sizeOf := map[string]int64{} // VM restore point → the TotalSize of the task that made it
	for _, ts := range allTasks {
		for _, l := range ts.Links {
			if l.Rel == "Related" && l.Type == "VmRestorePoint" {
				sizeOf[strings.TrimSuffix(l.Href, "?format=Entity")] = ts.TotalSize
			}
		}
	}
	newest := map[string]int{}
	inPeriod := 0
	for i, p := range points {
		vm := p.Name[:strings.LastIndex(p.Name, "@")]
		if j, ok := newest[vm]; !ok || p.CreationTimeUTC.After(points[j].CreationTimeUTC) {
			newest[vm] = i
		}
		if !p.CreationTimeUTC.Before(since) && !p.CreationTimeUTC.After(now) {
			inPeriod++
		}
	}
	wantVo := emcdp.VmsOverviewReport{ProtectedVms: len(newest), BackedUpVms: len(newest), RestorePoints: inPeriod,
		SuccessBackupPercents: 100}
	for _, i := range newest {
		size, ok := sizeOf[strings.TrimSuffix(points[i].Href, "?format=Entity")]
		if !ok {
			t.Fatalf("%s: no task links the point %s", when, points[i].Href)
		}
		wantVo.SourceVmsSize += size
	}
	if finished > 0 {
		wantVo.SuccessBackupPercents = (200*succeeded + finished) / (2 * finished)
	}
	var backups []struct {
		UID   string
		Links []apiLink
	}
	all("Backup", "", &backups)
	repoOf := map[string]string{} // backup id → repository id
	for _, b := range backups {
		for _, l := range b.Links {
			if l.Type == "RepositoryReference" {
				repoOf[lastSeg(b.UID)] = lastSeg(l.Href)
			}
		}
	}
	var files []struct {
		BackupSize int64
		FileType   string
		Links      []apiLink
	}
	all("BackupFile", "", &files)
	repoSize := map[string]int64{}
	for _, f := range files {
		if f.FileType == "vbk" {
			wantVo.FullBackupPointsSize += f.BackupSize
		} else {
			wantVo.IncrementalBackupPointsSize += f.BackupSize
		}
		for _, l := range f.Links {
			if l.Type == "BackupReference" {
				repoSize[repoOf[lastSeg(l.Href)]] += f.BackupSize
			}
		}
	}
	if vo != wantVo {
		t.Errorf("%s: vms_overview\n got %+v\nwant %+v", when, vo, wantVo)
	}
	var wantRp []emcdp.ReportRepository
	for _, r := range repos.Repositories {
		wantRp = append(wantRp, emcdp.ReportRepository{Name: r.Name, Capacity: r.Capacity, FreeSpace: r.FreeSpace,
			BackupSize: repoSize[lastSeg(r.UID)]})
	}
	if len(rp.Periods) != len(wantRp) {
		t.Fatalf("%s: repository report has %d periods, want %d", when, len(rp.Periods), len(wantRp))
	}
	for i := range wantRp {
		if rp.Periods[i] != wantRp[i] {
			t.Errorf("%s: repository %d = %+v, want %+v", when, i, rp.Periods[i], wantRp[i])
		}
	}
	t.Logf("%s at %s: %+v %+v %+v", when, now.Format(time.RFC3339), ov, js, vo)
	if js.TotalJobRuns == 0 && when == "seeded" {
		t.Errorf("%s: the world ran no job in the last day; the test compares nothing", when)
	}
}

// lastSeg returns the id at the end of an Href or a UID.
func lastSeg(s string) string {
	s = strings.TrimSuffix(s, "?format=Entity")
	return strings.ToLower(s[strings.LastIndexAny(s, "/:")+1:])
}
