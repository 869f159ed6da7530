package emcdp

import (
	"slices"
	"time"
)

// The backups of the regular VBR world (monitoring.md §6, vbr-domain.md §6):
// one Backup per job and repository; per successful VM task one BackupFile
// (per-machine chains), one RestorePoint and one VmRestorePoint. Names of
// the parents are carried along so that links need no further reads.

// Backup is the backup a job keeps on a repository.
type Backup struct {
	ID               ID
	Name             string // the job's name
	JobID            ID
	JobName          string
	RepositoryID     ID
	RepositoryName   string
	Platform         string // VMware, HyperV, …
	BackupType       string // Standard, ParentBackup, ChildBackup
	BackupServerID   ID
	BackupServerName string
}

// BackupFile is one file of a backup chain.
type BackupFile struct {
	ID                 ID
	Name               string // e.g. "SQL DailyD2026-06-14T220014_8C1E.vbk"
	BackupID           ID
	BackupName         string
	RestorePointID     ID // the one point of a per-machine chain's file
	FilePath           string
	BackupSize         int64 // bytes on disk
	DataSize           int64 // bytes of source data
	DeduplicationRatio Ratio
	CompressRatio      Ratio
	CreationTime       time.Time
	FileType           string // vbk, vib, vrb
	BackupServerID     ID
	BackupServerName   string
}

// Ratio is a ratio kept in hundredths (148 is 1.48): the wire writes it
// with up to two decimals, as the product does.
type Ratio int64

// RestorePoint is one point of a backup, made by one job session. Its Name
// is its BackupDate in the stored form of PointName; profiles write it
// their way (monitoring.md §6).
type RestorePoint struct {
	ID               ID
	Name             string
	BackupID         ID
	BackupName       string
	BackupFileID     ID // the file that holds the point
	JobSessionID     ID
	BackupDate       time.Time // the creating job session's creation time
	BackupServerID   ID
	BackupServerName string
}

// VmRestorePoint is one VM in one restore point, made by one task session.
type VmRestorePoint struct {
	ID               ID
	Name             string // "<VM>@<CreationTime>" as session names
	RestorePointID   ID
	RestorePointName string
	BackupFileID     ID
	BackupFileName   string
	TaskSessionID    ID
	VmDisplayName    string
	HierarchyObjRef  string // the task's VmUid
	CreationTime     time.Time
	Algorithm        string // Full, Incremental, ReversedIncremental, SyntheticFull
	PointType        string // Full, Increment, ReverseIncrement
	BackupServerID   ID
	BackupServerName string
}

// PointName returns the stored name of a restore point made at t:
// "yyyy-MM-dd HH:mm:ss.ffffff", trailing zeros of the fraction trimmed.
func PointName(t time.Time) string {
	return t.UTC().Format("2006-01-02 15:04:05.999999")
}

// Ref names an item of another kind by id and (stored) name, as a link does.
type Ref struct {
	ID   ID
	Name string
}

// SortRefs orders refs by id as the product lists them (CompareGUID).
func SortRefs(refs []Ref) {
	slices.SortFunc(refs, func(a, b Ref) int { return CompareGUID(a.ID, b.ID) })
}
