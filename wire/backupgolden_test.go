package wire

import (
	"testing"

	emcdp "github.com/emcdp/emcdp"
)

// backupWorld is the backups part of the fixture of testdata/vbr2/README.md:
// backup1, file1, file2, rp1, rp2, vrp1, vrp2, made by bjs1's two tasks.
type backupWorld struct {
	backup emcdp.Backup
	files  []emcdp.BackupFile     // file1, file2
	rps    []emcdp.RestorePoint   // rp1, rp2
	vrps   []emcdp.VmRestorePoint // vrp1, vrp2
}

func newBackupWorld(t testing.TB, w *vbrWorld) *backupWorld {
	id := func(s string) emcdp.ID { return mustID(t, s) }
	srv, repo, job, bjs1 := &w.srv, &w.repos[0], &w.jobs[0], &w.js[0]
	b := &backupWorld{}
	b.backup = emcdp.Backup{ID: id("b7c8d9e0-f1a2-4b3c-8d4e-5f6a7b8c9d0e"), Name: job.Name, JobID: job.ID, JobName: job.Name,
		RepositoryID: repo.ID, RepositoryName: repo.Name, Platform: "VMware", BackupType: "Standard",
		BackupServerID: srv.ID, BackupServerName: srv.Name}
	file := func(fid, name string, data, size int64, dedup, compress emcdp.Ratio, created string) emcdp.BackupFile {
		return emcdp.BackupFile{ID: id(fid), Name: name, BackupID: b.backup.ID, BackupName: b.backup.Name,
			FilePath: `C:\Backup\SQL Daily\` + name, DataSize: data, BackupSize: size, DeduplicationRatio: dedup,
			CompressRatio: compress, CreationTime: mustTime(t, created), FileType: "vbk",
			BackupServerID: srv.ID, BackupServerName: srv.Name}
	}
	b.files = []emcdp.BackupFile{
		file("c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f", "SQL DailyD2026-06-14T220014_8C1E.vbk", 64424509440, 21029021230, 148, 207, "2026-06-14T22:01:02.137514Z"),
		file("0b1c2d3e-4f5a-4b6c-9d7e-8f9a0b1c2d3e", "SQL DailyD2026-06-14T220014_4B7A.vbk", 21474836480, 10477574395, 112, 183, "2026-06-14T22:01:03.512047Z"),
	}
	for i, rid := range []string{"d2e3f4a5-b6c7-4d8e-9f0a-1b2c3d4e5f6a", "e3f4a5b6-c7d8-4e9f-8a1b-2c3d4e5f6a7b"} {
		b.rps = append(b.rps, emcdp.RestorePoint{ID: id(rid), Name: emcdp.PointName(bjs1.CreationTime), BackupID: b.backup.ID,
			BackupName: b.backup.Name, BackupFileID: b.files[i].ID, JobSessionID: bjs1.ID, BackupDate: bjs1.CreationTime,
			BackupServerID: srv.ID, BackupServerName: srv.Name})
		b.files[i].RestorePointID = b.rps[i].ID
	}
	for i, v := range []struct{ id, created string }{
		{"f4a5b6c7-d8e9-4f0a-9b2c-3d4e5f6a7b8c", "2026-06-14T22:01:41.450192Z"},
		{"a5b6c7d8-e9f0-4a1b-8c3d-4e5f6a7b8c9d", "2026-06-14T22:01:42.287136Z"},
	} {
		ts := &w.ts[i]
		created := mustTime(t, v.created)
		b.vrps = append(b.vrps, emcdp.VmRestorePoint{ID: id(v.id), Name: emcdp.JobSessionName(ts.VmDisplayName, created),
			RestorePointID: b.rps[i].ID, RestorePointName: b.rps[i].Name, BackupFileID: b.files[i].ID,
			BackupFileName: b.files[i].Name, TaskSessionID: ts.ID, VmDisplayName: ts.VmDisplayName,
			HierarchyObjRef: ts.VmUID, CreationTime: created, Algorithm: "Full", PointType: "Full",
			BackupServerID: srv.ID, BackupServerName: srv.Name})
	}
	return b
}

// backupCases are the golden files of the backup kinds: each item's
// reference and entity, the collections (files by name, points newest
// first) and one page of the query service (default order).
func backupCases(b *backupWorld) []vbrCase {
	var cs []vbrCase
	page := func(typ string, r Rep) Paging {
		q := exBase + "/query?type=" + typ
		if r == Entity {
			q += "&format=Entities"
		}
		q += "&pageSize=100&page=1"
		return Paging{PageNum: 1, PageSize: 100, PagesCount: 1, Links: []PageLink{{"First", q}, {"Last", q}}}
	}
	kind := func(name string, k emcdp.Kind, first any, list, query []any) {
		cs = append(cs,
			vbrCase{name + ".reference", func(e Encoder) []byte { return e.Resource(nil, exBase, k, first, Reference) }},
			vbrCase{name + ".entity", func(e Encoder) []byte { return e.Resource(nil, exBase, k, first, Entity) }})
		for _, r := range []Rep{Reference, Entity} {
			rep := map[Rep]string{Reference: "reference", Entity: "entity"}[r]
			cs = append(cs,
				vbrCase{"list." + k.String() + "." + rep, func(e Encoder) []byte {
					return e.List(nil, exBase, k, &emcdp.QueryResult{Items: list}, r)
				}},
				vbrCase{"query." + k.String() + "." + rep, func(e Encoder) []byte {
					return e.QueryResult(nil, exBase, k, &emcdp.QueryResult{Items: query, Total: len(query)}, r, page(k.String(), r))
				}})
		}
	}
	kind("backup", emcdp.KindBackup, &b.backup, []any{&b.backup}, []any{&b.backup})
	kind("backupFile", emcdp.KindBackupFile, &b.files[0], []any{&b.files[1], &b.files[0]}, []any{&b.files[1], &b.files[0]})
	kind("restorePoint", emcdp.KindRestorePoint, &b.rps[0], []any{&b.rps[0], &b.rps[1]}, []any{&b.rps[0], &b.rps[1]})
	kind("vmRestorePoint", emcdp.KindVmRestorePoint, &b.vrps[0], []any{&b.vrps[1], &b.vrps[0]}, []any{&b.vrps[0], &b.vrps[1]})
	return cs
}

// TestBackupGolden encodes the backups of testdata/vbr2/README.md's fixture,
// the repository and the task session with their links to them, and compares every one of their
// golden files byte for byte.
func TestBackupGolden(t *testing.T) {
	w := newVBRWorld(t)
	b := newBackupWorld(t, w)
	bts1 := w.ts[0]
	bts1.VmRestorePointID, bts1.VmRestorePointName = b.vrps[0].ID, b.vrps[0].Name
	bjs1 := w.js[0]
	for _, p := range b.rps {
		bjs1.RestorePoints = append(bjs1.RestorePoints, emcdp.Ref{ID: p.ID, Name: p.Name})
	}
	cs := append(backupCases(b),
		vbrCase{"backupTaskSession.reference-related", func(e Encoder) []byte {
			return e.Resource(nil, exBase, emcdp.KindBackupTaskSession, &bts1, Reference)
		}},
		vbrCase{"backupTaskSession.entity-related", func(e Encoder) []byte {
			return e.Resource(nil, exBase, emcdp.KindBackupTaskSession, &bts1, Entity)
		}},
		vbrCase{"backupJobSession.reference-related", func(e Encoder) []byte {
			return e.Resource(nil, exBase, emcdp.KindBackupJobSession, &bjs1, Reference)
		}},
		vbrCase{"backupJobSession.entity-related", func(e Encoder) []byte {
			return e.Resource(nil, exBase, emcdp.KindBackupJobSession, &bjs1, Entity)
		}},
		vbrCase{"repository.reference-backups", func(e Encoder) []byte {
			return e.Resource(nil, exBase, emcdp.KindRepository, &w.repos[0], Reference)
		}},
		vbrCase{"repository.entity-backups", func(e Encoder) []byte {
			return e.Resource(nil, exBase, emcdp.KindRepository, &w.repos[0], Entity)
		}})
	checkVBR2Goldens(t, cs)
}
