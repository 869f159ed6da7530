package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/postgres"
	"github.com/emcdp/emcdp/sqlite"
)

// openStore opens the store that the flags name and describes it for logs
// (without credentials).
func openStore(ctx context.Context, f storeFlags) (emcdp.Store, string, error) {
	switch {
	case f.DB == "":
		if err := os.MkdirAll(f.Data, 0o700); err != nil {
			return nil, "", fmt.Errorf("create data folder: %w", err)
		}
		path := filepath.Join(f.Data, "emcdp.db")
		st, err := sqlite.Open(ctx, path)
		return st, "sqlite " + path, err
	case strings.HasPrefix(f.DB, "sqlite://"):
		path := strings.TrimPrefix(f.DB, "sqlite://")
		if path == "" {
			return nil, "", fmt.Errorf("--db %q names no file: write sqlite://PATH", f.DB)
		}
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, "", fmt.Errorf("create database folder: %w", err)
			}
		}
		st, err := sqlite.Open(ctx, path)
		return st, "sqlite " + path, err
	case strings.HasPrefix(f.DB, "postgres://"), strings.HasPrefix(f.DB, "postgresql://"):
		st, err := postgres.Open(ctx, f.DB)
		return st, "postgres " + redactURL(f.DB), err
	}
	return nil, "", fmt.Errorf("--db %q: expected sqlite://PATH or postgres://…", f.DB)
}

// redactURL hides a password in a database URL.
func redactURL(u string) string {
	at := strings.LastIndexByte(u, '@')
	scheme := strings.Index(u, "://")
	if at < 0 || scheme < 0 {
		return u
	}
	creds := u[scheme+3 : at]
	if i := strings.IndexByte(creds, ':'); i >= 0 {
		return u[:scheme+3] + creds[:i] + ":***" + u[at:]
	}
	return u
}
