package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/postgres"
	"github.com/emcdp/emcdp/redact"
	"github.com/emcdp/emcdp/sqlite"
)

// sqlitePath returns the SQLite database file that the flags name, and
// false when they name PostgreSQL (or nothing valid).
func sqlitePath(f storeFlags) (string, bool) {
	switch {
	case f.DB == "":
		return filepath.Join(f.Data, "emcdp.db"), true
	case strings.HasPrefix(f.DB, "sqlite://") && len(f.DB) > len("sqlite://"):
		return strings.TrimPrefix(f.DB, "sqlite://"), true
	}
	return "", false
}

// openStore opens the store that the flags name and describes it for logs
// (without credentials).
func openStore(ctx context.Context, f storeFlags) (emcdp.Store, string, error) {
	if path, ok := sqlitePath(f); ok {
		if err := sqliteFolder(f, path); err != nil {
			return nil, "", err
		}
		st, err := sqlite.Open(ctx, path)
		return st, "sqlite " + path, err
	}
	switch {
	case f.DB == "sqlite://":
		return nil, "", fmt.Errorf("--db %q names no file: write sqlite://PATH", f.DB)
	case strings.HasPrefix(f.DB, "postgres://"), strings.HasPrefix(f.DB, "postgresql://"):
		st, err := postgres.Open(ctx, f.DB)
		return st, "postgres " + redact.DatabaseURL(f.DB), err
	}
	return nil, "", fmt.Errorf("--db %q: expected sqlite://PATH or postgres://…", redact.DatabaseURL(f.DB))
}

// sqliteFolder makes sure the folder of the SQLite database at path exists.
// The data folder (--data) is created when missing; the folder of a file
// named with --db sqlite://PATH must exist already, so that a mistyped path
// creates nothing the user did not name.
func sqliteFolder(f storeFlags, path string) error {
	dir := filepath.Dir(path)
	if f.DB == "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("create the data folder: %w", err)
		}
		return nil
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return fmt.Errorf("--db %s: the folder %s does not exist; create it first, or name a file in an existing folder", f.DB, dir)
	}
	return nil
}

// lockServing takes an exclusive lock beside a SQLite database for one
// serving process. The embedded store serves one process: the server then
// keeps live logon sessions in memory, which is only right while no other
// server changes them. The lock goes with the process, however it ends.
func lockServing(dbPath string) (unlock func(), err error) {
	f, err := os.OpenFile(dbPath+".serve-lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock the database for serving: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("another emcdp serve is using %s; the embedded store serves one process (run several replicas on PostgreSQL with --db postgres://…)", dbPath)
		}
		return nil, fmt.Errorf("lock the database for serving: %w", err)
	}
	return func() { f.Close() }, nil
}
