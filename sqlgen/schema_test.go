package sqlgen

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/emcdp/emcdp"
)

// TestEnsureKinds checks what a store runs at open: on a store that has
// every column but one, nothing is created for the migrated tables, the
// missing column alone is added, and the tables of the counts are created
// WITHOUT ROWID in SQLite only; a failing statement is named by dialect and
// first line.
func TestEnsureKinds(t *testing.T) {
	d := emcdp.RepositoryDesc
	missing := d.Column("kind").Column
	for _, dl := range []*Dialect{&SQLite, &Postgres} {
		var ran []string
		columns := func(table string) (map[string]bool, error) {
			have := map[string]bool{}
			for _, x := range emcdp.AllDescs {
				if x.Table == table {
					for _, p := range StoredProps(x) {
						have[p.Column] = true
					}
				}
			}
			if table == d.Table {
				delete(have, missing)
			}
			return have, nil
		}
		exec := func(s string) error { ran = append(ran, s); return nil }
		if err := EnsureKinds(dl, columns, exec); err != nil {
			t.Fatal(err)
		}
		var adds []string
		for _, s := range ran {
			if strings.HasPrefix(s, "ALTER TABLE") {
				adds = append(adds, s)
			}
			for _, x := range emcdp.AllDescs {
				if x.Migrated && strings.HasPrefix(s, "CREATE TABLE IF NOT EXISTS "+x.Table+" ") {
					t.Errorf("%s: creates the migrated table %s", dl.Name, x.Table)
				}
			}
		}
		want := []string{AddColumn(dl, d, d.Column("kind"))}
		if dl == &SQLite { // the counts' and the job sessions' versions, on tables without them
			want = append(want, CountVersions(nil)[0], ItemVersions(emcdp.BackupJobSessionDesc, nil)[0])
		}
		if !slices.Equal(adds, want) {
			t.Errorf("%s: columns added %q; want %q", dl.Name, adds, want)
		}
		if versioned := slices.Contains(ran, CountVersions(nil)[len(CountVersions(nil))-1]); versioned != (dl == &SQLite) {
			t.Errorf("%s: the counts' version triggers created: %v", dl.Name, versioned)
		}
		items := ItemVersions(emcdp.BackupJobSessionDesc, nil)
		if versioned := slices.Contains(ran, items[len(items)-1]); versioned != (dl == &SQLite) {
			t.Errorf("%s: the job sessions' version triggers created: %v", dl.Name, versioned)
		}
		if !slices.Contains(ran, CreateCounts(dl)) || !slices.Contains(ran, CreateObjects(dl)[0]) {
			t.Errorf("%s: the counts and includes tables are not created", dl.Name)
		}
		if rowid := strings.HasSuffix(CreateCounts(dl), " WITHOUT ROWID"); rowid != (dl == &SQLite) {
			t.Errorf("%s: counts table %q", dl.Name, CreateCounts(dl))
		}

		boom := errors.New("boom")
		err := EnsureKinds(dl, columns, func(string) error { return boom })
		if !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), dl.Name+": CREATE TABLE IF NOT EXISTS ") ||
			strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: failing statement gives %v", dl.Name, err)
		}
	}
}
