package wire

import (
	"testing"
	"time"

	emcdp "github.com/emcdp/emcdp"
)

// agentWorld is the agents and NAS part of the fixture of
// testdata/vbr2/README.md: pg1, dc1, dc2, ajob1, njob1, abjs1, nbjs1.
type agentWorld struct {
	pg   emcdp.AgentProtectionGroup
	dcs  []emcdp.DiscoveredComputer
	ajob emcdp.Job
	njob emcdp.NasJob
	abjs emcdp.JobSession
	nbjs emcdp.JobSession
}

func newAgentWorld(t testing.TB) *agentWorld {
	w := newVBRWorld(t)
	T := func(s string) time.Time { return mustTime(t, s) }
	id := func(s string) emcdp.ID { return mustID(t, s) }
	srv, job1 := &w.srv, &w.jobs[0]
	a := &agentWorld{}
	a.pg = emcdp.AgentProtectionGroup{ID: id("1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"), Name: "Servers & workstations",
		BackupServerID: srv.ID, BackupServerName: srv.Name, RescanScheduleEnabled: true,
		HierarchyObjRef: "urn:AgentForWindows:AgentProtectionGroup:00000000-0000-0000-0000-000000000000.2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f"}
	dc := func(sid, name, host, ver, os, ip string) emcdp.DiscoveredComputer {
		c := emcdp.DiscoveredComputer{ID: id(sid), Name: name, BackupServerID: srv.ID, BackupServerName: srv.Name,
			ProtectionGroupID: a.pg.ID, ProtectionGroupName: a.pg.Name, HostStatus: host, AgentVersion: ver,
			AgentStatus: "Installed", OsVersion: os, IpAddress: ip}
		c.HierarchyObjRef = emcdp.ComputerObjRef(c.ID)
		return c
	}
	a.dcs = []emcdp.DiscoveredComputer{
		dc("0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d", "app-lnx-01.lab.local", "Online", "6.3.2.1307", "Red Hat Enterprise Linux 9.6 (Plow)", "10.20.30.41"),
		dc("7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2910", "fs-win-02.lab.local", "Offline", "6.3.3.38", "Microsoft Windows Server 2022 (21H2, 64-bit)", "10.20.30.42"),
	}
	vss := emcdp.GuestProcessingOptions{VssSnapshotMode: "RequireSuccess"}
	a.ajob = emcdp.Job{ID: id("3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7"), Name: "Agents - Windows servers", JobType: emcdp.JobAgentBackup,
		Platform: "AgentForWindows", Description: `Created by LAB\backupadmin at 2/3/2026 8:00 AM.`,
		ScheduleConfigured: true, ScheduleEnabled: true, NextRun: T("2026-06-15T22:00:00Z"), Schedule: job1.Schedule,
		Retention: emcdp.JobRetention{RetainCycles: 7, RetainDaysToKeep: 7, RetainLimitType: "Cycles"}, Guest: vss,
		BackupServerID: srv.ID, BackupServerName: srv.Name}
	a.ajob.Includes = []emcdp.ObjectInJob{{ID: id("4f5a6b7c-8d9e-4fa0-b1c2-d3e4f5a6b7c8"), PolicyID: a.ajob.ID,
		Name: a.pg.Name, DisplayName: a.pg.Name, Guest: vss}}
	a.njob = emcdp.NasJob{ID: id("6b7c8d9e-af0b-4c1d-9e2f-3a4b5c6d7e8f"), Name: "FS01 shares & homes",
		Description: `Created by LAB\backupadmin at 2/3/2026 8:30 AM.`, ScheduleConfigured: true, ScheduleEnabled: true,
		NextRun: T("2026-06-15T22:00:00Z"), Schedule: job1.Schedule, BackupServerID: srv.ID, BackupServerName: srv.Name,
		Includes: []emcdp.NasObject{{ID: id("8e9fa0b1-c2d3-4e4f-9a5b-6c7d8e9fa0b1"),
			HierarchyObjRef: "urn:NasBackup:BackupServer:7d8e9fa0-b1c2-4d3e-8f4a-5b6c7d8e9fa0", FileOrFolder: `\\fs01\shares`,
			FileServerUID: "urn:veeam:FileServer:9fa0b1c2-d3e4-4f5a-8b6c-7d8e9fa0b1c2",
			InclusionMask: []string{"*.*"}, ExclusionMask: []string{`\\fs01\shares\.snapshot`, `\\fs01\shares\~snapshot`}}},
		RepositoryID: w.repos[0].ID, ShortTermRetentionType: "Day", ShortTermRetentionPeriod: 28,
		FileAttributesChangeTrackingMode: "TrackOnlyFolderAttributesChanges"}
	sess := func(sid, jid, name string, typ emcdp.JobType, created, ended string, res emcdp.Result) emcdp.JobSession {
		s := emcdp.JobSession{ID: id(sid), JobID: id(jid), JobName: name, JobType: typ, BackupServerID: srv.ID,
			BackupServerName: srv.Name, CreationTime: T(created), EndTime: T(ended), State: emcdp.SessionStopped,
			Result: res, Progress: 100}
		s.Name = emcdp.JobSessionName(name, s.CreationTime)
		return s
	}
	a.abjs = sess("5a6b7c8d-9eaf-4b0c-8d1e-2f3a4b5c6d7e", a.ajob.ID.String(), a.ajob.Name, emcdp.JobAgentBackup,
		"2026-06-14T22:00:03.217785Z", "2026-06-14T22:09:47.80311Z", emcdp.ResultSuccess)
	a.nbjs = sess("9c8d7e6f-5a4b-4c3d-8e2f-1a0b9c8d7e6f", a.njob.ID.String(), a.njob.Name, emcdp.JobNasBackup,
		"2026-06-14T22:00:05.874426Z", "2026-06-14T22:31:12.9Z", emcdp.ResultWarning)
	return a
}

// agentCases are the golden cases of the agent and NAS kinds.
func agentCases(t testing.TB, a *agentWorld) []vbrCase {
	var cs []vbrCase
	one := func(name string, k emcdp.Kind, item any, r Rep) {
		cs = append(cs, vbrCase{name, func(e Encoder) []byte { return e.Resource(nil, exBase, k, item, r) }})
	}
	lists := func(k emcdp.Kind, items ...any) {
		res := func() *emcdp.QueryResult { return &emcdp.QueryResult{Items: items} }
		for _, r := range []Rep{Reference, Entity} {
			rep := map[Rep]string{Reference: "reference", Entity: "entity"}[r]
			q := exBase + "/query?type=" + k.String() + "&pageSize=100&page="
			if r == Entity {
				q = exBase + "/query?type=" + k.String() + "&format=Entities&pageSize=100&page="
			}
			p := Paging{PageNum: 1, PageSize: 100, PagesCount: 1, Links: []PageLink{{"First", q + "1"}, {"Last", q + "1"}}}
			cs = append(cs,
				vbrCase{"list." + k.String() + "." + rep, func(e Encoder) []byte { return e.List(nil, exBase, k, res(), r) }},
				vbrCase{"query." + k.String() + "." + rep, func(e Encoder) []byte { return e.QueryResult(nil, exBase, k, res(), r, p) }})
		}
	}
	for _, r := range []struct {
		rep Rep
		s   string
	}{{Reference, "reference"}, {Entity, "entity"}} {
		one("discoveredComputer."+r.s, emcdp.KindDiscoveredComputer, &a.dcs[0], r.rep)
		one("agentProtectionGroup."+r.s, emcdp.KindAgentProtectionGroup, &a.pg, r.rep)
		one("agentBackupJob."+r.s, emcdp.KindAgentBackupJob, &a.ajob, r.rep)
		one("nasJob."+r.s, emcdp.KindNasJob, &a.njob, r.rep)
		one("backupJobSession."+r.s+"-agent", emcdp.KindBackupJobSession, &a.abjs, r.rep)
		one("backupJobSession."+r.s+"-nas", emcdp.KindBackupJobSession, &a.nbjs, r.rep)
	}
	lists(emcdp.KindDiscoveredComputer, &a.dcs[0], &a.dcs[1])
	lists(emcdp.KindAgentBackupJob, &a.ajob)
	lists(emcdp.KindNasJob, &a.njob)
	return cs
}

// TestAgentGolden encodes the agents and NAS fixture of
// testdata/vbr2/README.md and compares each of its golden files byte for
// byte, in XML and both JSON profiles.
func TestAgentGolden(t *testing.T) {
	a := newAgentWorld(t)
	checkVBR2Goldens(t, agentCases(t, a))
}
