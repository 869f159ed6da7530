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
	raw := migratedBelow(t, path, 7)
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
	db := openMigrated(t, raw, path)
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

// TestCreatedDescMigration checks migration 0008 on a database that a bulk
// load was killed in before it: the index task_sessions_created_desc is
// gone after the next open, also from the record of the indexes the load
// deferred, while the others in that record are built again.
func TestCreatedDescMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "x.db")
	raw := migratedBelow(t, path, 8)
	deferred := []string{
		"CREATE INDEX task_sessions_created_desc ON task_sessions (creation_time DESC, id)",
		"CREATE INDEX task_sessions_vm ON task_sessions (vm_display_name, creation_time, id)",
	}
	for _, stmt := range []string{"DROP INDEX task_sessions_created_desc", "DROP INDEX task_sessions_vm",
		`INSERT INTO meta (key, value) VALUES ('` + metaDeferred + `', '["` + deferred[0] + `", "` + deferred[1] + `"]')`} {
		if _, err := raw.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	db := openMigrated(t, raw, path)
	for name, want := range map[string]int{"task_sessions_created_desc": 0, "task_sessions_vm": 1, "task_sessions_refs": 1} {
		var n int
		if err := db.w.QueryRow("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?", name).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Errorf("after the migration: %d indexes %s, want %d", n, name, want)
		}
	}
	if v, err := db.Meta(ctx, metaDeferred); err != nil || v != "" {
		t.Errorf("%s %q after the migration, %v", metaDeferred, v, err)
	}
}

// migratedBelow creates a database at path with the migrations before
// version applied, and returns it open on one connection.
func migratedBelow(t *testing.T, path string, version int) *sql.DB {
	t.Helper()
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
		if m.Version < version {
			if err := apply1(context.Background(), raw, m); err != nil {
				t.Fatal(err)
			}
		}
	}
	return raw
}

// openMigrated closes raw and opens the store at path, which applies the
// remaining migrations.
func openMigrated(t *testing.T, raw *sql.DB, path string) *DB {
	t.Helper()
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
