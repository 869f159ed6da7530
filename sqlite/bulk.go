package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/sqlgen"
)

// A bulk load (a seed's history: a million rows into empty session tables,
// and the backup catalogue that grows and is trimmed by retention beside
// them) is cheaper without those tables' secondary indexes: each row then
// goes into its table and its primary key only, instead of into up to ten
// B-trees at scattered places, and every index is built once at the end from
// a sort. What the bulk load took apart is recorded in the meta table in the
// same transaction, so a load that is killed half-way leaves a database that
// the next Open (or the resumed load's EndBulk) puts back together; reads in
// the meantime give the same answers, only more slowly.

// metaDeferred holds the CREATE statements of the indexes a bulk load
// dropped, as a JSON list; absent when none are missing.
const metaDeferred = "sqlite.deferred_indexes"

// bulkCacheKiB is the writer's page cache during a bulk load: enough for
// the tables' primary keys and the pages a large transaction dirties to stay
// in memory until the commit. At 1 M task sessions, 256 MiB cost the same
// CPU and 115 MB more memory (measured).
const bulkCacheKiB = 128 * 1024

// BeginBulk prepares the store for a large insert into its session tables and
// backup catalogue (bulkTables): it drops their non-unique secondary indexes
// and the unique indexes that stand for a table's key (recording them first),
// and enlarges the writer's page cache. EndBulk undoes both. Other
// constraints are kept. The ids of the rows written meanwhile are checked
// once, when EndBulk builds the index of the key: a duplicate id fails it,
// not the insert, and reads and writes of one row by id scan the table until
// then. Until EndBulk, the C allocator's free pages are not handed back (see
// trimTick) and the WAL is not checkpointed when writing seems to pause (see
// idleCheckpoint).
func (db *DB) BeginBulk(ctx context.Context) error {
	if err := db.check(); err != nil {
		return err
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(err, "begin bulk")
	}
	defer tx.Rollback()
	saved, err := deferredIndexes(ctx, tx)
	if err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
		AND tbl_name IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(bulkTables())), ", ")+`) ORDER BY name`, bulkTables()...)
	if err != nil {
		return mapErr(err, "list indexes")
	}
	var names []string
	for rows.Next() {
		var name, stmt string
		if err := rows.Scan(&name, &stmt); err != nil {
			rows.Close()
			return mapErr(err, "list indexes")
		}
		if unique(stmt) && !keyIndex(stmt) || writesRead(stmt) {
			continue
		}
		names = append(names, name)
		saved = append(saved, stmt)
	}
	if err := rows.Close(); err != nil {
		return mapErr(err, "list indexes")
	}
	if len(names) > 0 {
		b, err := json.Marshal(saved)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, upsertMeta, metaDeferred, string(b)); err != nil {
			return mapErr(err, "record indexes")
		}
		for _, n := range names {
			if _, err := tx.ExecContext(ctx, `DROP INDEX "`+n+`"`); err != nil {
				return mapErr(err, "drop index "+n)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return mapErr(err, "commit bulk")
	}
	// Only a bulk load that began pauses the housekeeping: one that failed
	// to would leave it paused for good, since its caller ends no bulk load.
	// That holds for a cache that cannot be enlarged too (its context was
	// cancelled): the indexes dropped come back at the next EndBulk or Open.
	if _, err := db.w.ExecContext(ctx, "PRAGMA cache_size=-"+strconv.Itoa(bulkCacheKiB)); err != nil {
		return mapErr(err, "cache size")
	}
	db.bulk.Store(true)
	return nil
}

// EndBulk gives the writer back its usual page cache, builds the indexes
// BeginBulk dropped (with the readers' idle connections closed meanwhile, see
// leaveWAL) and refreshes the planner statistics of their tables.
// It does nothing more when no bulk load is pending. Then it hands back the
// memory the bulk load freed, lets trimLoop do so again, and schedules the
// idle checkpoint that the bulk load held back.
func (db *DB) EndBulk(ctx context.Context) error {
	if err := db.check(); err != nil {
		return err
	}
	defer func() {
		db.bulk.Store(false)
		db.releaseWriterCache()
		db.afterWrite(ctx, 0, 0) // the idle checkpoint the bulk load held back
	}()
	if _, err := db.w.ExecContext(ctx, "PRAGMA cache_size=-"+strconv.Itoa(writerCacheKiB)); err != nil {
		return mapErr(err, "cache size")
	}
	// The idle readers let go of the file, so that the builds can leave WAL
	// mode (leaveWAL); the pool opens them again when they are needed.
	db.r.SetMaxIdleConns(0)
	defer db.r.SetMaxIdleConns(readerConns())
	return restoreIndexes(ctx, db.w)
}

// sortCacheKiB is the writer's page cache while it builds indexes. A sort
// keeps at most the cache's size of keys in memory: beyond it, each piece is
// sorted by the second thread while the first reads on, and the pieces are
// merged. At a million task sessions, pieces of 8 MiB cost less CPU than
// one sort of the whole index in the usual 64 MiB (measured), besides
// sorting on both cores.
const sortCacheKiB = 8192

// buildMmapBytes is how much of the database file the writer maps into
// memory while it builds indexes (SQLite caps it at 2 GiB). Each build reads
// the whole table; mapped, its pages are read in place instead of being
// copied from the kernel's page cache through the build's small page cache
// once per index. Outside the builds the writer maps nothing (see Open).
const buildMmapBytes = 1 << 31

// restoreIndexes creates, in one transaction, the indexes that a bulk load
// recorded as dropped and that do not exist, then analyses their tables and
// forgets the record. Having built any, it leaves the writer with its usual
// page cache.
//
// Before the builds the WAL, which the bulk load left holding the last
// hundreds of MB of the table, is copied into the database file: a build
// then reads the table from the file, memory-mapped, rather than searching
// the WAL's index for every page. The builds themselves run with a rollback
// journal when no other connection has the file open (leaveWAL), and else
// in WAL mode after a passive checkpoint, which copies what no reader still
// needs and waits for none.
func restoreIndexes(ctx context.Context, w *sql.DB) (err error) {
	conn, err := w.Conn(ctx)
	if err != nil {
		return mapErr(err, "index build")
	}
	defer conn.Close()
	if saved, err := deferredIndexes(ctx, conn); err != nil || len(saved) == 0 {
		return err
	}
	left, err := leaveWAL(ctx, conn)
	if err != nil {
		return err
	}
	if left {
		defer func() {
			if _, werr := conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA journal_mode=WAL"); werr != nil {
				// Never hand the writer back outside WAL mode: drop it, and
				// the pool opens a fresh one with the full settings.
				_ = conn.Raw(func(any) error { return driver.ErrBadConn })
				err = errors.Join(err, mapErr(werr, "back to WAL mode"))
			}
		}()
	} else if _, err := conn.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)"); err != nil {
		return mapErr(err, "checkpoint before the index build")
	}
	undo, err := buildSettings(ctx, conn)
	defer undo()
	if err != nil {
		return err
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(err, "begin index build")
	}
	defer tx.Rollback()
	saved, err := deferredIndexes(ctx, tx)
	if err != nil || len(saved) == 0 {
		return err
	}
	tables := map[string]bool{}
	for _, stmt := range saved {
		name, table, ok := indexNames(stmt)
		if !ok {
			return fmt.Errorf("sqlite: malformed %s entry %q", metaDeferred, stmt)
		}
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?", name).Scan(&n); err != nil {
			return mapErr(err, "find index "+name)
		}
		if n == 0 {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				err = mapErr(err, "build index "+name)
				if errors.Is(err, ErrDuplicate) {
					// Only a fault of the bulk's writer puts one id in two
					// rows; the database keeps them, and says what to do.
					return fmt.Errorf("%w: a bulk load wrote two rows of %s with one id; the database cannot be "+
						"used until it is written afresh (emcdp seed --force keeps its users)", err, table)
				}
				return err
			}
		}
		tables[table] = true
	}
	for t := range tables {
		if _, err := tx.ExecContext(ctx, `ANALYZE "`+t+`"`); err != nil {
			return mapErr(err, "analyze "+t)
		}
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM meta WHERE key = ?", metaDeferred); err != nil {
		return mapErr(err, "forget deferred indexes")
	}
	return mapErr(tx.Commit(), "commit index build")
}

// buildPragmas are the writer's settings while it builds indexes, each with
// the value that gives it back its usual one afterwards: the file mapped
// (buildMmapBytes), the small page cache of the sorts (sortCacheKiB), and a
// second thread for them. SQLite's sorter starts no thread when temporary
// files are kept in memory, which the connections' temp_store=MEMORY (see
// connector) asks for: with it the builds sorted on one core. With its
// pieces in temporary files, one thread sorts each piece while the other
// reads on and merges; at a million task sessions the building thread then
// spent 3.6 s of CPU instead of 8.8 s, and both threads together less than
// the one had (measured on the seeded file).
var buildPragmas = []struct{ name, during, after string }{
	{"mmap_size", strconv.Itoa(buildMmapBytes), "0"},
	{"cache_size", "-" + strconv.Itoa(sortCacheKiB), "-" + strconv.Itoa(writerCacheKiB)},
	{"temp_store", "FILE", "MEMORY"},
	{"threads", "2", "0"},
}

// buildSettings gives conn the settings of buildPragmas for index builds
// and returns what puts back the usual ones (also after a failure).
func buildSettings(ctx context.Context, conn *sql.Conn) (undo func(), err error) {
	undo = func() {
		for _, p := range buildPragmas {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA "+p.name+"="+p.after)
		}
	}
	for _, p := range buildPragmas {
		if _, err := conn.ExecContext(ctx, "PRAGMA "+p.name+"="+p.during); err != nil {
			return undo, mapErr(err, p.name)
		}
	}
	return undo, nil
}

// leaveWAL switches conn from WAL mode to a rollback journal, for the index
// builds, and reports whether it did. In WAL mode every page of the new
// indexes (about 480 MB at a million task sessions) was written twice: into
// the WAL, then by the checkpoint into the database file. With a rollback
// journal a transaction appends the pages past the file's old end without
// journaling them, since undoing it only truncates the file, and journals
// the few pages before it that it changes; a process killed in the middle
// leaves a hot journal, which the next connection to read the file plays
// back, and the next Open builds the indexes again (restoreIndexes). The
// switch checkpoints the whole WAL and needs the file to itself: when
// another connection has it open (a reader in this process or another, which
// in WAL mode holds its shared lock while idle), it fails at once, without
// waiting, and the builds run in WAL mode as before.
func leaveWAL(ctx context.Context, conn *sql.Conn) (bool, error) {
	if _, err := conn.ExecContext(ctx, "PRAGMA busy_timeout=0"); err != nil {
		return false, mapErr(err, "busy timeout")
	}
	var mode string
	err := conn.QueryRowContext(ctx, "PRAGMA journal_mode=DELETE").Scan(&mode)
	if _, berr := conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA busy_timeout="+strconv.Itoa(busyTimeoutMillis)); berr != nil {
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		return false, mapErr(berr, "busy timeout")
	}
	switch {
	case isBusy(err):
		return false, nil
	case err != nil:
		return false, mapErr(err, "leave WAL mode")
	}
	return mode == "delete", nil
}

// deferredIndexes reads the CREATE statements a bulk load recorded.
func deferredIndexes(ctx context.Context, tx interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) ([]string, error) {
	var s string
	err := tx.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = ?", metaDeferred).Scan(&s)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, mapErr(err, "read deferred indexes")
	}
	var saved []string
	if err := json.Unmarshal([]byte(s), &saved); err != nil {
		return nil, fmt.Errorf("sqlite: malformed %s: %w", metaDeferred, err)
	}
	return saved, nil
}

// indexNames returns the index and table names of a CREATE INDEX statement
// as sqlite_master keeps it: CREATE [UNIQUE] INDEX name ON table (…).
func indexNames(stmt string) (name, table string, ok bool) {
	f := strings.Fields(stmt)
	if unique(stmt) {
		f = append(f[:1:1], f[2:]...)
	}
	if len(f) < 5 || !strings.EqualFold(f[0], "CREATE") || !strings.EqualFold(f[1], "INDEX") || !strings.EqualFold(f[3], "ON") {
		return "", "", false
	}
	table, _, _ = strings.Cut(f[4], "(")
	return strings.Trim(f[2], `"`), strings.Trim(table, `"`), true
}

// indexColumns returns the columns of a CREATE INDEX statement in order,
// each with its DESC or COLLATE words if any.
func indexColumns(stmt string) []string {
	_, cols, _ := strings.Cut(stmt, "(")
	cols, _, _ = strings.Cut(cols, ")")
	var out []string
	for _, c := range strings.Split(cols, ",") {
		out = append(out, strings.TrimSpace(c))
	}
	return out
}

// unique reports whether stmt creates a unique index.
func unique(stmt string) bool {
	f := strings.Fields(stmt)
	return len(f) > 1 && strings.EqualFold(f[1], "UNIQUE")
}

// keyIndex reports whether stmt creates the unique index of a table's id
// alone: the key of a table whose rows are kept in the order they are
// written (task_sessions), which a bulk load builds from one sort at its end
// rather than inserting every random id at its place.
func keyIndex(stmt string) bool {
	cols := indexColumns(stmt)
	return unique(stmt) && len(cols) == 1 && strings.Trim(cols[0], `"`) == sqlgen.IDColumn
}

// writesRead reports whether the index that stmt creates serves writes: a
// removal clears the column it starts with in the rows naming the removed
// one (emcdp.Cleared), which without it would read the whole table per
// removed row.
func writesRead(stmt string) bool {
	_, table, ok := indexNames(stmt)
	f := strings.Fields(indexColumns(stmt)[0])
	if !ok || len(f) == 0 {
		return true // not understood: kept
	}
	first := strings.Trim(f[0], `"`)
	for _, d := range emcdp.AllDescs {
		for _, c := range emcdp.Cleared(d.Kind) {
			if c.Desc.Table == table && c.Column == first {
				return true
			}
		}
	}
	return false
}

// bulkTables lists, as arguments, the tables whose secondary indexes a bulk
// load drops: those of the session kinds, and those of the backup catalogue
// (backups, backup files, restore points, VM restore points). A seed writes
// the catalogue in the tens of thousands of rows, each by itself (an upsert,
// and for most points a removal by retention later in the history), and
// every such write also updated the three to six indexes of its table: with
// them kept, the VBR world's 5 % of the rows took a quarter of a seed's CPU
// time at 1 M task sessions (measured). The indexes that writes read stay
// (writesRead), and so do the tables' keys.
func bulkTables() []any {
	var ts []any
	for _, d := range emcdp.AllDescs {
		switch {
		case d.Session, d.Kind == emcdp.KindBackup, d.Kind == emcdp.KindBackupFile,
			d.Kind == emcdp.KindRestorePoint, d.Kind == emcdp.KindVmRestorePoint:
			ts = append(ts, d.Table)
		}
	}
	return ts
}
