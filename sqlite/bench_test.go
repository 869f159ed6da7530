package sqlite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/storetest"
)

// genVersion changes when generate changes, so that cached files are rebuilt.
const genVersion = 1

// cachedDB opens a database of n generated task sessions, building it once
// into a file under os.TempDir() named by the schema and generator versions.
func cachedDB(b *testing.B, n int) *DB {
	b.Helper()
	return cachedGenDB(b, fmt.Sprintf("emcdp-bench-s%d-g%d-%d.db", SchemaVersion(), genVersion, n), "task sessions", n,
		func(ctx context.Context, db *DB) error { return storetest.Generate(ctx, db, n, 10000, false) })
}

// cachedGenDB is cachedDB for any generator: the file's name, and what gen
// writes (n rows of what) for the log line. The file is built under a
// temporary name and renamed when complete, so an interrupted build is never
// reused.
func cachedGenDB(b *testing.B, name, what string, n int, gen func(context.Context, *DB) error) *DB {
	b.Helper()
	ctx := context.Background()
	path := filepath.Join(os.TempDir(), name)
	if _, err := os.Stat(path); err != nil {
		tmp := path + ".building"
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(tmp + suffix)
		}
		db, err := Open(ctx, tmp)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if err := gen(ctx, db); err != nil {
			b.Fatal(err)
		}
		b.Logf("built %d %s in %v", n, what, time.Since(start).Round(time.Millisecond))
		if _, err := db.w.ExecContext(ctx, "ANALYZE"); err != nil {
			b.Fatal(err)
		}
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			b.Fatal(err)
		}
	}
	db, err := Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// BenchmarkApplyTaskSessions writes task sessions in batches of 10,000 into
// a growing database (storetest.BenchmarkApplyTaskSessions).
func BenchmarkApplyTaskSessions(b *testing.B) {
	db, err := Open(context.Background(), filepath.Join(b.TempDir(), "apply.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	storetest.BenchmarkApplyTaskSessions(b, db)
}

// BenchmarkApplySeedOrder writes 200,000 task sessions in batches of 4,000
// in the simulator's order, one policy's whole history after another, so
// that each batch inserts across the time range of the indexes ordered by
// time; ns/batch is per batch and rows/s the write rate.
func BenchmarkApplySeedOrder(b *testing.B) {
	ctx := context.Background()
	const n, batch = 200000, 4000
	for b.Loop() {
		b.StopTimer()
		db, err := Open(ctx, filepath.Join(b.TempDir(), "seed.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		err = storetest.Generate(ctx, db, n, batch, true)
		b.StopTimer()
		db.Close()
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(b.N)*n/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)/(n/batch)*1e9, "ns/batch")
}

// BenchmarkTaskSessionByID reads task sessions by id from 100,000 rows.
func BenchmarkTaskSessionByID(b *testing.B) {
	db := cachedDB(b, 100000)
	ids := sampleIDs(b, db, 1000)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := db.TaskSession(ctx, ids[i%len(ids)]); err != nil {
			b.Fatal(err)
		}
	}
}

func sampleIDs(b *testing.B, db *DB, n int) []emcdp.ID {
	rows, err := db.r.Query("SELECT id FROM task_sessions ORDER BY random() LIMIT ?", n)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var ids []emcdp.ID
	for rows.Next() {
		var id emcdp.ID
		if err := rows.Scan(idScan{&id}); err != nil {
			b.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// BenchmarkQuery1M runs the hot queries over 1,000,000 task sessions.
func BenchmarkQuery1M(b *testing.B) {
	storetest.BenchmarkHotQueries(b, cachedDB(b, 1000000))
}
