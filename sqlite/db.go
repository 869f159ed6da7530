// Package sqlite is the embedded store of emcdp: one SQLite file in WAL mode,
// written through a single writer connection and read through a pool of
// reader connections, with its schema applied by versioned migrations.
//
// Ids are stored as BLOB(16), whose byte order is the order of the
// lower-case GUID strings. Session rows carry their parents' names, so every
// read is a single-table read and a read by id is one primary-key lookup.
package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/mattn/go-sqlite3"
)

// DB is the SQLite implementation of emcdp.Store. It is safe for concurrent
// use; writes are serialised on one connection, as SQLite allows one writer.
type DB struct {
	w      *sql.DB     // the single writer connection
	st     *writeStmts // Apply's statements, prepared on w
	r      *sql.DB     // the reader pool
	rs     *readStmts  // the hot reads by key, prepared on r
	path   string
	closed atomic.Bool
	trim   chan struct{} // closed by Close to stop trimLoop
	bulk   atomic.Bool   // between BeginBulk and EndBulk: trimLoop pauses

	emcdp.Changes // tells this process's caches what Apply and Clear changed

	mu         sync.Mutex  // guards the counters that schedule ANALYZE and checkpoints
	sinceStats int         // rows inserted since the planner statistics were refreshed
	sinceCkpt  int         // rows written since the last idle checkpoint
	ckptTimer  *time.Timer // runs the idle checkpoint; nil until the first large write
	ckptRetry  bool        // the last idle checkpoint found a read under way: try again

	anchors anchors // where deep pages start inside their days
	days    days    // the counts by day that place deep pages
}

// Checkpoint policy of the writer. SQLite's default checkpoints the WAL once
// it holds 1,000 pages (4 MiB). A seed batch of 4,000 task sessions, written
// one policy after another, dirties 4,000 to 15,000 index pages (measured at
// 1.1 million rows), so the default checkpoints after
// every commit: every page is written twice and each commit waits for two
// fsyncs. A WAL of up to walCheckpointPages lets a page rewritten by many
// commits reach the database file once. When writing pauses for
// idleCheckpointWait after at least idleCheckpointRows rows, an idle
// checkpoint moves the WAL into the database file and truncates it, so that
// readers no longer search a large WAL and the file does not keep its size.
const (
	walCheckpointPages = 65536 // 256 MiB of 4 KiB pages
	idleCheckpointRows = 10000
	idleCheckpointWait = time.Second
	busyTimeoutMillis  = 10000
	writerCacheKiB     = 65536 // the writer's page cache (64 MiB) outside bulk loads
)

// readStmtCache is how many statements each reader keeps prepared after
// use, keyed by their text: the queries of the query service and the
// collections are built per request, and compiling them again each time
// cost about a tenth of a hot query's CPU.
const readStmtCache = 64

// writerPragmas are the per-connection settings of the writer.
var writerPragmas = []string{"PRAGMA wal_autocheckpoint=" + strconv.Itoa(walCheckpointPages)}

var _ emcdp.Store = (*DB)(nil)

// ErrDuplicate is wrapped by the error of a batch that inserts a session whose
// id already exists.
var ErrDuplicate = errors.New("already exists")

// Open opens (creating if needed) the database file at path, applies the
// pending migrations and returns the store. Several processes may open the
// same file; migrations are applied once, under the write lock.
func Open(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("sqlite: no database path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: database path: %w", err)
	}
	base := "file:" + (&url.URL{Path: abs}).EscapedPath() +
		"?_busy_timeout=" + strconv.Itoa(busyTimeoutMillis) + "&_foreign_keys=on&_synchronous=NORMAL"
	db := &DB{path: abs}
	db.w = sql.OpenDB(connector{dsn: base + "&_journal_mode=WAL&_txlock=immediate&_cache_size=-" + strconv.Itoa(writerCacheKiB), pragmas: writerPragmas})
	db.w.SetMaxOpenConns(1)
	db.w.SetMaxIdleConns(1)
	db.w.SetConnMaxLifetime(0)
	db.w.SetConnMaxIdleTime(0)
	if err := db.w.PingContext(ctx); err != nil {
		db.w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}
	if err := migrate(ctx, db.w); err != nil {
		db.w.Close()
		return nil, err
	}
	if err := ensureKinds(ctx, db.w); err != nil {
		db.w.Close()
		return nil, err
	}
	// A bulk load that was killed left indexes to build.
	if err := restoreIndexes(ctx, db.w); err != nil {
		db.w.Close()
		return nil, err
	}
	if err := ensureReports(ctx, db.w); err != nil {
		db.w.Close()
		return nil, err
	}
	if db.st, err = prepareWriteStmts(ctx, db.w); err != nil {
		db.w.Close()
		return nil, err
	}
	// One reader per core, each with an 8 MiB page cache: deep pages no
	// longer walk the creation-time index (they start inside one day, see
	// sqlgen.CountsTable), and the whole process stays under 100 MB at a
	// million task sessions. The file is read through the page cache rather
	// than memory-mapped, so that mapped database pages do not swell the
	// resident set. The readers are opened without SQLite's own mutex
	// (_mutex=no): database/sql hands a connection to one goroutine at a
	// time, and the driver's only call from another, sqlite3_interrupt,
	// needs no lock; with the mutex, every column of every row read took
	// and released it (7 % of a deep page's instructions, 11 % of a day
	// window's).
	n := readerConns()
	db.r = sql.OpenDB(connector{dsn: base + "&_txlock=deferred&_query_only=1&_mutex=no&_cache_size=-8192&_stmt_cache_size=" +
		strconv.Itoa(readStmtCache)})
	db.r.SetMaxOpenConns(n)
	db.r.SetMaxIdleConns(n)
	db.r.SetConnMaxIdleTime(0)
	if err := db.r.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}
	if db.rs, err = prepareReadStmts(ctx, db.r); err != nil {
		db.Close()
		return nil, err
	}
	// Refresh the planner statistics when they are missing or stale; with
	// analysis_limit this reads a bounded sample of each index.
	if _, err := db.w.ExecContext(ctx, "PRAGMA optimize=0x10002"); err != nil {
		db.Close()
		return nil, mapErr(err, "optimize")
	}
	db.releaseWriterCache()
	db.trim = make(chan struct{})
	go db.trimLoop(db.trim)
	return db, nil
}

// readerConns is the number of readers: one per core, at least two.
func readerConns() int { return max(2, runtime.NumCPU()) }

// releaseWriterCache frees the pages the writer holds in its page cache.
// The cache is large for bulk writes (seeding), but between them it only
// keeps what the last large write or the statistics read at open left
// there, tens of MB at a million task sessions.
func (db *DB) releaseWriterCache() {
	_, _ = db.w.Exec("PRAGMA shrink_memory")
	releaseFreed()
}

// connector opens go-sqlite3 connections with the per-connection settings
// that the DSN cannot carry, without registering a driver globally.
type connector struct {
	dsn     string
	pragmas []string // run on each new connection after the common ones
}

var drv = &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
	// Read through SQLite's page cache (no memory map, see Open), keep
	// temporary sorts in memory, and bound the sample that ANALYZE reads so
	// that it stays fast on large tables.
	for _, p := range []string{"PRAGMA mmap_size=0", "PRAGMA temp_store=MEMORY", "PRAGMA analysis_limit=1000"} {
		if _, err := c.Exec(p, nil); err != nil {
			return err
		}
	}
	return nil
}}

func (c connector) Connect(context.Context) (driver.Conn, error) {
	conn, err := drv.Open(c.dsn)
	if err != nil || len(c.pragmas) == 0 {
		return conn, err
	}
	sc, ok := conn.(*sqlite3.SQLiteConn)
	if !ok {
		conn.Close()
		return nil, fmt.Errorf("sqlite: unexpected connection type %T", conn)
	}
	for _, p := range c.pragmas {
		if _, err := sc.Exec(p, nil); err != nil {
			sc.Close()
			return nil, err
		}
	}
	return sc, nil
}

func (c connector) Driver() driver.Driver { return drv }

// Path returns the absolute path of the database file.
func (db *DB) Path() string { return db.path }

// Close closes every connection. It is safe to call more than once; later
// calls of other methods fail with an EUnavailable error.
func (db *DB) Close() error {
	if db.closed.Swap(true) {
		return nil
	}
	db.mu.Lock()
	if db.ckptTimer != nil {
		db.ckptTimer.Stop()
	}
	db.mu.Unlock()
	if db.trim != nil {
		close(db.trim)
	}
	var errs []error
	if db.rs != nil {
		errs = append(errs, db.rs.close())
	}
	if db.r != nil {
		errs = append(errs, db.r.Close())
	}
	// Let SQLite record statistics gathered during this run for the next one.
	_, _ = db.w.Exec("PRAGMA optimize")
	if db.st != nil {
		errs = append(errs, db.st.close())
	}
	errs = append(errs, db.w.Close())
	return errors.Join(errs...)
}

var errClosed = emcdp.Errorf(emcdp.EUnavailable, "the store is closed")

func (db *DB) check() error {
	if db.closed.Load() {
		return errClosed
	}
	return nil
}

// isBusy reports whether err is SQLite's busy or locked error.
func isBusy(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && (se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked)
}

// mapErr turns a driver error into a plain error that names the operation
// and never carries SQL text. Busy and locked databases become EUnavailable.
// Context errors pass through unchanged.
func mapErr(err error, op string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, emcdp.ErrNotFound) {
		return err
	}
	var e *emcdp.Error
	if errors.As(err, &e) {
		return err
	}
	var se sqlite3.Error
	if errors.As(err, &se) {
		switch se.Code {
		case sqlite3.ErrBusy, sqlite3.ErrLocked:
			return emcdp.Errorf(emcdp.EUnavailable, "the store is busy")
		case sqlite3.ErrConstraint:
			if se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey || se.ExtendedCode == sqlite3.ErrConstraintUnique {
				return fmt.Errorf("sqlite: %s: %w", op, ErrDuplicate)
			}
			return fmt.Errorf("sqlite: %s: constraint violated (%s)", op, se.ExtendedCode.Error())
		}
		return fmt.Errorf("sqlite: %s: %s", op, se.Code.Error())
	}
	if errors.Is(err, sql.ErrConnDone) || errors.Is(err, sql.ErrTxDone) {
		return emcdp.Errorf(emcdp.EUnavailable, "the store is not available")
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}
