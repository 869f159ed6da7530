package sqlgen

import (
	"strconv"
	"strings"
	"testing"

	"github.com/emcdp/emcdp"
)

// TestDescSQL pins the SQL derived from a description for both dialects.
func TestDescSQL(t *testing.T) {
	d := emcdp.BackupJobSessionDesc
	if got := DescCols(d); !strings.HasPrefix(got, "id, name, job_id, job_name, job_type, creation_time, end_time, ") {
		t.Errorf("columns %q", got)
	}
	lite := strings.Join(CreateTable(&SQLite, d), ";\n")
	pg := strings.Join(CreateTable(&Postgres, d), ";\n")
	for _, want := range []string{
		"CREATE TABLE IF NOT EXISTS backup_job_sessions (",
		"id BLOB NOT NULL PRIMARY KEY",
		"job_name TEXT NOT NULL COLLATE NOCASE",
		"end_time INTEGER,",
		"failure_message TEXT COLLATE NOCASE",
		"CREATE INDEX IF NOT EXISTS backup_job_sessions_job_name_end_time_desc_id ON backup_job_sessions (job_name, end_time DESC, id)",
	} {
		if !strings.Contains(lite, want) {
			t.Errorf("SQLite DDL lacks %q:\n%s", want, lite)
		}
	}
	for _, want := range []string{
		"id uuid NOT NULL PRIMARY KEY",
		"job_type smallint NOT NULL",
		"is_retry boolean NOT NULL",
		`ON backup_job_sessions (lower(job_name COLLATE "C"), end_time DESC NULLS LAST, id)`,
		"ON backup_job_sessions (creation_time DESC, id)",
	} {
		if !strings.Contains(pg, want) {
			t.Errorf("PostgreSQL DDL lacks %q:\n%s", want, pg)
		}
	}
	n := len(StoredProps(d))
	if up := Upsert(&Postgres, d, true); !strings.Contains(up, "$"+strconv.Itoa(n)+")") || !strings.Contains(up, "ON CONFLICT (id) DO UPDATE SET name = excluded.name") {
		t.Errorf("upsert %q", up)
	}
	if ins := Upsert(&SQLite, d, false); strings.Contains(ins, "ON CONFLICT") {
		t.Errorf("insert %q replaces", ins)
	}
	if rows := InsertRows(&Postgres, d, 3); !strings.HasPrefix(rows, Upsert(&Postgres, d, false)+", ($"+strconv.Itoa(n+1)+", ") ||
		!strings.HasSuffix(rows, ", $"+strconv.Itoa(3*n)+")") || strings.Count(rows, "(") != 4 {
		t.Errorf("insert of 3 rows %q", rows)
	}
	if one := InsertRows(&SQLite, d, 1); one != Upsert(&SQLite, d, false) {
		t.Errorf("insert of 1 row %q, want %q", one, Upsert(&SQLite, d, false))
	}
	if upd := Update(&Postgres, d); !strings.HasPrefix(upd, "UPDATE backup_job_sessions SET name = $1,") || !strings.HasSuffix(upd, "WHERE id = $"+strconv.Itoa(n)) {
		t.Errorf("update %q", upd)
	}
	s := emcdp.JobSession{ID: emcdp.NewID(), Name: "j@x", FailureMessage: ""}
	args, err := Args(&SQLite, d, &s, true, nil)
	if err != nil || len(args) != n {
		t.Fatalf("args %v, %v", args, err)
	}
	if id, ok := args[n-1].([]byte); !ok || string(id) != string(s.ID[:]) {
		t.Errorf("update args end with %v, want the id", args[n-1])
	}
	for i, p := range StoredProps(d)[1:] {
		if (p.Column == "end_time" || p.Column == "failure_message") && args[i] != nil {
			t.Errorf("absent %s bound as %v", p.Column, args[i])
		}
	}
	if a := AddColumn(&Postgres, emcdp.RepositoryDesc, emcdp.RepositoryDesc.Column("kind")); a != "ALTER TABLE repositories ADD COLUMN kind text NOT NULL DEFAULT ''" {
		t.Errorf("add column %q", a)
	}
}
