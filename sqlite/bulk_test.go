package sqlite

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/storetest"
	"github.com/mattn/go-sqlite3"
)

// indexSQL lists the indexes of the database with their statements.
func indexSQL(t *testing.T, db *DB) []string {
	t.Helper()
	rows, err := db.w.Query("SELECT name || ': ' || sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// writerPragma returns the writer's integer setting name: cache_size
// (negative: KiB), or mmap_size, the bytes of the file it maps (none outside
// the index builds of a bulk load's end).
func writerPragma(t *testing.T, db *DB, name string) int {
	t.Helper()
	var n int
	if err := db.w.QueryRow("PRAGMA " + name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestBulk checks that a bulk load drops the secondary indexes of the
// session tables and of the backup catalogue but those that writes read,
// that rows written meanwhile read the same, and that EndBulk, or the next
// Open after a load that never ended, builds every index again as it was,
// and leaves the writer with its usual page cache (not the bulk load's, nor
// the smaller one of the index builds).
func TestBulk(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	want := indexSQL(t, db)
	if err := db.BeginBulk(ctx); err != nil {
		t.Fatal(err)
	}
	during := indexSQL(t, db)
	if len(during) >= len(want) {
		t.Fatalf("%d indexes during the bulk load, %d before", len(during), len(want))
	}
	for _, ix := range during {
		for _, p := range []string{"task_sessions_", "backups_", "backup_files_", "restore_points_", "vm_restore_points_"} {
			if strings.HasPrefix(ix, p) {
				t.Errorf("index %s kept during the bulk load", ix)
			}
		}
	}
	if !slices.ContainsFunc(during, func(s string) bool { return strings.Contains(s, "ON backup_task_sessions (vm_restore_point_id)") }) {
		t.Errorf("the index that removals of VM restore points read was dropped:\n%s", strings.Join(during, "\n"))
	}
	if err := storetest.Generate(ctx, db, 3000, 500, true); err != nil {
		t.Fatal(err)
	}
	if err := db.EndBulk(ctx); err != nil {
		t.Fatal(err)
	}
	if got := indexSQL(t, db); !slices.Equal(got, want) {
		t.Fatalf("indexes after EndBulk:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if c := writerPragma(t, db, "cache_size"); c != -writerCacheKiB {
		t.Errorf("writer cache_size %d after EndBulk, want %d", c, -writerCacheKiB)
	}
	if m := writerPragma(t, db, "mmap_size"); m != 0 {
		t.Errorf("writer mmap_size %d after EndBulk, want 0", m)
	}
	res, err := db.Query(ctx, &emcdp.Query{Kind: emcdp.KindCdpReplicaTaskSession, PageSize: 1, Page: 1})
	if err != nil || res.Total != 3000 {
		t.Fatalf("total %d, %v; want 3000", res.Total, err)
	}
	if err := db.EndBulk(ctx); err != nil { // nothing pending
		t.Fatal(err)
	}

	// A load that never ends (the process was killed): the next Open
	// builds the indexes.
	if err := db.BeginBulk(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(ctx, db.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := indexSQL(t, db); !slices.Equal(got, want) {
		t.Fatalf("indexes after reopening:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if c := writerPragma(t, db, "cache_size"); c != -writerCacheKiB {
		t.Errorf("writer cache_size %d after reopening, want %d", c, -writerCacheKiB)
	}
	if m := writerPragma(t, db, "mmap_size"); m != 0 {
		t.Errorf("writer mmap_size %d after reopening, want 0", m)
	}
	if v, err := db.Meta(ctx, metaDeferred); err != nil || v != "" {
		t.Errorf("%s %q after reopening, %v", metaDeferred, v, err)
	}
}

func TestIndexNames(t *testing.T) {
	for _, c := range []struct {
		stmt, name, table string
		ok                bool
	}{
		{"CREATE INDEX task_sessions_vm ON task_sessions (vm_display_name, creation_time, id)", "task_sessions_vm", "task_sessions", true},
		{`CREATE INDEX "ix" ON "t"(x)`, "ix", "t", true},
		{"CREATE UNIQUE INDEX task_sessions_id ON task_sessions (id)", "task_sessions_id", "task_sessions", true},
		{"CREATE TABLE x (a)", "", "", false},
	} {
		name, table, ok := indexNames(c.stmt)
		if name != c.name || table != c.table || ok != c.ok {
			t.Errorf("indexNames(%q) = %q, %q, %v", c.stmt, name, table, ok)
		}
	}
}

// TestKeyIndex checks which unique indexes a bulk load defers: the one on a
// table's id alone, not one that makes other columns unique.
func TestKeyIndex(t *testing.T) {
	for stmt, want := range map[string]bool{
		"CREATE UNIQUE INDEX task_sessions_id ON task_sessions (id)":              true,
		`CREATE UNIQUE INDEX "x_id" ON "x"("id")`:                                 true,
		"CREATE UNIQUE INDEX x_pair ON x (id, name)":                              false,
		"CREATE UNIQUE INDEX x_name ON x (name)":                                  false,
		"CREATE INDEX task_sessions_created ON task_sessions (creation_time, id)": false,
		"CREATE INDEX x_id ON x (id)":                                             false,
	} {
		if got := keyIndex(stmt); got != want {
			t.Errorf("keyIndex(%q) = %v, want %v", stmt, got, want)
		}
	}
}

// TestBulkDuplicateID checks what a bulk load that wrote one task session's
// id twice leaves: the key's index cannot be built, and EndBulk says so as a
// duplicate, naming the table and what to do, rather than failing without a
// word on every later open.
func TestBulkDuplicateID(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	if err := db.BeginBulk(ctx); err != nil {
		t.Fatal(err)
	}
	d := storetest.NewDataset(3, 1, 2, 4, 3)
	b := d.Batch(rand.New(rand.NewPCG(1, 2)))
	if err := db.Apply(ctx, b); err != nil {
		t.Fatal(err)
	}
	again := &emcdp.Batch{NewTaskSessions: b.NewTaskSessions[:1]}
	if err := db.Apply(ctx, again); err != nil {
		t.Fatalf("a duplicate id during the bulk load: %v (the key's index is built at its end)", err)
	}
	err := db.EndBulk(ctx)
	if !errors.Is(err, ErrDuplicate) || !strings.Contains(err.Error(), "task_sessions") || !strings.Contains(err.Error(), "emcdp seed --force") {
		t.Fatalf("EndBulk after a duplicate id: %v; want ErrDuplicate naming the table and the way out", err)
	}
}

// TestBulkBeginFailsWhole: a BeginBulk whose enlarging of the writer's cache
// fails (its context is cancelled as the indexes' drop commits) returns the
// error and leaves no bulk load on, since its caller ends none: the store's
// housekeeping keeps running, and the dropped indexes come back at the next
// EndBulk or Open.
func TestBulkBeginFailsWhole(t *testing.T) {
	db := openTemp(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	conn, err := db.w.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hook := func(f func() int) {
		if err := conn.Raw(func(c any) error { c.(*sqlite3.SQLiteConn).RegisterCommitHook(f); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	hook(func() int { cancel(); return 0 })
	conn.Close()
	err = db.BeginBulk(ctx)
	if conn, cerr := db.w.Conn(context.Background()); cerr == nil {
		conn.Raw(func(c any) error { c.(*sqlite3.SQLiteConn).RegisterCommitHook(nil); return nil })
		conn.Close()
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("BeginBulk with its context cancelled at the commit: %v, want it cancelled", err)
	}
	if db.bulk.Load() {
		t.Error("a BeginBulk that failed left the bulk load on")
	}
	if err := db.EndBulk(context.Background()); err != nil {
		t.Fatal(err)
	}
}
