package emcdp

import (
	"context"
	"fmt"
	"time"
)

// Histogram asks for the task sessions created in [From, To) counted per
// group, time bucket, result and running state: what a timeline of a month
// of sessions draws without reading a million rows.
type Histogram struct {
	From, To time.Time
	// Width is the width of a bucket; bucket i covers
	// [From + i·Width, From + (i+1)·Width).
	Width time.Duration
	// Kind is the task-session kind counted: CdpReplicaTaskSession (or 0),
	// BackupTaskSession or ReplicaTaskSession, whose parents are policies
	// and jobs.
	Kind Kind
	// Parent, when set, counts only that policy's (or job's) task sessions
	// and groups them by VM; otherwise they are grouped by policy (or job).
	Parent *ID
}

// Source returns the table the histogram reads and its column of the
// parent's id, or an error for a kind it cannot count.
func (h *Histogram) Source() (table, parent string, err error) {
	switch h.Kind {
	case 0, KindCdpReplicaTaskSession:
		return "task_sessions", "policy_id", nil
	case KindBackupTaskSession, KindReplicaTaskSession:
		return DescOf(h.Kind).Table, "job_id", nil
	}
	return "", "", fmt.Errorf("task sessions of kind %s cannot be counted per bucket", h.Kind)
}

// MaxHistogramBuckets bounds the buckets of one Histogram, so that no
// request can make a store build an answer of unbounded size.
const MaxHistogramBuckets = 2000

// Check reports what is wrong with h.
func (h *Histogram) Check() error {
	if !h.To.After(h.From) {
		return fmt.Errorf("the histogram's end (%s) must be after its start (%s)", h.To.Format(time.RFC3339), h.From.Format(time.RFC3339))
	}
	if h.Width <= 0 {
		return fmt.Errorf("the histogram's bucket width must be positive, got %v", h.Width)
	}
	if n := h.Buckets(); n > MaxHistogramBuckets {
		return fmt.Errorf("the histogram has %d buckets, at most %d are allowed; widen the buckets", n, MaxHistogramBuckets)
	}
	_, _, err := h.Source()
	return err
}

// Buckets returns the number of buckets From…To spans.
func (h *Histogram) Buckets() int {
	return int((h.To.Sub(h.From) + h.Width - 1) / h.Width)
}

// HistogramCell is the number of task sessions of one group created in one
// bucket with one result, running or ended. Group is the policy's id (as
// ID.String writes it) or, for a Histogram with Parent, the VM's name.
type HistogramCell struct {
	Group   string
	Bucket  int
	Result  Result
	Running bool
	Count   int
}

// HistogramStore is a store that counts task sessions per time bucket in
// one read (both stores of emcdp are). Its counts are those that the query
// service's Total gives for the same creation-time window and result.
type HistogramStore interface {
	TaskSessionHistogram(ctx context.Context, h *Histogram) ([]HistogramCell, error)
}
