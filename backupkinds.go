package emcdp

import "time"

// The descriptions of backups, backup files, restore points and VM restore
// points (monitoring.md §6, M12–M15). See Desc for what derives from them.

// The described kinds of backups. They follow KindRepository directly, in
// the values that agentkinds.go leaves to the VBR world, so that Kinds (and
// the query service's list, monitoring.md §10) has them before the agent
// and NAS kinds.
const (
	KindBackup Kind = KindRepository + 1 + iota
	KindBackupFile
	KindRestorePoint
	KindVmRestorePoint
)

// backupDescs are the descriptions of this file, in the order of Kinds.
var backupDescs = []*Desc{BackupDesc, BackupFileDesc, RestorePointDesc, VmRestorePointDesc}

// BackupDesc describes Backup (monitoring.md §6 Backup).
var BackupDesc = &Desc{
	Kind: KindBackup, Type: "Backup", Path: "/backups/", List: "Backups", Table: "backups",
	Props: []Prop{
		PID(KindBackup, func(b *Backup) *ID { return &b.ID }),
		PStr("Name", "", "name", func(b *Backup) *string { return &b.Name }),
		PUID("JobUid", "", "job_id", KindJob, func(b *Backup) *ID { return &b.JobID }),
		PStr("JobName", "", "job_name", func(b *Backup) *string { return &b.JobName }),
		PUID("RepositoryUid", "", "repository_id", KindRepository, func(b *Backup) *ID { return &b.RepositoryID }),
		PStr("RepositoryName", "", "repository_name", func(b *Backup) *string { return &b.RepositoryName }),
		PStr("Platform", "Platform", "platform", func(b *Backup) *string { return &b.Platform }),
		PStr("BackupType", "BackupType", "backup_type", func(b *Backup) *string { return &b.BackupType }),
		PUID("BackupServerUid", "", "backup_server_id", KindBackupServer, func(b *Backup) *ID { return &b.BackupServerID }),
		PStr("BackupServerName", "", "backup_server_name", func(b *Backup) *string { return &b.BackupServerName }),
	},
	Links: []Link{
		{Rel: "Up", Type: "RepositoryReference", Path: "/repositories/", ID: func(i any) ID { return i.(*Backup).RepositoryID },
			Name: func(i any) string { return i.(*Backup).RepositoryName }},
		srvLink(func(i any) (ID, string) { b := i.(*Backup); return b.BackupServerID, b.BackupServerName }),
		{Alternate: true},
		{Rel: "Down", Type: "RestorePointReferenceList", Path: "/backups/", Tail: "/restorePoints"},
		{Rel: "Down", Type: "BackupFileReferenceList", Path: "/backups/", Tail: "/backupFiles"},
	},
	Parents: []ParentPath{{Pattern: "repositories/*/backups", Field: "RepositoryUid"}},
	Indexes: [][]string{{"name", "id"}, {"repository_id", "name", "id"}, {"job_id"}},
	New:     func() any { return new(Backup) },
}

// BackupFileDesc describes BackupFile (monitoring.md §6 BackupFile). With
// per-machine chains a file holds one restore point: RestorePointUid
// names it, for /restorePoints/{id}/backupFiles.
var BackupFileDesc = &Desc{
	Kind: KindBackupFile, Type: "BackupFile", Path: "/backupFiles/", List: "BackupFiles", Table: "backup_files",
	Props: []Prop{
		PID(KindBackupFile, func(f *BackupFile) *ID { return &f.ID }),
		PStr("Name", "", "name", func(f *BackupFile) *string { return &f.Name }),
		PStr("", "FilePath", "file_path", func(f *BackupFile) *string { return &f.FilePath }),
		PInt("BackupSize", "BackupSize", "backup_size", func(f *BackupFile) *int64 { return &f.BackupSize }),
		PInt("DataSize", "DataSize", "data_size", func(f *BackupFile) *int64 { return &f.DataSize }),
		PRatio("DeduplicationRatio", "DeduplicationRatio", "dedup_ratio", func(f *BackupFile) *Ratio { return &f.DeduplicationRatio }),
		PRatio("CompressRatio", "CompressRatio", "compress_ratio", func(f *BackupFile) *Ratio { return &f.CompressRatio }),
		PTime("CreationTimeUTC", "CreationTimeUtc", "creation_time", func(f *BackupFile) *time.Time { return &f.CreationTime }),
		PStr("FileType", "FileType", "file_type", func(f *BackupFile) *string { return &f.FileType }),
		PUID("BackupUid", "", "backup_id", KindBackup, func(f *BackupFile) *ID { return &f.BackupID }),
		PStr("BackupName", "", "backup_name", func(f *BackupFile) *string { return &f.BackupName }),
		PUID("RestorePointUid", "", "restore_point_id", KindRestorePoint, func(f *BackupFile) *ID { return &f.RestorePointID }),
		PUID("BackupServerUid", "", "backup_server_id", KindBackupServer, func(f *BackupFile) *ID { return &f.BackupServerID }),
		PStr("BackupServerName", "", "backup_server_name", func(f *BackupFile) *string { return &f.BackupServerName }),
	},
	Links: []Link{
		{Rel: "Up", Type: "BackupReference", Path: "/backups/", ID: func(i any) ID { return i.(*BackupFile).BackupID },
			Name: func(i any) string { return i.(*BackupFile).BackupName }},
		srvLink(func(i any) (ID, string) { f := i.(*BackupFile); return f.BackupServerID, f.BackupServerName }),
		{Alternate: true},
		{Rel: "Related", Type: "RestorePointReferenceList", Path: "/backupFiles/", Tail: "/restorePoints"},
		{Rel: "Down", Type: "VmRestorePointReferenceList", Path: "/backupFiles/", Tail: "/vmRestorePoints"},
	},
	Parents: []ParentPath{{Pattern: "backups/*/backupfiles", Field: "BackupUid"},
		{Pattern: "restorepoints/*/backupfiles", Field: "RestorePointUid"}},
	Indexes: [][]string{{"name", "id"}, {"backup_id", "name", "id"}, {"restore_point_id"}, {"creation_time", "id"}},
	New:     func() any { return new(BackupFile) },
}

// RestorePointDesc describes RestorePoint (monitoring.md §6 RestorePoint):
// named after its time, per profile (NamePoint). BackupFileUid names the
// file of its per-machine chain, for /backupFiles/{id}/restorePoints.
var RestorePointDesc = &Desc{
	Kind: KindRestorePoint, Type: "RestorePoint", Path: "/restorePoints/", List: "RestorePoints",
	Table: "restore_points", Names: NamePoint, Newest: true,
	Props: []Prop{
		PID(KindRestorePoint, func(p *RestorePoint) *ID { return &p.ID }),
		PStr("Name", "", "name", func(p *RestorePoint) *string { return &p.Name }),
		PTime("CreationTimeUTC", "BackupDateUTC", "creation_time", func(p *RestorePoint) *time.Time { return &p.BackupDate }),
		PUID("BackupUid", "", "backup_id", KindBackup, func(p *RestorePoint) *ID { return &p.BackupID }),
		PStr("BackupName", "", "backup_name", func(p *RestorePoint) *string { return &p.BackupName }),
		PUID("BackupFileUid", "", "backup_file_id", KindBackupFile, func(p *RestorePoint) *ID { return &p.BackupFileID }),
		PUID("JobSessionUid", "", "job_session_id", KindBackupJobSession, func(p *RestorePoint) *ID { return &p.JobSessionID }),
		PUID("BackupServerUid", "", "backup_server_id", KindBackupServer, func(p *RestorePoint) *ID { return &p.BackupServerID }),
		PStr("BackupServerName", "", "backup_server_name", func(p *RestorePoint) *string { return &p.BackupServerName }),
	},
	Links: []Link{
		{Rel: "Up", Type: "BackupReference", Path: "/backups/", ID: func(i any) ID { return i.(*RestorePoint).BackupID },
			Name: func(i any) string { return i.(*RestorePoint).BackupName }},
		srvLink(func(i any) (ID, string) { p := i.(*RestorePoint); return p.BackupServerID, p.BackupServerName }),
		{Alternate: true},
		{Rel: "Down", Type: "VmRestorePointReferenceList", Path: "/restorePoints/", Tail: "/vmRestorePoints"},
		{Rel: "Related", Type: "BackupFileReferenceList", Path: "/restorePoints/", Tail: "/backupFiles"},
	},
	Parents: []ParentPath{{Pattern: "backups/*/restorepoints", Field: "BackupUid"},
		{Pattern: "backupfiles/*/restorepoints", Field: "BackupFileUid"}},
	Indexes: [][]string{{"creation_time", "id"}, {"creation_time DESC", "id"}, {"backup_id", "creation_time", "id"},
		// A job session's points are read by job_session_id for their
		// links; id and name in the index spare a visit to the table per point.
		{"backup_file_id"}, {"job_session_id", "id", "name"}},
	New: func() any { return new(RestorePoint) },
}

// VmRestorePointDesc describes VmRestorePoint (monitoring.md §6
// VmRestorePoint): named "<VM>@<time>" as sessions (NameSession). Neither
// VmDisplayName nor VmName is written (the 13.1 reference's examples);
// both stay query fields.
var VmRestorePointDesc = &Desc{
	Kind: KindVmRestorePoint, Type: "VmRestorePoint", Path: "/vmRestorePoints/", List: "VmRestorePoints",
	Table: "vm_restore_points", Names: NameSession, Newest: true,
	Props: []Prop{
		PID(KindVmRestorePoint, func(p *VmRestorePoint) *ID { return &p.ID }),
		PStr("Name", "", "name", func(p *VmRestorePoint) *string { return &p.Name }),
		PTime("CreationTimeUTC", "CreationTimeUTC", "creation_time", func(p *VmRestorePoint) *time.Time { return &p.CreationTime }),
		PStr("Algorithm", "Algorithm", "algorithm", func(p *VmRestorePoint) *string { return &p.Algorithm }),
		PStr("Type", "PointType", "point_type", func(p *VmRestorePoint) *string { return &p.PointType }),
		PStr("", "HierarchyObjRef", "hierarchy_obj_ref", func(p *VmRestorePoint) *string { return &p.HierarchyObjRef }),
		PUID("RestorePointId", "", "restore_point_id", KindRestorePoint, func(p *VmRestorePoint) *ID { return &p.RestorePointID }),
		PStr("RestorePointName", "", "restore_point_name", func(p *VmRestorePoint) *string { return &p.RestorePointName }),
		PUID("BackupFileUid", "", "backup_file_id", KindBackupFile, func(p *VmRestorePoint) *ID { return &p.BackupFileID }),
		PStr("", "", "backup_file_name", func(p *VmRestorePoint) *string { return &p.BackupFileName }),
		PUID("TaskSessionUid", "", "task_session_id", KindBackupTaskSession, func(p *VmRestorePoint) *ID { return &p.TaskSessionID }),
		PStr("VmDisplayName", "", "vm_display_name", func(p *VmRestorePoint) *string { return &p.VmDisplayName }),
		PUID("BackupServerUid", "", "backup_server_id", KindBackupServer, func(p *VmRestorePoint) *ID { return &p.BackupServerID }),
		PStr("BackupServerName", "", "backup_server_name", func(p *VmRestorePoint) *string { return &p.BackupServerName }),
	},
	Links: []Link{
		srvLink(func(i any) (ID, string) { p := i.(*VmRestorePoint); return p.BackupServerID, p.BackupServerName }),
		{Rel: "Up", Type: "RestorePointReference", Path: "/restorePoints/", Names: NamePoint,
			ID: func(i any) ID { return i.(*VmRestorePoint).RestorePointID }, Name: func(i any) string { return i.(*VmRestorePoint).RestorePointName }},
		{Rel: "Up", Type: "BackupFileReference", Path: "/backupFiles/",
			ID: func(i any) ID { return i.(*VmRestorePoint).BackupFileID }, Name: func(i any) string { return i.(*VmRestorePoint).BackupFileName }},
		{Alternate: true},
	},
	Parents: []ParentPath{{Pattern: "restorepoints/*/vmrestorepoints", Field: "RestorePointId"},
		{Pattern: "backupfiles/*/vmrestorepoints", Field: "BackupFileUid"}},
	Indexes: [][]string{{"creation_time", "id"}, {"creation_time DESC", "id"}, {"restore_point_id", "creation_time", "id"},
		{"backup_file_id"}, {"task_session_id"}, {"vm_display_name", "creation_time", "id"}},
	New: func() any { return new(VmRestorePoint) },
}

// vmPointProps are the properties of a backup task session that name the
// VM restore point it left; retiring the point clears them (Cleared).
var vmPointProps = []Prop{
	PUID("", "", "vm_restore_point_id", KindVmRestorePoint, func(s *JobTaskSession) *ID { return &s.VmRestorePointID }).Opt(),
	POptStr("", "", "vm_restore_point_name", func(s *JobTaskSession) *string { return &s.VmRestorePointName }),
}

// vmPointLink is a backup task session's link to the VM restore point it
// left: its entity form, as the real v13 replies show (monitoring.md §3,
// Q7).
var vmPointLink = Link{Rel: "Related", Type: "VmRestorePoint", Path: "/vmRestorePoints/", Tail: "?format=Entity",
	Names: NameSession,
	ID:    func(i any) ID { return i.(*JobTaskSession).VmRestorePointID },
	Name:  func(i any) string { return i.(*JobTaskSession).VmRestorePointName },
	When:  func(i any) bool { return !i.(*JobTaskSession).VmRestorePointID.IsZero() }}

// sessionPoints are the restore points a backup job session made, read
// with it from restore_points (indexed on job_session_id, id and name), so
// that a point retention removes leaves no link behind.
var sessionPoints = &Related{Of: RestorePointDesc, Column: "job_session_id",
	Refs: func(i any) *[]Ref { return &i.(*JobSession).RestorePoints }}

// sessionPointsLink is a backup job session's link to each restore point it
// made, after Stop (monitoring.md §2 link 6, Q7).
var sessionPointsLink = Link{Rel: "Related", Type: "RestorePointReference", Path: "/restorePoints/", Names: NamePoint,
	Each: func(i any) []Ref { return i.(*JobSession).RestorePoints }}

// Cleared lists the columns that name a row of kind k in other tables:
// removing the row sets them absent, as a foreign key ON DELETE SET NULL
// would (a task session's VM restore point after retention).
func Cleared(k Kind) []Cascade {
	if k == KindVmRestorePoint {
		return []Cascade{{Desc: BackupTaskSessionDesc, Column: "vm_restore_point_id", Also: []string{"vm_restore_point_name"}}}
	}
	return nil
}

// Cascade names a column of d's table that refers to a removed row, and
// the columns cleared with it.
type Cascade struct {
	Desc   *Desc
	Column string
	Also   []string
}

// describeBackup returns the description of an item of this file's kinds,
// or nil.
func describeBackup(item any) *Desc {
	switch item.(type) {
	case *Backup:
		return BackupDesc
	case *BackupFile:
		return BackupFileDesc
	case *RestorePoint:
		return RestorePointDesc
	case *VmRestorePoint:
		return VmRestorePointDesc
	}
	return nil
}

// eachBackupWrite calls fn for the backup rows of b: backups, files,
// restore points and VM restore points upserted, then the points and files
// removed by retention (children first).
func (b *Batch) eachBackupWrite(fn func(d *Desc, op WriteOp, item any) error) error {
	for i := range b.Backups {
		if err := fn(BackupDesc, OpUpsert, &b.Backups[i]); err != nil {
			return err
		}
	}
	for i := range b.BackupFiles {
		if err := fn(BackupFileDesc, OpUpsert, &b.BackupFiles[i]); err != nil {
			return err
		}
	}
	for i := range b.RestorePoints {
		if err := fn(RestorePointDesc, OpUpsert, &b.RestorePoints[i]); err != nil {
			return err
		}
	}
	for i := range b.VmRestorePoints {
		if err := fn(VmRestorePointDesc, OpUpsert, &b.VmRestorePoints[i]); err != nil {
			return err
		}
	}
	for _, k := range []Kind{KindVmRestorePoint, KindRestorePoint, KindBackupFile} {
		for i := range b.Retired {
			if r := &b.Retired[i]; r.Kind == k {
				d := DescOf(k)
				it := d.New()
				d.Props[0].Set(it, Value{ID: r.ID})
				if err := fn(d, OpDelete, it); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// Retired names a row that a Batch removes (retention of restore points).
type Retired struct {
	Kind Kind
	ID   ID
}
