package postgres

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/storetest"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// genVersion changes when generate changes, so that cached databases are
// rebuilt.
const genVersion = 1

// cachedDB opens a database of n generated task sessions, building it once
// into a database of its own on the test server, named by the schema and
// generator versions, and reusing it on later runs. It is built under a
// temporary name and renamed when complete, so an interrupted build is
// never reused.
func cachedDB(b *testing.B, n int) *DB {
	b.Helper()
	return cachedGenDB(b, fmt.Sprintf("emcdp_bench_s%d_g%d_%d", SchemaVersion(), genVersion, n), "task sessions", n,
		func(ctx context.Context, st *DB) error { return storetest.Generate(ctx, st, n, 10000, false) })
}

// cachedGenDB is cachedDB for any generator: the database name, and what
// gen writes (n rows of what) for the log line.
func cachedGenDB(b *testing.B, name, what string, n int, gen func(context.Context, *DB) error) *DB {
	b.Helper()
	ctx := context.Background()
	base := testURL(b)
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close(ctx)
	var exists bool
	if err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		b.Fatal(err)
	}
	open := func(db string) *DB {
		cfg, err := pgxpool.ParseConfig(base)
		if err != nil {
			b.Fatal(err)
		}
		cfg.ConnConfig.Database = db
		st, err := OpenConfig(ctx, cfg)
		if err != nil {
			b.Fatal(err)
		}
		return st
	}
	if !exists {
		tmp := name + "_building"
		for _, sql := range []string{"DROP DATABASE IF EXISTS " + tmp, "CREATE DATABASE " + tmp} {
			if _, err := admin.Exec(ctx, sql); err != nil {
				b.Fatal(err)
			}
		}
		st := open(tmp)
		start := time.Now()
		if err := gen(ctx, st); err != nil {
			b.Fatal(err)
		}
		b.Logf("built %d %s in %v", n, what, time.Since(start).Round(time.Millisecond))
		if err := st.Maintain(ctx); err != nil {
			b.Fatal(err)
		}
		st.Close()
		if _, err := admin.Exec(ctx, "ALTER DATABASE "+tmp+" RENAME TO "+name); err != nil {
			b.Fatal(err)
		}
	}
	st := open(name)
	b.Cleanup(func() { st.Close() })
	return st
}

// BenchmarkApplyTaskSessions writes task sessions in batches of 10,000 into
// a growing database (storetest.BenchmarkApplyTaskSessions); -benchtime=100x
// writes 1,000,000.
func BenchmarkApplyTaskSessions(b *testing.B) {
	db := openFresh(b)
	defer db.Close()
	storetest.BenchmarkApplyTaskSessions(b, db)
}

// BenchmarkTaskSessionByID reads task sessions by id from 1,000,000 rows.
func BenchmarkTaskSessionByID(b *testing.B) {
	db := cachedDB(b, 1000000)
	ids := sampleIDs(b, db, 1000)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := db.TaskSession(ctx, ids[i%len(ids)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTaskSessionByIDParallel reads by id from four goroutines per
// processor, as concurrent clients do.
func BenchmarkTaskSessionByIDParallel(b *testing.B) {
	db := cachedDB(b, 1000000)
	ids := sampleIDs(b, db, 1000)
	ctx := context.Background()
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for i := 0; pb.Next(); i++ {
			if _, err := db.TaskSession(ctx, ids[i%len(ids)]); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func sampleIDs(b *testing.B, db *DB, n int) []emcdp.ID {
	rows, err := db.pool.Query(context.Background(), "SELECT id FROM task_sessions TABLESAMPLE SYSTEM (1) LIMIT $1", n)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var ids []emcdp.ID
	for rows.Next() {
		var id emcdp.ID
		if err := rows.Scan(uid(&id)); err != nil {
			b.Fatal(err)
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		b.Fatal("no task sessions sampled")
	}
	return ids
}

// BenchmarkQuery1M runs the hot queries over 1,000,000 task sessions.
func BenchmarkQuery1M(b *testing.B) {
	storetest.BenchmarkHotQueries(b, cachedDB(b, 1000000))
}
