package console_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/console"
	"github.com/emcdp/emcdp/sim"
	"github.com/emcdp/emcdp/sqlite"
)

// benchStore opens the SQLite database named by $EMCDP_BENCH_SQLITE (e.g.
// one "emcdp seed --servers 10 --policies 100 --vms 20 --days 35 --jobs -1"
// wrote, about a million task sessions), or seeds the demo world in a
// temporary one. It returns the store and the instant its world reaches.
func benchStore(b *testing.B) (emcdp.Store, time.Time) {
	ctx := context.Background()
	path := os.Getenv("EMCDP_BENCH_SQLITE")
	if path == "" {
		path = filepath.Join(b.TempDir(), "emcdp.db")
	}
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	if os.Getenv("EMCDP_BENCH_SQLITE") == "" {
		if err := sim.Seed(ctx, st, sim.Demo(), time.Now().UTC(), nil); err != nil {
			b.Fatal(err)
		}
	}
	s, err := st.Meta(ctx, sim.MetaUntil)
	if err != nil {
		b.Fatal(err)
	}
	now, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		b.Fatalf("the store holds no simulated world: %v", err)
	}
	res, err := st.Query(ctx, &emcdp.Query{Kind: emcdp.KindCdpReplicaTaskSession, Page: 1, PageSize: 1})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(res.Total), "task-sessions")
	return st, now
}

// BenchmarkOverview reads the console's overview.
func BenchmarkOverview(b *testing.B) {
	st, now := benchStore(b)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if _, err := console.ReadOverview(ctx, st, now, 50); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTimeline7Days reads the first page of a 7-day timeline, as the
// console first shows it (168 columns, 50 policies).
func BenchmarkTimeline7Days(b *testing.B) {
	st, now := benchStore(b)
	ctx := context.Background()
	req := console.TimelineRequest{From: now.Add(-7 * 24 * time.Hour), To: now, Buckets: 168, Page: 1, PageSize: 50}
	b.ResetTimer()
	for b.Loop() {
		if _, err := console.ReadTimeline(ctx, st, req); err != nil {
			b.Fatal(err)
		}
	}
}
