package sqlite

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

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

// walFrames returns the number of frames in the WAL of db's file, from a
// passive checkpoint (which copies them but leaves the count).
func walFrames(t *testing.T, db *DB) int {
	t.Helper()
	var busy, frames, done int
	if err := db.w.QueryRow("PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &done); err != nil {
		t.Fatal(err)
	}
	return frames
}

// TestBulkBuildsOutsideWAL checks that EndBulk builds the indexes with a
// rollback journal, writing their pages once into the database file rather
// than into the WAL and again at the checkpoint, and leaves the file in WAL
// mode with the readers working; and that when another connection has the
// file open, which keeps it from leaving WAL mode, it builds them in WAL
// mode all the same.
func TestBulkBuildsOutsideWAL(t *testing.T) {
	ctx := context.Background()
	for _, shared := range []bool{false, true} {
		db := openTemp(t)
		want := indexSQL(t, db)
		if err := db.BeginBulk(ctx); err != nil {
			t.Fatal(err)
		}
		if err := storetest.Generate(ctx, db, 20000, 5000, true); err != nil {
			t.Fatal(err)
		}
		if shared {
			other, err := sql.Open("sqlite3", "file:"+db.Path())
			if err != nil {
				t.Fatal(err)
			}
			var n int
			if err := other.QueryRow("SELECT count(*) FROM meta").Scan(&n); err != nil {
				t.Fatal(err)
			}
			defer other.Close() // idle, it keeps the file open in WAL mode
		}
		if err := db.EndBulk(ctx); err != nil {
			t.Fatal(err)
		}
		if got := indexSQL(t, db); !slices.Equal(got, want) {
			t.Fatalf("shared %v: indexes after EndBulk:\n%s", shared, strings.Join(got, "\n"))
		}
		var mode string
		if err := db.w.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
			t.Fatalf("shared %v: journal mode %q after EndBulk, %v", shared, mode, err)
		}
		// Every index page (hundreds at 20,000 task sessions) went through
		// the WAL when the builds ran in WAL mode (an idle checkpoint may
		// have emptied it since, when it was shared).
		if f := walFrames(t, db); !shared && f > 100 {
			t.Errorf("%d frames in the WAL after EndBulk", f)
		}
		res, err := db.Query(ctx, &emcdp.Query{Kind: emcdp.KindCdpReplicaTaskSession, PageSize: 1, Page: 1})
		if err != nil || res.Total != 20000 {
			t.Fatalf("shared %v: total %d, %v; want 20000", shared, res.Total, err)
		}
		db.Close()
	}
}

// killChildEnv names the database a child process of TestBulkKilledInBuild
// works on, and killStepEnv what it does there.
const (
	killChildEnv = "EMCDP_TEST_BULK_KILL_DB"
	killStepEnv  = "EMCDP_TEST_BULK_KILL_STEP"
)

// TestBulkKilledInBuild kills a process while it builds the indexes at the
// end of a bulk load with a rollback journal (leaveWAL), at a random moment
// of the builds' transaction, then kills the next one while its Open builds
// them again; after each kill, the next read plays the hot journal back and
// finds the record of the indexes to build. The third Open then finds a
// whole database: every index built, the rows all there, the file in WAL
// mode, its integrity intact.
func TestBulkKilledInBuild(t *testing.T) {
	if path := os.Getenv(killChildEnv); path != "" {
		bulkChild(t, path, os.Getenv(killStepEnv))
		return
	}
	if testing.Short() {
		t.Skip("starts child processes")
	}
	ctx := context.Background()
	fresh := openTemp(t)
	want := indexSQL(t, fresh)
	fresh.Close()
	path := filepath.Join(t.TempDir(), "killed.db")
	created, err := Open(ctx, path) // the children do not create it
	if err != nil {
		t.Fatal(err)
	}
	created.Close()
	const rows = 100000
	for _, step := range []string{"load", "open"} {
		var out strings.Builder
		cmd := exec.Command(os.Args[0], "-test.run=^TestBulkKilledInBuild$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), killChildEnv+"="+path, killStepEnv+"="+step)
		cmd.Stdout, cmd.Stderr = &out, &out
		pr, pw, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.ExtraFiles = []*os.File{pw} // the child's fd 3
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		pw.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		// The child's word that the builds come next; EOF if it ended.
		if _, err := bufio.NewReader(pr).ReadString('\n'); err != nil {
			t.Fatalf("step %s: the child ended (%v):\n%s", step, <-done, out.String())
		}
		pr.Close()
		// The first journal is that of the switch out of WAL mode (it
		// rewrites the file's header), which the builds' follows at once.
	wait:
		for {
			select {
			case err := <-done:
				t.Fatalf("step %s: the child ended (%v) before a rollback journal appeared:\n%s", step, err, out.String())
			default:
			}
			if _, err := os.Stat(path + "-journal"); err == nil {
				break wait
			}
			time.Sleep(time.Millisecond)
		}
		time.Sleep(time.Duration(rand.IntN(200)) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		<-done
		if _, err := os.Stat(path + "-journal"); err != nil {
			t.Logf("step %s: killed with no journal (between the switch and the builds)", step)
		}
		// The next connection to read the file plays the journal back if it
		// is hot (synced before the first page was written to the file; one
		// that never was leaves the file as it was): the builds are undone,
		// their record is there (it would be gone had they committed).
		raw, err := sql.Open("sqlite3", "file:"+path)
		if err != nil {
			t.Fatal(err)
		}
		var deferred, check string
		err = raw.QueryRow("SELECT value FROM meta WHERE key = ?", metaDeferred).Scan(&deferred)
		if err != nil || !strings.Contains(deferred, "task_sessions_created") {
			t.Fatalf("step %s: after the kill, deferred indexes %q, %v", step, deferred, err)
		}
		if err := raw.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
			t.Fatalf("step %s: integrity check after the kill: %q, %v", step, check, err)
		}
		if step == "load" {
			// Back to WAL mode, as the next Open would do first: the switch
			// writes the file's header under a journal of its own, which the
			// next step would take for its builds'. It also deletes a
			// journal that was not hot.
			if _, err := raw.Exec("PRAGMA journal_mode=WAL"); err != nil {
				t.Fatal(err)
			}
		}
		raw.Close()
	}
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := indexSQL(t, db); !slices.Equal(got, want) {
		t.Fatalf("indexes after the kills:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var check, mode string
	if err := db.w.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity check after the kills: %q, %v", check, err)
	}
	if err := db.w.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal mode %q after the kills, %v", mode, err)
	}
	if v, err := db.Meta(ctx, metaDeferred); err != nil || v != "" {
		t.Errorf("%s %q after the kills, %v", metaDeferred, v, err)
	}
	res, err := db.Query(ctx, &emcdp.Query{Kind: emcdp.KindCdpReplicaTaskSession, PageSize: 1, Page: 1})
	if err != nil || res.Total != rows {
		t.Fatalf("total %d, %v; want %d", res.Total, err, rows)
	}
}

// bulkChild is a child's side of TestBulkKilledInBuild: step "load" writes
// 100,000 task sessions in a bulk load into a new database and ends it,
// step "open" opens the database, which builds what the killed load left.
func bulkChild(t *testing.T, path, step string) {
	ctx := context.Background()
	report := os.NewFile(3, "report")
	if step == "open" {
		fmt.Fprintln(report, "opening")
	}
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if step != "load" {
		return
	}
	if err := db.BeginBulk(ctx); err != nil {
		t.Fatal(err)
	}
	if err := storetest.Generate(ctx, db, 100000, 50000, true); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(report, "ending the bulk load")
	if err := db.EndBulk(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestBuildSettings checks that the index builds' settings give SQLite's
// sorter its second thread, which it starts only when temporary files are
// not kept in memory, and that undoing them gives the writer back its usual
// settings.
func TestBuildSettings(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	defer db.Close()
	conn, err := db.w.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	pragma := func(name string) int {
		t.Helper()
		var n int
		if err := conn.QueryRowContext(ctx, "PRAGMA "+name).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := map[string]int{}
	for _, p := range buildPragmas {
		before[p.name] = pragma(p.name)
	}
	undo, err := buildSettings(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	if th, ts := pragma("threads"), pragma("temp_store"); th < 1 || ts == 2 {
		t.Errorf("during the builds threads=%d, temp_store=%d: the sorter has no second thread with temporary files in memory (2)", th, ts)
	}
	undo()
	for _, p := range buildPragmas {
		if n := pragma(p.name); n != before[p.name] {
			t.Errorf("%s %d after the builds, %d before", p.name, n, before[p.name])
		}
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
