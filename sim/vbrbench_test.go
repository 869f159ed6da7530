package sim

import (
	"context"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
)

// discardStore keeps the simulator's Meta and counts the rows it is given,
// so that a benchmark measures generation alone.
type discardStore struct {
	*memStore
	jobTasks, rows int
}

func (d *discardStore) Apply(ctx context.Context, b *emcdp.Batch) error {
	d.jobTasks += len(b.NewJobTaskSessions)
	d.rows += b.Len()
	d.memStore.mu.Lock()
	defer d.memStore.mu.Unlock()
	for k, v := range b.Meta {
		d.meta[k] = v
	}
	return nil
}

// BenchmarkSeedVBR generates the stress-size VBR world of vbr-domain.md §8
// (10 servers × 100 backup jobs × 11 VMs over 34 days, about a million
// backup task sessions) into a store that discards the rows, and reports the
// generation rate; the CDP seed of the same size takes about 53 s on SQLite
// (docs/performance.md), so generation must stay a small part of that.
func BenchmarkSeedVBR(b *testing.B) {
	cfg := Config{Seed: 1, Servers: 10, PoliciesPerServer: 1, VMsPerPolicy: 1, Days: 34,
		Jobs: JobsConfig{PerServer: 100, VMsPerJob: 11}}
	for b.Loop() {
		st := &discardStore{memStore: newMemStore()}
		start := time.Now()
		if err := Seed(context.Background(), st, cfg, t0, nil); err != nil {
			b.Fatal(err)
		}
		el := time.Since(start)
		b.ReportMetric(float64(st.jobTasks), "jobtasks")
		b.ReportMetric(float64(st.jobTasks)/el.Seconds(), "jobtasks/s")
		b.ReportMetric(float64(st.rows)/el.Seconds(), "rows/s")
	}
}
