package query

import (
	"testing"
	"time"

	"github.com/emcdp/emcdp"
)

// TestClientForms parses the query strings that monitoring clients send for
// the job and session types (monitoring.md §2), unquoted values included.
func TestClientForms(t *testing.T) {
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		raw   string
		kind  emcdp.Kind
		field string
		value emcdp.Value
		sort  string
		desc  bool
		size  int
	}{
		{`type=BackupJobSession&filter=JobName=="SQL Daily"&format=Entities&pageSize=5&sortDesc=EndTime`,
			emcdp.KindBackupJobSession, "JobName", emcdp.Value{Str: "SQL Daily"}, "EndTimeUTC", true, 5},
		{`type=BackupJobSession&filter=JobName==SQL_Daily&format=entities&pageSize=1&sortDesc=EndTime`,
			emcdp.KindBackupJobSession, "JobName", emcdp.Value{Str: "SQL_Daily"}, "EndTimeUTC", true, 1},
		{`type=BackupJobSession&filter=CreationTime>=2026-01-01T00:00:00&format=entities`,
			emcdp.KindBackupJobSession, "CreationTimeUTC", emcdp.Value{Time: day}, "", false, 100},
		{`type=ReplicaJobSession&filter=CreationTime>="2026-01-01T00:00:00"`,
			emcdp.KindReplicaJobSession, "CreationTimeUTC", emcdp.Value{Time: day}, "", false, 100},
		{`type=BackupTaskSession&filter=CreationTimeUTC>"2026-01-01"`,
			emcdp.KindBackupTaskSession, "CreationTimeUTC", emcdp.Value{Time: day}, "", false, 100},
		{`type=Job&filter=JobType==Replica&format=entities`,
			emcdp.KindJob, "JobType", emcdp.Value{Int: int64(emcdp.JobReplica)}, "", false, 100},
		{`type=Repository&filter=Kind==AmazonS3Compatible&sortAsc=FreeSpace`,
			emcdp.KindRepository, "Kind", emcdp.Value{Str: "AmazonS3Compatible"}, "FreeSpace", false, 100},
		{`type=ReplicaTaskSession&filter=JobSessionUid==urn:veeam:ReplicaJobSession:4a3b2c1d-0e9f-4876-a5b4-c3d2e1f0a9b8`,
			emcdp.KindReplicaTaskSession, "JobSessionUid", emcdp.Value{ID: mustParseID(t, "4a3b2c1d-0e9f-4876-a5b4-c3d2e1f0a9b8")}, "", false, 100},
	}
	for _, c := range cases {
		r, err := ParseRequest(c.raw, 1000)
		if err != nil {
			t.Errorf("%s: %v", c.raw, err)
			continue
		}
		q := r.Query
		term, ok := q.Filter.(*emcdp.Term)
		if q.Kind != c.kind || !ok || term.Field.Name != c.field || term.Value != c.value || q.PageSize != c.size || q.Desc != c.desc {
			t.Errorf("%s: parsed as %+v, filter %+v", c.raw, q, q.Filter)
			continue
		}
		if (q.Sort == nil) != (c.sort == "") || q.Sort != nil && q.Sort.Name != c.sort {
			t.Errorf("%s: sort %+v, want %q", c.raw, q.Sort, c.sort)
		}
	}
	// Both conditions of a client's "X and Success" filter are kept.
	r, err := ParseRequest(`type=BackupJobSession&filter=JobName=="X";Result==Success`, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if and, ok := r.Query.Filter.(*emcdp.And); !ok || len(and.Terms) != 2 {
		t.Errorf("JobName and Result: %+v", r.Query.Filter)
	}
}

func mustParseID(t *testing.T, s string) emcdp.ID {
	id, ok := emcdp.ParseID(s)
	if !ok {
		t.Fatal(s)
	}
	return id
}
