package sim

import (
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/emcdp/emcdp"
)

// The backups of the VBR world (vbr-domain.md §6): one Backup per job with
// a repository; per VM task that leaves a restore point, one BackupFile,
// one RestorePoint and one VmRestorePoint (per-machine chains), written
// when the task ends; retention retires the points its chain drops. Their
// ids derive from the job's and the task's ids, so drawing them takes
// nothing from the random streams and the sessions stay as they were.

// derivedID returns a version-4 id made from id and salt.
func derivedID(id emcdp.ID, salt byte) emcdp.ID {
	h := sha256.Sum256(append(id[:], salt))
	var out emcdp.ID
	copy(out[:], h[:16])
	out[6] = out[6]&0x0f | 0x40
	out[8] = out[8]&0x3f | 0x80
	return out
}

// The salts of the ids derived from a job's or a task's id.
const (
	saltBackup       = 'B'
	saltFile         = 'F'
	saltRestorePoint = 'R'
	saltVmPoint      = 'V'
)

// backupRow is the Backup a job keeps on its repository.
func backupRow(j *jobDef) emcdp.Backup {
	return emcdp.Backup{ID: derivedID(j.row.ID, saltBackup), Name: j.row.Name, JobID: j.row.ID, JobName: j.row.Name,
		RepositoryID: j.repo.row.ID, RepositoryName: j.repo.row.Name, Platform: j.row.Platform, BackupType: "Standard",
		BackupServerID: j.row.BackupServerID, BackupServerName: j.row.BackupServerName}
}

// makesPoints reports whether the runs of j leave restore points in a
// backup: backup and backup copy jobs (replicas keep theirs on hosts).
func makesPoints(j *jobDef) bool { return j.repo != nil && !j.row.JobType.IsReplica() }

// pointRows appends to b the file, restore point and VM restore point that
// task t of run leaves; first tells an active full (the chain's first
// point) from a synthetic one.
func pointRows(b *emcdp.Batch, run *vrun, t *vtask, vm *jobVM, first bool) {
	j := run.job
	bk := backupRow(j)
	fid, rid, vid := derivedID(t.id, saltFile), derivedID(t.id, saltRestorePoint), derivedID(t.id, saltVmPoint)
	ext, algo, ptype := "vib", "Incremental", "Increment"
	switch {
	case t.full && first:
		ext, algo, ptype = "vbk", "Full", "Full"
	case t.full:
		ext, algo, ptype = "vbk", "SyntheticFull", "Full"
	}
	// ratios from the file id: fulls dedupe more than increments
	dedup := emcdp.Ratio(100 + int(fid[9])%50)
	if t.full {
		dedup = emcdp.Ratio(100 + int(fid[9])%200)
	}
	compress := emcdp.Ratio(150 + int(fid[10])%100)
	name := fmt.Sprintf("%sD%s_%02X%02X.%s", j.row.Name, run.start.Format("2006-01-02T150405"), fid[11], fid[12], ext)
	path := `C:\Backup\` + j.row.Name + `\` + name
	if k := j.repo.row.Kind; k == "LinuxLocal" || k == "Nfs" {
		path = "/mnt/backup/" + j.row.Name + "/" + name
	}
	dur := t.end.Sub(t.created)
	_, vname, created := vmPoint(t, vm)
	f := emcdp.BackupFile{ID: fid, Name: name, BackupID: bk.ID, BackupName: bk.Name, RestorePointID: rid, FilePath: path,
		BackupSize: t.point, DataSize: t.point * int64(dedup) * int64(compress) / 10000,
		DeduplicationRatio: dedup, CompressRatio: compress, CreationTime: us(t.created.Add(min(9*time.Second, dur/4))),
		FileType: ext, BackupServerID: bk.BackupServerID, BackupServerName: bk.BackupServerName}
	p := emcdp.RestorePoint{ID: rid, Name: emcdp.PointName(run.start), BackupID: bk.ID, BackupName: bk.Name,
		BackupFileID: fid, JobSessionID: run.id, BackupDate: run.start,
		BackupServerID: bk.BackupServerID, BackupServerName: bk.BackupServerName}
	v := emcdp.VmRestorePoint{ID: vid, Name: vname, RestorePointID: rid,
		RestorePointName: p.Name, BackupFileID: fid, BackupFileName: name, TaskSessionID: t.id, VmDisplayName: vm.name,
		HierarchyObjRef: vm.ref, CreationTime: created, Algorithm: algo, PointType: ptype,
		BackupServerID: bk.BackupServerID, BackupServerName: bk.BackupServerName}
	b.BackupFiles = append(b.BackupFiles, f)
	b.RestorePoints = append(b.RestorePoints, p)
	b.VmRestorePoints = append(b.VmRestorePoints, v)
}

// vmPoint returns the id, name and time of the VM restore point task t
// leaves: taken up to 49 s after the task started, as in the real replies.
func vmPoint(t *vtask, vm *jobVM) (emcdp.ID, string, time.Time) {
	created := us(t.created.Add(min(49*time.Second, t.end.Sub(t.created)/2)))
	return derivedID(t.id, saltVmPoint), emcdp.JobSessionName(vm.name, created), created
}

// retire appends to b the removal of the rows of the points retention
// dropped.
func retire(b *emcdp.Batch, dropped []point) {
	for _, p := range dropped {
		b.Retired = append(b.Retired,
			emcdp.Retired{Kind: emcdp.KindVmRestorePoint, ID: derivedID(p.task, saltVmPoint)},
			emcdp.Retired{Kind: emcdp.KindRestorePoint, ID: derivedID(p.task, saltRestorePoint)},
			emcdp.Retired{Kind: emcdp.KindBackupFile, ID: derivedID(p.task, saltFile)})
	}
}
