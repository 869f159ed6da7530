package sim

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/sqlgen"
	"github.com/emcdp/emcdp/sqlite"
)

// seedBytesCases are the worlds whose stored content TestSeedBytes pins:
// the demo (every CDP and VBR kind, scripted episodes), generated worlds with
// random episodes, the example scenarios, a seed in small transactions and
// a seed that is later brought up to a later instant.
var seedBytesCases = []struct {
	name  string
	cfg   func(t *testing.T) Config
	later time.Duration // when set, a second Seed brings the world up to t0+later
	want  string        // SHA-256 of the canonical dump
}{
	{"demo", func(*testing.T) Config { return Demo() }, 0,
		"746d2aba97ffe132cacb736e926d236dbee75d0400b84a947cbda75175ccf57f"},
	{"generated", func(*testing.T) Config { return generatedBytesConfig(0) }, 0,
		"e059a45a71024692c2c6164fd01a09c125341f9661cf6ab46ae18ea0f7770ed2"},
	{"generated-small-batches", func(*testing.T) Config { return generatedBytesConfig(37) }, 0,
		"e059a45a71024692c2c6164fd01a09c125341f9661cf6ab46ae18ea0f7770ed2"},
	{"generated-then-later", func(*testing.T) Config { return generatedBytesConfig(0) }, 7*time.Hour + 13*time.Minute,
		"539a20c77318a199181692cc85ff588296145495d53b1118ca10b9cc9074fd9e"},
	{"vbr-site", func(t *testing.T) Config { return loadExample(t, "vbr-site.json") }, 0,
		"1a5beda74d70c56526d8bb802ba737d34b8a2bcf1e11f095fd86fc799fb820de"},
	{"multi-site", func(t *testing.T) Config { return loadExample(t, "multi-site.json") }, 0,
		"4ea6c4057e659bb2543fade9f01cfb559716a3fbeec205c526b6603042b8cb71"},
}

func generatedBytesConfig(batch int) Config {
	return Config{Seed: 7, Servers: 2, PoliciesPerServer: 5, VMsMedian: 4, Days: 6, BatchSize: batch,
		WarningRate: 0.05, FailureRate: 0.02, Jobs: JobsConfig{PerServer: 4}}
}

func loadExample(t *testing.T, name string) Config {
	t.Helper()
	cfg, err := LoadScenario(filepath.Join("..", "examples", name))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestSeedBytes seeds worlds into SQLite and compares a canonical dump of
// every table (each row's columns in declaration order, the rows sorted)
// with the SHA-256 recorded when the seed path was last changed on purpose:
// a change to the generator's output, or to what the bulk write stores,
// fails it. It also checks that a seeded database has the schema (tables and
// indexes) of a freshly opened one, so that nothing the seed takes apart for
// speed is left out.
func TestSeedBytes(t *testing.T) {
	ctx := context.Background()
	fresh := schemaOf(t, openSQLiteFile(t, filepath.Join(t.TempDir(), "fresh.db")))
	for _, c := range seedBytesCases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "seed.db")
			db, err := sqlite.Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			if err := Seed(ctx, db, c.cfg(t), t0, nil); err != nil {
				t.Fatal(err)
			}
			if c.later > 0 {
				if err := Seed(ctx, db, c.cfg(t), t0.Add(c.later), nil); err != nil {
					t.Fatal(err)
				}
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			raw := openSQLiteFile(t, path)
			if got := schemaOf(t, raw); !slices.Equal(got, fresh) {
				t.Errorf("the seeded schema differs from a fresh store's:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(fresh, "\n"))
			}
			if got := dumpHash(t, raw); got != c.want {
				t.Errorf("canonical dump SHA-256 %s, want %s", got, c.want)
			}
		})
	}
}

// openSQLiteFile opens a SQLite file through database/sql alone, for reading
// it as it is.
func openSQLiteFile(t *testing.T, path string) *sql.DB {
	t.Helper()
	if _, err := sqlite.Open(context.Background(), path); err != nil { // create or migrate
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// schemaOf lists the tables and indexes of a database with their SQL.
func schemaOf(t *testing.T, db *sql.DB) []string {
	t.Helper()
	return queryLines(t, db, `SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_master
		WHERE name NOT LIKE 'sqlite_stat%'`)
}

// dumpHash is the SHA-256 of every user table's rows: each table's name,
// then its rows as quoted column values in declaration order, sorted. The
// migrations' log is left out: it records when they were applied; so are
// the versions of the counts by day (their sequence and each count's ver)
// and of the versioned kinds' rows (sqlgen.ItemVersions: their sequence and
// each row's ver), which number the writes that made them, not what they
// hold.
func dumpHash(t *testing.T, db *sql.DB) string {
	t.Helper()
	tables := queryLines(t, db, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
		AND name NOT IN ('schema_migrations', '`+sqlgen.CountsSeq+`', '`+sqlgen.VersionSeq+`')`)
	versioned := map[string]bool{}
	for _, d := range emcdp.AllDescs {
		versioned[d.Table] = sqlgen.Versioned(d)
	}
	h := sha256.New()
	for _, tbl := range tables {
		cols := queryLines(t, db, fmt.Sprintf(`SELECT printf('%%05d', cid) || name FROM pragma_table_info('%s')`, tbl))
		var expr []string
		for _, c := range cols {
			if (tbl == sqlgen.CountsTable || versioned[tbl]) && c[5:] == "ver" {
				continue
			}
			expr = append(expr, `quote("`+c[5:]+`")`)
		}
		rows := queryLines(t, db, `SELECT `+strings.Join(expr, ` || '|' || `)+` FROM "`+tbl+`"`)
		fmt.Fprintf(h, "%s %d\n", tbl, len(rows))
		for _, r := range rows {
			fmt.Fprintln(h, r)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// queryLines runs a query of one text column and returns its rows sorted.
func queryLines(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
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
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}
