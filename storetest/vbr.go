package storetest

import (
	"math/rand/v2"
	"time"

	"github.com/emcdp/emcdp"
)

// addVBR adds repositories, jobs (with includes), job sessions of both
// kinds and their task sessions to d, with absent values, names equal up to
// letter case, running sessions and equal creation times. Times are whole
// microseconds, as stores keep them.
func addVBR(r *rand.Rand, d *Dataset, jobs, sessions, tasks int) {
	micro := func(t time.Time) time.Time { return t.Truncate(time.Microsecond) }
	for i := 0; i < 2+len(d.Servers); i++ {
		s := pick(r, d.Servers)
		rp := emcdp.Repository{ID: newID(r), Name: pick(r, []string{"Default Backup Repository", "default backup repository", "S3 Immutable", "DDBoost-Ä"}),
			BackupServerID: s.ID, BackupServerName: s.Name, Kind: pick(r, []string{"WindowsLocal", "AmazonS3Compatible", "DDBoost"}),
			Capacity: int64(1+r.IntN(100)) << 40}
		rp.FreeSpace = rp.Capacity / int64(1+r.IntN(4))
		if rp.Kind == "AmazonS3Compatible" {
			rp.Capacity, rp.FreeSpace = -1, -1
		}
		d.Repositories = append(d.Repositories, rp)
	}
	names := []string{"SQL Daily", "sql daily", "Web Backup", "Replica DR", "Copy to S3", "Ärzte Nightly", "Job [lab]"}
	types := []emcdp.JobType{emcdp.JobBackup, emcdp.JobBackup, emcdp.JobBackupCopy, emcdp.JobImmediateBackupCopy, emcdp.JobReplica, emcdp.JobReplica}
	descs := []string{"", "Created by LAB\\admin at 01/02/2026 10:00.", "nightly"}
	objNames := []string{"sql01", "SQL01", "web01", "dc01"}
	for i := 0; i < jobs; i++ {
		rp := pick(r, d.Repositories)
		j := emcdp.Job{ID: newID(r), Name: pick(r, names), BackupServerID: rp.BackupServerID, BackupServerName: rp.BackupServerName,
			JobType: pick(r, types), Platform: pick(r, []string{"VMware", "HyperV"}), Description: pick(r, descs),
			ScheduleConfigured: r.IntN(3) > 0, ScheduleEnabled: r.IntN(3) > 0, RepositoryID: rp.ID,
			Schedule: emcdp.JobSchedule{Kind: emcdp.ScheduleDaily, DailyKind: "Everyday", At: 22 * time.Hour, RetryTimes: 3,
				RetryTimeout: 10, RetrySpecified: true, FullDay: time.Saturday},
			Retention: emcdp.JobRetention{RetainCycles: 14, RetainLimitType: "Cycles"},
			Guest:     emcdp.GuestProcessingOptions{VssSnapshotMode: "RequireSuccess"}}
		if r.IntN(2) == 0 {
			j.NextRun = micro(Base.Add(time.Duration(r.Int64N(int64(48 * time.Hour)))))
		}
		for k, n := 0, r.IntN(3); k < n; k++ {
			name := pick(r, objNames)
			j.Includes = append(j.Includes, emcdp.ObjectInJob{ID: newID(r), PolicyID: j.ID, Name: name, DisplayName: name,
				HierarchyObjRef: "urn:VMware:Vm:7f6b1c2e-1111-2222-3333-444455556666.vm-" + string(rune('1'+k)),
				Guest:           emcdp.GuestProcessingOptions{VssSnapshotMode: "Disabled"}, TotalSize: int64(1+r.IntN(64)) << 30})
		}
		SortIncludes(j.Includes)
		d.Jobs = append(d.Jobs, j)
	}
	times := make([]time.Time, 0, 8)
	for i := 0; i < 8; i++ {
		times = append(times, micro(Base.Add(time.Duration(r.Int64N(int64(72*time.Hour)))-36*time.Hour)))
	}
	msgs := []string{"", "", "", "Processing sql01 Error: timeout"}
	for i := 0; i < sessions; i++ {
		j := pick(r, d.Jobs)
		created := pick(r, times)
		if r.IntN(3) == 0 {
			created = micro(created.Add(time.Duration(r.Int64N(int64(time.Hour)))))
		}
		s := emcdp.JobSession{ID: newID(r), Name: emcdp.JobSessionName(j.Name, created), JobID: j.ID, JobName: j.Name,
			JobType: j.JobType, BackupServerID: j.BackupServerID, BackupServerName: j.BackupServerName, CreationTime: created,
			State: emcdp.SessionState(r.IntN(len(emcdp.SessionStateNames))), Result: emcdp.Result(r.IntN(len(emcdp.ResultNames))),
			Progress: r.IntN(101), FailureMessage: pick(r, msgs), IsRetry: r.IntN(4) == 0}
		if r.IntN(4) > 0 {
			s.EndTime = micro(created.Add(time.Duration(r.Int64N(int64(8 * time.Hour)))))
		}
		d.JobSessions = append(d.JobSessions, s)
	}
	reasons := []string{"", "", "Changed block tracking cannot be enabled", "changed BLOCK tracking cannot be enabled"}
	vms := []string{"sql01", "SQL01", "web01", "app-Ä", "z"}
	for i := 0; i < tasks; i++ {
		s := pick(r, d.JobSessions)
		created := s.CreationTime
		if r.IntN(2) == 0 {
			created = pick(r, times)
		}
		vm := pick(r, vms)
		t := emcdp.JobTaskSession{ID: newID(r), Name: emcdp.JobSessionName(vm, created), JobSessionID: s.ID, JobSessionName: s.Name,
			JobID: s.JobID, JobName: s.JobName, JobType: s.JobType, BackupServerID: s.BackupServerID,
			BackupServerName: s.BackupServerName, VmDisplayName: vm, CreationTime: created,
			State: emcdp.TaskState(r.IntN(len(emcdp.TaskStateNames))), Result: emcdp.Result(r.IntN(len(emcdp.ResultNames))),
			Reason: pick(r, reasons), TotalSize: pick(r, []int64{0, 200 << 30, 17179869184})}
		if !s.JobType.IsReplica() {
			t.VmUID = "urn:VMware:Vm:5b08bf82-530a-4cca-ac1a-8327b68250bd.vm-" + vm
		}
		if r.IntN(3) > 0 {
			t.EndTime = micro(created.Add(time.Duration(r.Int64N(int64(2 * time.Hour)))))
		}
		d.JobTasks = append(d.JobTasks, t)
	}
}

// describedItems returns d's items of a described kind k.
func (d *Dataset) describedItems(k emcdp.Kind) []any {
	var out []any
	add := func(it any) {
		if emcdp.Describe(it).Kind == k {
			out = append(out, it)
		}
	}
	for i := range d.Repositories {
		add(&d.Repositories[i])
	}
	for i := range d.ProtectionGroups {
		add(&d.ProtectionGroups[i])
	}
	for i := range d.Computers {
		add(&d.Computers[i])
	}
	for i := range d.Jobs {
		add(&d.Jobs[i])
	}
	for i := range d.NasJobs {
		add(&d.NasJobs[i])
	}
	for i := range d.JobSessions {
		add(&d.JobSessions[i])
	}
	for i := range d.JobTasks {
		add(&d.JobTasks[i])
	}
	d.backupItems(add)
	return out
}
