// Package migration reads a store's numbered schema migrations: SQL scripts
// named NNNN_name.sql, applied in the order of their numbers. Each store
// embeds its own scripts (its SQL dialect) and applies them its own way (its
// driver and lock); what a migration is, and in which order they come, is
// the same for all and is kept here.
package migration

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Step is one migration.
type Step struct {
	Version int    // the number its file name starts with, 1 or more
	Name    string // the file name, as recorded in schema_migrations
	SQL     string // the script
}

// Load returns the migrations in dir of fsys (the files *.sql) ordered by
// version. A file not named NNNN_name.sql, or two with one number, is an
// error.
func Load(fsys fs.FS, dir string) ([]Step, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.sql"))
	if err != nil {
		return nil, err
	}
	var ms []Step
	for _, n := range names {
		base := path.Base(n)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s is not named NNNN_name.sql", base)
		}
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		ms = append(ms, Step{Version: v, Name: base, SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i := 1; i < len(ms); i++ {
		if ms[i].Version == ms[i-1].Version {
			return nil, fmt.Errorf("two migrations numbered %d", ms[i].Version)
		}
	}
	return ms, nil
}

// Latest is the version of the newest migration in dir of fsys, or 0 when
// there is none or Load fails.
func Latest(fsys fs.FS, dir string) int {
	ms, err := Load(fsys, dir)
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].Version
}

// CheckApplied returns an error when applied, the highest version a database
// records as applied, is past the newest of ms (as Load returns them): a
// newer release wrote the database, and this one does not know its schema,
// so it must not serve from it nor write to it.
func CheckApplied(applied int, ms []Step) error {
	latest := 0
	if len(ms) > 0 {
		latest = ms[len(ms)-1].Version
	}
	if applied <= latest {
		return nil
	}
	return fmt.Errorf("the database has schema version %d, written by a newer release of emcdp; this release knows "+
		"versions up to %d: run the newer release, or start a database of this release", applied, latest)
}
