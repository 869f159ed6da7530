package sim

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/emcdp/emcdp"
)

// This file makes the agents and NAS part of a backup server's world
// (monitoring.md §9): protection groups and the computers they discover,
// daily agent backup jobs over the groups and daily NAS jobs over 1–5
// shares, and the job sessions of their runs (BackupJobSessions of type
// AgentBackup and NasBackup, without task sessions). Every run is a pure
// function of its job's seed and its day, so the world is the same however
// it is advanced (seeded at once, resumed, or live in small steps).

// AgentsSpec declares the agents of a backup server.
type AgentsSpec struct {
	// Computers is the number of discovered computers (0–5000), in one
	// protection group per 50.
	Computers int
	// Jobs names the daily agent backup jobs; each backs up one group, in
	// turn.
	Jobs []string
}

// NasJobSpec declares one daily NAS (file share) backup job.
type NasJobSpec struct {
	Name   string
	Shares int // 1–5; 0 draws
}

// checkAgents checks the declared agents and NAS jobs: at most 5000
// computers and 20 jobs of each kind per server, job names non-empty,
// without '@' and unique per server among both kinds, 0–5 shares.
func (c *Config) checkAgents() error {
	for i := range c.Catalog {
		s := &c.Catalog[i]
		where := fmt.Sprintf("servers[%d]", i)
		if s.Agents.Computers < 0 || s.Agents.Computers > 5000 {
			return fmt.Errorf("sim: %s.agents: %d computers, give 0…5000", where, s.Agents.Computers)
		}
		if len(s.Agents.Jobs) > 20 || len(s.NasJobs) > 20 {
			return fmt.Errorf("sim: %s: at most 20 agent jobs and 20 NAS jobs", where)
		}
		if len(s.Agents.Jobs) > 0 && s.Agents.Computers == 0 {
			return fmt.Errorf("sim: %s.agents: agent jobs need computers to back up", where)
		}
		names := map[string]bool{}
		name := func(w, n string) error {
			if strings.TrimSpace(n) == "" || strings.Contains(n, "@") {
				return fmt.Errorf("sim: %s: job name %q is empty or holds '@'", w, n)
			}
			if names[strings.ToLower(n)] {
				return fmt.Errorf("sim: %s: job %q is declared twice", w, n)
			}
			names[strings.ToLower(n)] = true
			return nil
		}
		for k, n := range s.Agents.Jobs {
			if err := name(fmt.Sprintf("%s.agents.jobs[%d]", where, k), n); err != nil {
				return err
			}
		}
		for k, n := range s.NasJobs {
			w := fmt.Sprintf("%s.nasJobs[%d]", where, k)
			if err := name(w, n.Name); err != nil {
				return err
			}
			if n.Shares < 0 || n.Shares > 5 {
				return fmt.Errorf("sim: %s (%s): %d shares, give 0…5 (0 draws 1…5)", w, n.Name, n.Shares)
			}
		}
	}
	return nil
}

// agentServer is one server's agents and NAS world.
type agentServer struct {
	groups    []emcdp.AgentProtectionGroup
	computers []emcdp.DiscoveredComputer
	jobs      []*dailyJob
}

// dailyJob is an agent or NAS job that runs once a day at a fixed time.
type dailyJob struct {
	agent   *emcdp.Job    // an agent backup job, or
	nas     *emcdp.NasJob // a NAS job
	seed    uint64
	at      time.Duration // time of day of the scheduled start
	minRun  time.Duration // run lengths are log-uniform in minRun…maxRun
	maxRun  time.Duration
	typ     emcdp.JobType
	id      emcdp.ID
	name    string
	srvID   emcdp.ID
	srvName string
}

// agentRun is one run of a daily job.
type agentRun struct {
	id         emcdp.ID
	start, end time.Time
	result     emcdp.Result
}

// run returns the run of day d (days since the Unix epoch).
func (j *dailyJob) run(d int64) agentRun {
	r := rand.New(rand.NewPCG(j.seed, uint64(d)))
	start := time.Unix(d*86400, 0).UTC().Add(j.at + time.Duration(1+r.Int64N(int64(40*time.Second))))
	lo, hi := math.Log(float64(j.minRun)), math.Log(float64(j.maxRun))
	length := time.Duration(math.Exp(lo + (hi-lo)*r.Float64()))
	res := emcdp.ResultSuccess
	switch x := r.Float64(); {
	case x < 0.04:
		res = emcdp.ResultFailed
	case x < 0.11:
		res = emcdp.ResultWarning
	}
	return agentRun{id: newID(r), start: us(start), end: us(start.Add(length)), result: res}
}

// nextRun is the scheduled start after t.
func (j *dailyJob) nextRun(t time.Time) time.Time {
	s := t.UTC().Truncate(day).Add(j.at)
	if !s.After(t) {
		s = s.Add(day)
	}
	return s
}

// row returns the job's row with its NextRun after t.
func (j *dailyJob) row(t time.Time) (emcdp.Job, emcdp.NasJob) {
	if j.agent != nil {
		row := *j.agent
		row.Includes = append([]emcdp.ObjectInJob(nil), j.agent.Includes...)
		row.NextRun = j.nextRun(t)
		return row, emcdp.NasJob{}
	}
	row := *j.nas
	row.Includes = append([]emcdp.NasObject(nil), j.nas.Includes...)
	row.NextRun = j.nextRun(t)
	return emcdp.Job{}, row
}

// session is a run's job session as it reads at t (phase ≠ phaseNone).
func (j *dailyJob) session(run *agentRun, t time.Time) emcdp.JobSession {
	s := emcdp.JobSession{ID: run.id, Name: emcdp.SessionName(j.name, run.start), JobID: j.id, JobName: j.name,
		JobType: j.typ, BackupServerID: j.srvID, BackupServerName: j.srvName, CreationTime: run.start,
		State: emcdp.SessionWorking, Result: emcdp.ResultNone}
	if !t.Before(run.end) {
		s.State, s.EndTime, s.Result, s.Progress = emcdp.SessionStopped, run.end, run.result, 100
	}
	return s
}

func (run *agentRun) phase(t time.Time) int {
	switch {
	case t.Before(run.start):
		return phaseNone
	case t.Before(run.end):
		return phaseWorking
	}
	return phaseEnded
}

// agentState advances one server's agent and NAS jobs.
type agentState struct {
	as    *agentServer
	start time.Time // the world's start: no run before it
	at    time.Time
}

// advance emits the sessions of the server's agent and NAS jobs that
// started, or ended, between s.at and t2, each as it reads at t2, and, when
// live, the jobs whose NextRun moved.
func (s *agentState) advance(ctx context.Context, t2 time.Time, out *emitter, live bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !s.at.IsZero() && !t2.After(s.at) {
		return nil
	}
	a := s.at
	from := a
	if from.IsZero() {
		from = s.start
	}
	for _, j := range s.as.jobs {
		for d := from.Unix()/86400 - 1; d <= t2.Unix()/86400; d++ {
			run := j.run(d)
			if run.start.Before(s.start) {
				continue
			}
			pa, pb := phaseNone, run.phase(t2)
			if !a.IsZero() {
				pa = run.phase(a)
			}
			if pa == pb || !out.take() {
				continue
			}
			if pa == phaseNone {
				out.b.NewJobSessions = append(out.b.NewJobSessions, j.session(&run, t2))
			} else {
				out.b.UpdJobSessions = append(out.b.UpdJobSessions, j.session(&run, t2))
			}
		}
		if live && !a.IsZero() && !j.nextRun(a).Equal(j.nextRun(t2)) && out.take() {
			aj, nj := j.row(t2)
			if j.agent != nil {
				out.b.Jobs = append(out.b.Jobs, aj)
			} else {
				out.b.NasJobs = append(out.b.NasJobs, nj)
			}
		}
		if err := out.maybeFlush(ctx); err != nil {
			return err
		}
	}
	s.at = t2
	return out.maybeFlush(ctx)
}

// catalogue adds the server's groups, computers and jobs (NextRun after
// now) to b.
func (as *agentServer) catalogue(b *emcdp.Batch, now time.Time) {
	b.ProtectionGroups = append(b.ProtectionGroups, as.groups...)
	b.DiscoveredComputers = append(b.DiscoveredComputers, as.computers...)
	for _, j := range as.jobs {
		aj, nj := j.row(now)
		if j.agent != nil {
			b.Jobs = append(b.Jobs, aj)
		} else {
			b.NasJobs = append(b.NasJobs, nj)
		}
	}
}

// generateAgents gives each generated server 8–48 computers, one or two
// agent jobs and one or two NAS jobs.
func generateAgents(r *rand.Rand, specs []ServerSpec) {
	for si := range specs {
		ss := &specs[si]
		ss.Agents.Computers = 8 + r.IntN(41)
		for k := range 1 + r.IntN(2) {
			ss.Agents.Jobs = append(ss.Agents.Jobs, fmt.Sprintf("Agents - %s %02d", pick(r, []string{"Windows servers", "Linux servers", "Workstations"}), si*2+k+1))
		}
		for k := range 1 + r.IntN(2) {
			ss.NasJobs = append(ss.NasJobs, NasJobSpec{Name: fmt.Sprintf("NAS - file shares %02d", si*2+k+1)})
		}
	}
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

var (
	windowsOS = []string{"Microsoft Windows Server 2022 (21H2, 64-bit)", "Microsoft Windows Server 2019 (1809, 64-bit)",
		"Microsoft Windows 11 Enterprise (23H2, 64-bit)", "Microsoft Windows Server 2016 (1607, 64-bit)"}
	linuxOS = []string{"Red Hat Enterprise Linux 9.6 (Plow)", "Ubuntu 24.04.2 LTS", "Debian GNU/Linux 12 (bookworm)",
		"SUSE Linux Enterprise Server 15 SP6"}
	agentVersions = []string{"6.3.0.177", "6.3.1.1074", "6.3.2.1307", "6.3.2.1307", "6.3.3.38"}
)

// buildAgents expands the agents and NAS specs of the servers of w into
// w.agents, drawing from r. NAS and agent jobs write to the server's
// default repository when it has a regular VBR world.
func (w *world) buildAgents(specs []ServerSpec, r *rand.Rand) {
	for si := range specs {
		ss := &specs[si]
		if ss.Agents.Computers == 0 && len(ss.Agents.Jobs) == 0 && len(ss.NasJobs) == 0 {
			continue
		}
		srv := &w.servers[si]
		var repo emcdp.ID
		for _, vs := range w.vbr {
			if vs.srv == srv && len(vs.repos) > 0 {
				repo = vs.repos[0].row.ID
			}
		}
		as := &agentServer{}
		domain := strings.TrimPrefix(srv.Name[strings.IndexByte(srv.Name+".", '.'):], ".")
		if domain == "" {
			domain = "lab.local"
		}
		groups := max(1, (ss.Agents.Computers+49)/50)
		for g := range groups {
			name := "Servers"
			if g > 0 {
				name = fmt.Sprintf("Servers %02d", g+1)
			}
			as.groups = append(as.groups, emcdp.AgentProtectionGroup{ID: newID(r), Name: name, BackupServerID: srv.ID,
				BackupServerName: srv.Name, RescanScheduleEnabled: r.IntN(5) > 0,
				HierarchyObjRef: "urn:AgentForWindows:AgentProtectionGroup:00000000-0000-0000-0000-000000000000." + newID(r).String()})
		}
		for c := range ss.Agents.Computers {
			g := &as.groups[c/50]
			linux := r.IntN(3) == 0
			os, role := pick(r, windowsOS), pick(r, []string{"app", "fs", "sql", "web", "ws"})
			if linux {
				os, role = pick(r, linuxOS), pick(r, []string{"app-lnx", "db-lnx", "web-lnx"})
			}
			dc := emcdp.DiscoveredComputer{ID: newID(r), Name: fmt.Sprintf("%s-%02d-%02d.%s", role, si+1, c+1, domain),
				BackupServerID: srv.ID, BackupServerName: srv.Name, ProtectionGroupID: g.ID, ProtectionGroupName: g.Name,
				HostStatus: "Online", AgentVersion: pick(r, agentVersions), AgentStatus: "Installed", OsVersion: os,
				IpAddress: fmt.Sprintf("10.%d.%d.%d", 20+si%200, 30+c/250, 1+c%250)}
			if r.IntN(12) == 0 {
				dc.HostStatus = "Offline"
			}
			switch x := r.Float64(); {
			case x < 0.04:
				dc.AgentStatus, dc.AgentVersion = "NotInstalled", ""
			case x < 0.06:
				dc.AgentStatus = "Failed"
			}
			dc.HierarchyObjRef = emcdp.ComputerObjRef(dc.ID)
			as.computers = append(as.computers, dc)
		}
		sched := func(at time.Duration) emcdp.JobSchedule {
			return emcdp.JobSchedule{Kind: emcdp.ScheduleDaily, DailyKind: "Everyday", At: at, RetryTimes: 3,
				RetryTimeout: 10, RetrySpecified: true, Saved: w.start.Truncate(day)}
		}
		for k, name := range ss.Agents.Jobs {
			g := &as.groups[k%len(as.groups)]
			at := time.Duration(19+r.IntN(5))*time.Hour + time.Duration(r.IntN(4))*15*time.Minute
			guest := emcdp.GuestProcessingOptions{VssSnapshotMode: "RequireSuccess"}
			job := &emcdp.Job{ID: newID(r), Name: name, JobType: emcdp.JobAgentBackup, Platform: "AgentForWindows",
				Description: "Created by LAB\\backupadmin.", BackupServerID: srv.ID, BackupServerName: srv.Name,
				ScheduleConfigured: true, ScheduleEnabled: true, Schedule: sched(at), RepositoryID: repo,
				Retention: emcdp.JobRetention{RetainCycles: 7 + r.IntN(24), RetainDaysToKeep: 7, RetainLimitType: "Cycles"},
				Guest:     guest}
			if strings.Contains(name, "Linux") {
				job.Platform = "AgentForLinux"
			}
			job.Includes = []emcdp.ObjectInJob{{ID: newID(r), PolicyID: job.ID, Name: g.Name, DisplayName: g.Name, Guest: guest}}
			as.jobs = append(as.jobs, &dailyJob{agent: job, seed: r.Uint64(), at: at, minRun: 5 * time.Minute,
				maxRun: 90 * time.Minute, typ: emcdp.JobAgentBackup, id: job.ID, name: name, srvID: srv.ID, srvName: srv.Name})
		}
		for _, ns := range ss.NasJobs {
			at := time.Duration(20+r.IntN(4))*time.Hour + time.Duration(r.IntN(2))*30*time.Minute
			job := &emcdp.NasJob{ID: newID(r), Name: ns.Name, Description: "Created by LAB\\backupadmin.",
				BackupServerID: srv.ID, BackupServerName: srv.Name, ScheduleConfigured: true, ScheduleEnabled: true,
				Schedule: sched(at), RepositoryID: repo, ShortTermRetentionType: "Day", ShortTermRetentionPeriod: 14 + 7*r.IntN(3),
				FileAttributesChangeTrackingMode: "TrackOnlyFolderAttributesChanges"}
			shares := ns.Shares
			if shares == 0 {
				shares = 1 + r.IntN(5)
			}
			fs := fmt.Sprintf(`\\fs%02d.%s`, si+1, domain)
			for k := range shares {
				share := pick(r, []string{"shares", "homes", "projects", "finance", "scans", "public"})
				job.Includes = append(job.Includes, emcdp.NasObject{ID: newID(r),
					HierarchyObjRef: "urn:NasBackup:BackupServer:" + newID(r).String(),
					FileOrFolder:    fmt.Sprintf(`%s\%s%d`, fs, share, k+1), FileServerUID: "urn:veeam:FileServer:" + newID(r).String(),
					InclusionMask: []string{"*.*"}, ExclusionMask: []string{fmt.Sprintf(`%s\%s%d\~snapshot`, fs, share, k+1)}})
			}
			as.jobs = append(as.jobs, &dailyJob{nas: job, seed: r.Uint64(), at: at, minRun: 10 * time.Minute,
				maxRun: 5 * time.Hour, typ: emcdp.JobNasBackup, id: job.ID, name: ns.Name, srvID: srv.ID, srvName: srv.Name})
		}
		w.agents = append(w.agents, as)
	}
}
