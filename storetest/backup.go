package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
)

// addBackups adds backups of d's jobs with files, restore points and VM
// restore points, with names equal up to letter case and equal times.
func addBackups(r *rand.Rand, d *Dataset, points int) {
	if len(d.Jobs) == 0 || len(d.Repositories) == 0 {
		return
	}
	for i := 0; i < 2+len(d.Jobs)/2; i++ {
		j := pick(r, d.Jobs)
		rp := pick(r, d.Repositories)
		d.Backups = append(d.Backups, emcdp.Backup{ID: newID(r), Name: j.Name, JobID: j.ID, JobName: j.Name,
			RepositoryID: rp.ID, RepositoryName: rp.Name, Platform: j.Platform,
			BackupType:     pick(r, []string{"Standard", "Standard", "ParentBackup"}),
			BackupServerID: rp.BackupServerID, BackupServerName: rp.BackupServerName})
	}
	times := make([]time.Time, 0, 6)
	for i := 0; i < 6; i++ {
		times = append(times, Base.Add(time.Duration(r.Int64N(int64(72*time.Hour)))-36*time.Hour).Truncate(time.Microsecond))
	}
	vms := []string{"sql01", "SQL01", "web01", "app-Ä"}
	for i := 0; i < points; i++ {
		b := pick(r, d.Backups)
		at := pick(r, times)
		var sess, task emcdp.ID
		if len(d.JobSessions) > 0 {
			sess = pick(r, d.JobSessions).ID
		}
		var tk *emcdp.JobTaskSession
		if len(d.JobTasks) > 0 {
			tk = &d.JobTasks[r.IntN(len(d.JobTasks))]
			task = tk.ID
		}
		ext := pick(r, []string{"vbk", "vib", "VIB"})
		f := emcdp.BackupFile{ID: newID(r), Name: fmt.Sprintf("%sD%s_%04X.%s", b.Name, at.Format("2006-01-02T150405"), r.IntN(1<<16), ext),
			BackupID: b.ID, BackupName: b.Name, DataSize: int64(1+r.IntN(200)) << 30,
			DeduplicationRatio: emcdp.Ratio(100 + r.IntN(500)), CompressRatio: emcdp.Ratio(150 + r.IntN(100)),
			CreationTime: at.Add(time.Duration(r.IntN(90)) * time.Second), FileType: ext,
			BackupServerID: b.BackupServerID, BackupServerName: b.BackupServerName}
		f.FilePath = `C:\Backup\` + b.Name + `\` + f.Name
		f.BackupSize = f.DataSize * 100 / int64(f.DeduplicationRatio) * 100 / int64(f.CompressRatio)
		if len(d.BackupFiles) > 0 && r.IntN(5) == 0 {
			f.Name = pick(r, d.BackupFiles).Name // equal names
		}
		p := emcdp.RestorePoint{ID: newID(r), Name: emcdp.PointName(at), BackupID: b.ID, BackupName: b.Name,
			BackupFileID: f.ID, JobSessionID: sess, BackupDate: at, BackupServerID: b.BackupServerID, BackupServerName: b.BackupServerName}
		f.RestorePointID = p.ID
		vm := pick(r, vms)
		created := at.Add(time.Duration(r.IntN(120)) * time.Second)
		v := emcdp.VmRestorePoint{ID: newID(r), Name: emcdp.JobSessionName(vm, created), RestorePointID: p.ID,
			RestorePointName: p.Name, BackupFileID: f.ID, BackupFileName: f.Name, TaskSessionID: task, VmDisplayName: vm,
			HierarchyObjRef: "urn:VMware:Vm:5b08bf82-530a-4cca-ac1a-8327b68250bd.vm-" + vm, CreationTime: created,
			Algorithm: pick(r, []string{"Full", "Incremental", "SyntheticFull"}), PointType: pick(r, []string{"Full", "Increment"}),
			BackupServerID: b.BackupServerID, BackupServerName: b.BackupServerName}
		if tk != nil && !tk.JobType.IsReplica() && tk.VmRestorePointID.IsZero() {
			tk.VmRestorePointID, tk.VmRestorePointName = v.ID, v.Name // the task links its point
		}
		d.BackupFiles = append(d.BackupFiles, f)
		d.RestorePoints = append(d.RestorePoints, p)
		d.VmRestorePoints = append(d.VmRestorePoints, v)
	}
}

// backupItems returns d's items of the backup kinds.
func (d *Dataset) backupItems(add func(any)) {
	for i := range d.Backups {
		add(&d.Backups[i])
	}
	for i := range d.BackupFiles {
		add(&d.BackupFiles[i])
	}
	for i := range d.RestorePoints {
		add(&d.RestorePoints[i])
	}
	for i := range d.VmRestorePoints {
		add(&d.VmRestorePoints[i])
	}
}

// fillRelated sets the related refs of d's items (Desc.Related: a backup
// job session's restore points) as the stores read them.
func (d *Dataset) fillRelated() {
	for _, desc := range emcdp.AllDescs {
		rel := desc.Related
		if rel == nil {
			continue
		}
		owners := map[emcdp.ID]*[]emcdp.Ref{}
		for _, it := range d.describedItems(desc.Kind) {
			refs := rel.Refs(it)
			*refs = nil
			owners[desc.ID(it)] = refs
		}
		col := rel.Of.Column(rel.Column)
		for _, it := range d.describedItems(rel.Of.Kind) {
			if refs := owners[col.Get(it).ID]; refs != nil {
				*refs = append(*refs, emcdp.Ref{ID: rel.Of.ID(it), Name: rel.Of.Name(it)})
			}
		}
		for _, refs := range owners {
			emcdp.SortRefs(*refs)
		}
	}
}

// testRetire removes restore points, their VM points and files as
// retention does, and checks that they disappear from every query and read
// while the rest stays; retiring a row that is gone changes nothing.
func testRetire(t *testing.T, st emcdp.Store) {
	ctx := context.Background()
	d := load(t, st, standard())
	if len(d.RestorePoints) < 4 {
		t.Fatal("the dataset has too few restore points")
	}
	b := &emcdp.Batch{}
	gone := map[emcdp.ID]bool{}
	for i := 0; i < len(d.RestorePoints); i += 3 {
		p, v, f := d.RestorePoints[i], d.VmRestorePoints[i], d.BackupFiles[i]
		b.Retired = append(b.Retired, emcdp.Retired{Kind: emcdp.KindRestorePoint, ID: p.ID},
			emcdp.Retired{Kind: emcdp.KindVmRestorePoint, ID: v.ID}, emcdp.Retired{Kind: emcdp.KindBackupFile, ID: f.ID})
		gone[p.ID], gone[v.ID], gone[f.ID] = true, true, true
	}
	b.Retired = append(b.Retired, emcdp.Retired{Kind: emcdp.KindBackupFile, ID: newID(rand.New(rand.NewPCG(1, 2)))})
	for range 2 {
		if err := st.Apply(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	keep := *d
	keep.BackupFiles = slices.DeleteFunc(slices.Clone(d.BackupFiles), func(f emcdp.BackupFile) bool { return gone[f.ID] })
	keep.RestorePoints = slices.DeleteFunc(slices.Clone(d.RestorePoints), func(p emcdp.RestorePoint) bool { return gone[p.ID] })
	keep.VmRestorePoints = slices.DeleteFunc(slices.Clone(d.VmRestorePoints), func(v emcdp.VmRestorePoint) bool { return gone[v.ID] })
	keep.JobSessions = slices.Clone(d.JobSessions)
	keep.fillRelated() // a session links only the points still kept
	linked := 0
	for _, s := range d.JobSessions {
		for _, p := range s.RestorePoints {
			if gone[p.ID] {
				linked++
			}
		}
	}
	if linked == 0 {
		t.Error("no session linked a retired restore point: the dataset does not exercise retention of links")
	}
	for _, k := range []emcdp.Kind{emcdp.KindBackup, emcdp.KindBackupFile, emcdp.KindRestorePoint, emcdp.KindVmRestorePoint,
		emcdp.KindBackupJobSession} {
		check(t, st, &keep, emcdp.Query{Kind: k}, k.String()+" after retirement")
	}
	if _, err := st.Resource(ctx, emcdp.KindRestorePoint, d.RestorePoints[0].ID); !isNotFound(err) {
		t.Errorf("retired restore point: %v", err)
	}
	if _, err := st.Resource(ctx, emcdp.KindRestorePoint, d.RestorePoints[1].ID); err != nil {
		t.Errorf("kept restore point: %v", err)
	}
	cleared := 0
	for _, tk := range d.JobTasks {
		if tk.VmRestorePointID.IsZero() {
			continue
		}
		v, err := st.Resource(ctx, emcdp.KindBackupTaskSession, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		got := v.(*emcdp.JobTaskSession)
		want := tk.VmRestorePointID
		if gone[want] {
			want, cleared = emcdp.ID{}, cleared+1
		}
		if got.VmRestorePointID != want || (want.IsZero()) != (got.VmRestorePointName == "") {
			t.Errorf("task %s links VM point %s %q, want %s", tk.Name, got.VmRestorePointID, got.VmRestorePointName, want)
		}
	}
	if cleared == 0 {
		t.Error("no task linked a retired VM point: the dataset does not exercise clearing")
	}
}

// testRatios checks the Double fields of backup files at their edges: a
// ratio kept as hundredths compares as the double its written form reads
// as, with literals on and between the hundredths, in the store as in the
// reference, which must agree with the counts written here.
func testRatios(t *testing.T, st emcdp.Store) {
	ctx := context.Background()
	d := load(t, st, standard())
	b := &emcdp.Batch{}
	f := d.BackupFiles[0]
	f.ID, f.Name, f.CompressRatio, f.DeduplicationRatio = newID(rand.New(rand.NewPCG(3, 4))), "edges.vbk", 207, 110
	b.BackupFiles = append(b.BackupFiles, f)
	if err := st.Apply(ctx, b); err != nil {
		t.Fatal(err)
	}
	d.BackupFiles = append(slices.Clone(d.BackupFiles), f)
	compress, dedup := mustField(t, emcdp.KindBackupFile, "CompressRatio"), mustField(t, emcdp.KindBackupFile, "DeduplicationRatio")
	name := mustField(t, emcdp.KindBackupFile, "Name")
	for _, c := range []struct {
		f    emcdp.Field
		op   emcdp.Op
		v    float64
		want bool // whether the file with ratios 2.07 and 1.10 matches
	}{
		{compress, emcdp.OpEq, 2.07, true}, {compress, emcdp.OpNe, 2.07, false},
		{compress, emcdp.OpGt, 2.07, false}, {compress, emcdp.OpGe, 2.07, true},
		{compress, emcdp.OpLt, 2.07, false}, {compress, emcdp.OpLe, 2.07, true},
		{compress, emcdp.OpGt, 2.069, true}, {compress, emcdp.OpLt, 2.0701, true},
		{compress, emcdp.OpEq, 2.0700001, false}, {compress, emcdp.OpGt, 1, true},
		{dedup, emcdp.OpEq, 1.1, true}, {dedup, emcdp.OpLe, 1.0999, false}, {dedup, emcdp.OpGe, 1.1, true},
	} {
		term := &emcdp.Term{Field: c.f, Op: c.op, Value: emcdp.Value{Float: c.v}}
		q := emcdp.Query{Kind: emcdp.KindBackupFile, Filter: &emcdp.And{Terms: []emcdp.Expr{term,
			&emcdp.Term{Field: name, Op: emcdp.OpEq, Value: emcdp.Value{Str: f.Name}}}}}
		label := fmt.Sprintf("%s %s %v", c.f.Name, c.op, c.v)
		res, err := st.Query(ctx, &q)
		if err != nil {
			t.Fatalf("%s: %v", label, err)
		}
		if got := res.Len() == 1; got != c.want {
			t.Errorf("%s: the file with %d/%d matches %v, want %v", label, f.CompressRatio, f.DeduplicationRatio, got, c.want)
		}
		check(t, st, d, emcdp.Query{Kind: emcdp.KindBackupFile, Filter: term}, label)
	}
}
