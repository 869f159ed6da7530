package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
)

// TestTaskSessionKeyMigration checks migration 0007 on a database that
// holds task sessions under the earlier schema (the id the table's primary
// key): every row is kept with its rowid and reads back the same, the id is
// unique through task_sessions_id instead, and a second session with an id
// that exists is still refused.
func TestTaskSessionKeyMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "x.db")
	raw, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	raw.SetMaxOpenConns(1)
	if _, err := raw.Exec(`CREATE TABLE schema_migrations (
		version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Version < 7 {
			if err := apply1(ctx, raw, m); err != nil {
				t.Fatal(err)
			}
		}
	}
	created := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	var want []emcdp.TaskSession
	for i := range 3 {
		ts := emcdp.TaskSession{ID: emcdp.NewID(), Name: "vm", PolicySessionID: emcdp.NewID(), PolicySessionName: "p@1",
			PolicyID: emcdp.NewID(), BackupServerID: emcdp.NewID(), BackupServerName: "vbr01", VmDisplayName: "vm",
			CreationTime: created.Add(time.Duration(i) * time.Hour), State: emcdp.TaskInProgress, Result: emcdp.ResultNone, TotalSize: int64(i)}
		if _, err := raw.Exec(`INSERT INTO task_sessions (rowid, id, name, policy_session_id, policy_session_name, policy_id,
			backup_server_id, backup_server_name, vm_display_name, creation_time, end_time, state, result, reason, total_size)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, NULL, ?)`, 10*(i+1), ts.ID[:], ts.Name, ts.PolicySessionID[:],
			ts.PolicySessionName, ts.PolicyID[:], ts.BackupServerID[:], ts.BackupServerName, ts.VmDisplayName,
			ts.CreationTime.UnixNano(), int(ts.State), int(ts.Result), ts.TotalSize); err != nil {
			t.Fatal(err)
		}
		want = append(want, ts)
	}
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}

	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i, ts := range want {
		if got, err := db.TaskSession(ctx, ts.ID); err != nil || *got != ts {
			t.Errorf("task session %d after the migration: %+v, %v\nwant %+v", i, got, err, ts)
		}
		var rowid int
		if err := db.w.QueryRow("SELECT rowid FROM task_sessions WHERE id = ?", ts.ID[:]).Scan(&rowid); err != nil || rowid != 10*(i+1) {
			t.Errorf("task session %d: rowid %d, %v; want %d", i, rowid, err, 10*(i+1))
		}
	}
	var pk, uniq int
	if err := db.w.QueryRow("SELECT count(*) FROM pragma_table_info('task_sessions') WHERE pk > 0").Scan(&pk); err != nil {
		t.Fatal(err)
	}
	if err := db.w.QueryRow("SELECT count(*) FROM pragma_index_list('task_sessions') WHERE name = 'task_sessions_id' AND \"unique\"").Scan(&uniq); err != nil {
		t.Fatal(err)
	}
	if pk != 0 || uniq != 1 {
		t.Errorf("after the migration: %d primary key columns, %d unique index task_sessions_id; want 0 and 1", pk, uniq)
	}
	dup := want[1]
	dup.Name = "other"
	if err := db.Apply(ctx, &emcdp.Batch{NewTaskSessions: []emcdp.TaskSession{dup}}); !errors.Is(err, ErrDuplicate) {
		t.Errorf("inserting an existing id: %v, want ErrDuplicate", err)
	}
}

// TestNewerSchemaRefused: a database that records a migration this release
// does not have was written by a newer release; it is refused with an error
// that says so, rather than served with a schema this release may misread.
func TestNewerSchemaRefused(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "x.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	next := SchemaVersion() + 1
	if _, err := db.w.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, 0)",
		next, fmt.Sprintf("%04d_later.sql", next)); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(ctx, path)
	if err == nil {
		db.Close()
		t.Fatal("a database of a newer schema opened")
	}
	if msg := err.Error(); !strings.Contains(msg, "newer release") || !strings.Contains(msg, fmt.Sprint(next)) {
		t.Errorf("error %q does not say that a newer release (schema %d) wrote the database", msg, next)
	}
}
