package storetest

import (
	"math/rand/v2"
	"slices"
	"time"

	"github.com/emcdp/emcdp"
)

// addAgents adds protection groups, discovered computers, agent backup
// jobs, NAS jobs and sessions of both to d, with names equal up to letter
// case and absent values. It draws from its own generator, so that the rest
// of the dataset stays as it was.
func addAgents(r *rand.Rand, d *Dataset, n int) {
	micro := func(t time.Time) time.Time { return t.Truncate(time.Microsecond) }
	pgNames := []string{"Servers", "servers", "Workstations", "Linux & Co", "Ärzte-PCs"}
	for i := 0; i < 1+n/2; i++ {
		s := pick(r, d.Servers)
		d.ProtectionGroups = append(d.ProtectionGroups, emcdp.AgentProtectionGroup{ID: newID(r), Name: pick(r, pgNames),
			BackupServerID: s.ID, BackupServerName: s.Name, RescanScheduleEnabled: r.IntN(2) == 0,
			HierarchyObjRef: "urn:AgentForWindows:AgentProtectionGroup:00000000-0000-0000-0000-000000000000." + newID(r).String()})
	}
	hosts := []string{"app-lnx-01.lab.local", "APP-LNX-01.lab.local", "fs-win-02.lab.local", "ws-Ä.lab.local"}
	for i := 0; i < 2*n; i++ {
		g := pick(r, d.ProtectionGroups)
		c := emcdp.DiscoveredComputer{ID: newID(r), Name: pick(r, hosts), BackupServerID: g.BackupServerID,
			BackupServerName: g.BackupServerName, ProtectionGroupID: g.ID, ProtectionGroupName: g.Name,
			HostStatus: pick(r, []string{"Online", "Offline"}), AgentVersion: pick(r, []string{"6.3.2.1307", "6.3.3.38", ""}),
			AgentStatus: pick(r, []string{"Installed", "NotInstalled", "Failed"}),
			OsVersion:   pick(r, []string{"Microsoft Windows Server 2022 (21H2, 64-bit)", "Ubuntu 24.04 LTS"}),
			IpAddress:   pick(r, []string{"10.20.30.41", "10.20.30.5", ""})}
		c.HierarchyObjRef = emcdp.ComputerObjRef(c.ID)
		d.Computers = append(d.Computers, c)
	}
	sched := emcdp.JobSchedule{Kind: emcdp.ScheduleDaily, DailyKind: "Everyday", At: 22 * time.Hour, RetryTimes: 3,
		RetryTimeout: 10, RetrySpecified: true}
	var owners []struct {
		id   emcdp.ID
		name string
		typ  emcdp.JobType
		srv  *emcdp.BackupServer
	}
	for i := 0; i < n; i++ {
		s := &d.Servers[r.IntN(len(d.Servers))]
		j := emcdp.Job{ID: newID(r), Name: pick(r, []string{"Agents - Windows", "agents - windows", "Linux agents"}),
			JobType: emcdp.JobAgentBackup, Platform: pick(r, []string{"AgentForWindows", "AgentForLinux"}),
			Description: pick(r, []string{"", "nightly"}), BackupServerID: s.ID, BackupServerName: s.Name,
			ScheduleConfigured: true, ScheduleEnabled: r.IntN(3) > 0, Schedule: sched,
			Retention: emcdp.JobRetention{RetainCycles: 7, RetainLimitType: "Cycles"},
			Guest:     emcdp.GuestProcessingOptions{VssSnapshotMode: "RequireSuccess"}}
		if r.IntN(2) == 0 {
			j.NextRun = micro(Base.Add(time.Duration(r.Int64N(int64(48 * time.Hour)))))
		}
		g := pick(r, d.ProtectionGroups)
		j.Includes = []emcdp.ObjectInJob{{ID: newID(r), PolicyID: j.ID, Name: g.Name, DisplayName: g.Name,
			Guest: emcdp.GuestProcessingOptions{VssSnapshotMode: "RequireSuccess"}}}
		d.Jobs = append(d.Jobs, j)
		owners = append(owners, struct {
			id   emcdp.ID
			name string
			typ  emcdp.JobType
			srv  *emcdp.BackupServer
		}{j.ID, j.Name, j.JobType, s})

		nj := emcdp.NasJob{ID: newID(r), Name: pick(r, []string{"FS01 shares", "fs01 SHARES", "NAS & homes"}),
			Description: pick(r, []string{"", "weekly"}), BackupServerID: s.ID, BackupServerName: s.Name,
			ScheduleConfigured: true, ScheduleEnabled: r.IntN(3) > 0, Schedule: sched,
			ShortTermRetentionType: "Day", ShortTermRetentionPeriod: 7 + r.IntN(30),
			FileAttributesChangeTrackingMode: "TrackOnlyFolderAttributesChanges"}
		if r.IntN(2) == 0 {
			nj.NextRun = micro(Base.Add(time.Duration(r.Int64N(int64(48 * time.Hour)))))
		}
		for k, m := 0, 1+r.IntN(3); k < m; k++ {
			nj.Includes = append(nj.Includes, emcdp.NasObject{ID: newID(r), FileOrFolder: `\\fs01\share` + string(rune('a'+k)),
				HierarchyObjRef: "urn:NasBackup:BackupServer:" + newID(r).String(), FileServerUID: "urn:veeam:FileServer:" + newID(r).String(),
				InclusionMask: []string{"*.*"}})
		}
		d.NasJobs = append(d.NasJobs, nj)
		owners = append(owners, struct {
			id   emcdp.ID
			name string
			typ  emcdp.JobType
			srv  *emcdp.BackupServer
		}{nj.ID, nj.Name, emcdp.JobNasBackup, s})
	}
	for i := 0; i < 4*n; i++ {
		o := pick(r, owners)
		created := micro(Base.Add(time.Duration(r.Int64N(int64(72*time.Hour))) - 36*time.Hour))
		s := emcdp.JobSession{ID: newID(r), Name: emcdp.JobSessionName(o.name, created), JobID: o.id, JobName: o.name,
			JobType: o.typ, BackupServerID: o.srv.ID, BackupServerName: o.srv.Name, CreationTime: created,
			State: emcdp.SessionState(r.IntN(len(emcdp.SessionStateNames))), Result: emcdp.Result(r.IntN(len(emcdp.ResultNames))),
			Progress: r.IntN(101)}
		if r.IntN(4) > 0 {
			s.EndTime = micro(created.Add(time.Duration(r.Int64N(int64(3 * time.Hour)))))
		}
		d.JobSessions = append(d.JobSessions, s)
	}
}

// agentBatch adds the agent and NAS rows of d to b.
func (d *Dataset) agentBatch(b *emcdp.Batch) {
	b.ProtectionGroups = slices.Clone(d.ProtectionGroups)
	b.DiscoveredComputers = slices.Clone(d.Computers)
	b.NasJobs = slices.Clone(d.NasJobs)
}
