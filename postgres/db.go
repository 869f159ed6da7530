// Package postgres is the shared store of emcdp: one PostgreSQL database that
// several server processes (replicas) use at once, so that they serve the
// same CDP world and share users, logon sessions and logon-failure counters.
//
// Its schema mirrors the embedded store's (package sqlite) and its queries
// are compiled by package sqlgen with the PostgreSQL dialect, so both stores
// answer alike; package storetest checks it. Ids are uuid, whose order is
// the order of the lower-case GUID strings; times are bigint nanoseconds;
// enums smallint; strings compare through lower(col COLLATE "C"), which folds
// ASCII letters only and then compares bytes.
//
// The schema is applied by versioned migrations embedded in the binary, under
// an advisory lock, so replicas that start together apply each one once.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DB is the PostgreSQL implementation of emcdp.Store. It is safe for
// concurrent use, and any number of processes may use one database at once.
type DB struct {
	pool   *pgxpool.Pool
	closed atomic.Bool

	emcdp.Changes // tells this process's caches what Apply and Clear changed, and what the feed heard

	// The change feed (feed.go): the connection settings of its own
	// connection, whether Listen started it, and whether it listens now.
	listenCfg *pgx.ConnConfig
	feeding   atomic.Bool
	listening atomic.Bool

	// Background maintenance (VACUUM ANALYZE after bulk inserts).
	stop       context.CancelFunc
	bg         context.Context
	wg         sync.WaitGroup
	mu         sync.Mutex // guards sinceStats and maintaining
	sinceStats int        // rows inserted by this process since the last maintenance
	running    bool       // a maintenance run is in progress
}

var (
	_ emcdp.Store      = (*DB)(nil)
	_ emcdp.ChangeFeed = (*DB)(nil)
)

// ErrDuplicate is wrapped by the error of a batch that inserts a session whose
// id already exists, and of a logon session created twice.
var ErrDuplicate = errors.New("already exists")

// Open connects to the database that url names (a postgres:// URL or a
// key=value connection string; pgxpool's pool_* parameters are honoured),
// applies the pending migrations and returns the store. Any other URL
// parameter is sent as a run-time parameter, so search_path=NAME selects a
// schema, which must exist.
func Open(ctx context.Context, url string) (*DB, error) {
	if url == "" {
		return nil, errors.New("postgres: no database URL")
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// The parse error quotes the URL, password included: do not pass it on.
		return nil, errors.New("postgres: the database URL is not valid")
	}
	return OpenConfig(ctx, cfg)
}

// OpenConfig is Open with a parsed pool configuration.
func OpenConfig(ctx context.Context, cfg *pgxpool.Config) (*DB, error) {
	if cfg.ConnConfig.RuntimeParams == nil {
		cfg.ConnConfig.RuntimeParams = map[string]string{}
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		cfg.ConnConfig.RuntimeParams["application_name"] = "emcdp"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, mapErr(err, "connect")
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, connectErr(err, cfg)
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	if err := ensureKinds(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	if err := ensureReports(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	db := &DB{pool: pool, listenCfg: cfg.ConnConfig.Copy()}
	db.bg, db.stop = context.WithCancel(context.Background())
	return db, nil
}

// Pool returns the connection pool, for tools and tests that need SQL of
// their own.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Close waits for background maintenance to stop and closes every
// connection. It is safe to call more than once; later calls of other
// methods fail with an EUnavailable error.
func (db *DB) Close() error {
	if db.closed.Swap(true) {
		return nil
	}
	db.stop()
	db.wg.Wait()
	db.pool.Close()
	return nil
}

var errClosed = emcdp.Errorf(emcdp.EUnavailable, "the store is closed")

func (db *DB) check() error {
	if db.closed.Load() {
		return errClosed
	}
	return nil
}

// maintainEvery is how many rows inserted by this process start a VACUUM
// ANALYZE of the session tables, so that index-only scans (deep pages,
// counts over a time window) and the planner statistics follow bulk loads
// without waiting for autovacuum.
const maintainEvery = 50000

// afterWrite counts inserted rows and starts a background maintenance run
// once enough have been added. Only one run is in progress at a time.
func (db *DB) afterWrite(inserted int) {
	if inserted == 0 {
		return
	}
	db.mu.Lock()
	db.sinceStats += inserted
	due := db.sinceStats >= maintainEvery && !db.running
	if due {
		db.sinceStats, db.running = 0, true
	}
	db.mu.Unlock()
	if !due {
		return
	}
	db.wg.Add(1)
	go func() {
		defer db.wg.Done()
		// A failure only leaves older statistics in place: autovacuum will
		// catch up, so it is not reported.
		_ = db.Maintain(db.bg)
		db.mu.Lock()
		db.running = false
		db.mu.Unlock()
	}()
}

// Maintain runs VACUUM (ANALYZE) on the session tables: it marks their pages
// all-visible, so that deep pages and counts over a time window are read
// from the indexes alone, and refreshes the planner statistics. Seeding calls
// for it by itself every 50,000 rows; tools may call it after a bulk load.
func (db *DB) Maintain(ctx context.Context) error {
	if err := db.check(); err != nil {
		return err
	}
	var tables []string
	for _, d := range emcdp.AllDescs {
		if d.Session {
			tables = append(tables, d.Table)
		}
	}
	_, err := db.pool.Exec(ctx, "VACUUM (ANALYZE) "+strings.Join(tables, ", "))
	return mapErr(err, "vacuum")
}

// mapErr turns a driver error into a plain error that names the operation
// and never carries SQL text or connection details. Lost connections,
// shutdowns and serialization failures become EUnavailable. Context errors
// pass through unchanged.
func mapErr(err error, op string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, emcdp.ErrNotFound) || errors.Is(err, ErrDuplicate) {
		return err
	}
	var e *emcdp.Error
	if errors.As(err, &e) {
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "23505": // unique_violation
			return fmt.Errorf("postgres: %s: %w", op, ErrDuplicate)
		case pe.Code[:2] == "23": // other integrity constraint violations
			return fmt.Errorf("postgres: %s: constraint %s violated", op, pe.ConstraintName)
		case pe.Code == "40001", pe.Code == "40P01", // serialization failure, deadlock
			pe.Code[:2] == "08", pe.Code[:2] == "53", pe.Code[:2] == "57": // connection, resources, shutdown
			return emcdp.Errorf(emcdp.EUnavailable, "the store is not available")
		}
		return fmt.Errorf("postgres: %s: error %s (%s)", op, pe.Code, pe.Message)
	}
	if errors.Is(err, pgx.ErrTxClosed) || pgconn.SafeToRetry(err) || isConnErr(err) {
		return emcdp.Errorf(emcdp.EUnavailable, "the store is not available")
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// connectErr describes a failed first connection for the operator: the
// server's address and the reason, never the password.
func connectErr(err error, cfg *pgxpool.Config) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return mapErr(err, fmt.Sprintf("connect to %s:%d", cfg.ConnConfig.Host, cfg.ConnConfig.Port))
	}
	reason := err
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) && ce.Unwrap() != nil {
		reason = ce.Unwrap()
	}
	return emcdp.Errorf(emcdp.EUnavailable, "postgres: cannot connect to %s:%d: %v", cfg.ConnConfig.Host, cfg.ConnConfig.Port, reason)
}

// isConnErr reports whether err comes from a connection that could not be
// made or was lost.
func isConnErr(err error) bool {
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true
	}
	return pgconn.Timeout(err)
}

// fromNanos turns a stored time back into a UTC time.
func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }
