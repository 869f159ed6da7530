package sim

import (
	"testing"

	"github.com/emcdp/emcdp"
)

// checkPoints checks the backups, files and points of a snapshot against
// its sessions and repositories (vbr-domain.md §6, §7): each VM point was
// made by a backup task that ended with a point, in its restore point made
// by the task's session, in a file of the session's job's backup; a
// successful task's point is gone only when a newer point of the same VM
// in the same backup is kept (retention removes old points only); and the
// files on a repository fill it: FreeSpace = Capacity − other use − Σ
// BackupSize of its files.
func checkPoints(t testing.TB, w *world, s *vbrSnap) {
	t.Helper()
	backups := map[emcdp.ID]*emcdp.Backup{}
	for i := range s.Backups {
		backups[s.Backups[i].ID] = &s.Backups[i]
	}
	files := map[emcdp.ID]*emcdp.BackupFile{}
	for i := range s.Files {
		files[s.Files[i].ID] = &s.Files[i]
	}
	rps := map[emcdp.ID]*emcdp.RestorePoint{}
	for i := range s.RPs {
		rps[s.RPs[i].ID] = &s.RPs[i]
	}
	sess := map[emcdp.ID]*emcdp.JobSession{}
	for i := range s.Sess {
		sess[s.Sess[i].ID] = &s.Sess[i]
	}
	tasks := map[emcdp.ID]*emcdp.JobTaskSession{}
	for i := range s.Tasks {
		tasks[s.Tasks[i].ID] = &s.Tasks[i]
	}
	if len(s.VRPs) != len(s.RPs) || len(s.RPs) != len(s.Files) {
		t.Errorf("%d VM restore points, %d restore points, %d files: per-machine chains make one of each", len(s.VRPs), len(s.RPs), len(s.Files))
	}
	type chainKey struct {
		backup emcdp.ID
		vm     string
	}
	newest := map[chainKey]*emcdp.VmRestorePoint{}
	byTask := map[emcdp.ID]bool{}
	for i := range s.VRPs {
		v := &s.VRPs[i]
		rp, f := rps[v.RestorePointID], files[v.BackupFileID]
		if rp == nil || f == nil {
			t.Errorf("VM point %s: restore point or file missing", v.Name)
			continue
		}
		b := backups[rp.BackupID]
		if b == nil || f.BackupID != rp.BackupID || f.RestorePointID != rp.ID || rp.BackupFileID != f.ID {
			t.Errorf("VM point %s: its restore point, file and backup do not agree", v.Name)
			continue
		}
		if v.RestorePointName != rp.Name || v.BackupFileName != f.Name || rp.BackupName != b.Name || f.BackupName != b.Name {
			t.Errorf("VM point %s: names carried do not match their rows", v.Name)
		}
		byTask[v.TaskSessionID] = true
		k := chainKey{b.ID, v.VmDisplayName}
		if n := newest[k]; n == nil || v.CreationTime.After(n.CreationTime) {
			newest[k] = v
		}
		tk := tasks[v.TaskSessionID]
		if tk == nil {
			continue // the task session was pruned; the point outlives it
		}
		if tk.Running() || tk.Result == emcdp.ResultFailed || tk.VmDisplayName != v.VmDisplayName || tk.VmUID != v.HierarchyObjRef ||
			v.CreationTime.Before(tk.CreationTime) || v.CreationTime.After(tk.EndTime) {
			t.Errorf("VM point %s does not match its task %s (%v, %v)", v.Name, tk.Name, tk.State, tk.Result)
		}
		if tk.VmRestorePointID != v.ID || tk.VmRestorePointName != v.Name {
			t.Errorf("task %s does not link its VM point %s", tk.Name, v.Name)
		}
		js := sess[tk.JobSessionID]
		if js == nil || rp.JobSessionID != js.ID || !rp.BackupDate.Equal(js.CreationTime) || b.JobID != js.JobID {
			t.Errorf("restore point %s does not match the session of task %s", rp.Name, tk.Name)
		}
	}
	for i := range s.Tasks {
		tk := &s.Tasks[i]
		if !tk.VmRestorePointID.IsZero() && !byTask[tk.ID] {
			t.Errorf("task %s links VM point %s, which is not kept", tk.Name, tk.VmRestorePointName)
		}
		if tk.Running() || tk.Result == emcdp.ResultFailed || tk.JobType.IsReplica() || byTask[tk.ID] {
			continue
		}
		kept := false
		for k, n := range newest {
			if k.vm == tk.VmDisplayName && backups[k.backup].JobID == tk.JobID && n.CreationTime.After(tk.EndTime) {
				kept = true
			}
		}
		if !kept {
			t.Errorf("task %s ended %v without a point and no newer point of its VM is kept", tk.Name, tk.Result)
		}
	}
	fill := map[emcdp.ID]int64{}
	for _, f := range s.Files {
		fill[backups[f.BackupID].RepositoryID] += f.BackupSize
	}
	for _, vs := range w.vbr {
		for _, rd := range vs.repos {
			if rd.object {
				continue
			}
			for _, r := range s.Repos {
				if r.ID == rd.row.ID && r.FreeSpace > 0 && r.FreeSpace != r.Capacity-rd.other-fill[r.ID] {
					t.Errorf("repository %s: FreeSpace %d, its files give %d", r.Name, r.FreeSpace, r.Capacity-rd.other-fill[r.ID])
				}
			}
		}
	}
}

// TestPointsRetention seeds the demo for longer than its jobs keep points:
// points exist, and retention has removed the oldest ones while the task
// sessions that made them are still stored.
func TestPointsRetention(t *testing.T) {
	now := t0.Add(40 * day)
	st := seedMem(t, Demo(), now)
	s := readVBR(st)
	checkPoints(t, worldOf(t, st, Demo()), s)
	made := map[emcdp.ID]bool{}
	for _, v := range s.VRPs {
		made[v.TaskSessionID] = true
	}
	retired := 0
	for _, tk := range s.Tasks {
		if !tk.Running() && tk.Result != emcdp.ResultFailed && !tk.JobType.IsReplica() && !made[tk.ID] {
			retired++
		}
	}
	if len(s.VRPs) == 0 || len(s.Backups) == 0 || retired == 0 {
		t.Fatalf("%d backups, %d VM points, %d points retired: want all of them", len(s.Backups), len(s.VRPs), retired)
	}
	t.Logf("%d backups, %d files, %d points kept, %d retired", len(s.Backups), len(s.Files), len(s.VRPs), retired)
}
