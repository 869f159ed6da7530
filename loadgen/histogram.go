package loadgen

import (
	"math/bits"
	"time"
)

// subBits sets the histogram's precision: every power-of-two range of
// values is split into 2^(subBits-1) equal buckets, so a recorded value is
// known to within 1/64 (about 1.6 %) of itself.
const subBits = 7

const half = 1 << (subBits - 1)

// Histogram records durations in log-linear buckets, in the manner of an HDR
// histogram: exact below 128 ns, then within 1.6 % of the value, from a
// nanosecond to the longest duration, in a fixed 30 KB. The zero value is
// ready to use; it is not safe for concurrent use (give each goroutine its
// own and Merge them).
type Histogram struct {
	counts []uint64
	n      uint64
	sum    time.Duration
	min    time.Duration
	max    time.Duration
}

// bucket returns the index of the bucket holding v.
func bucket(v uint64) int {
	if v < 1<<subBits {
		return int(v)
	}
	e := bits.Len64(v) - subBits
	return e*half + int(v>>e)
}

// upper returns the largest value that falls into bucket i.
func upper(i int) uint64 {
	if i < 1<<subBits {
		return uint64(i)
	}
	e := i/half - 1
	m := uint64(i - e*half)
	return (m+1)<<e - 1
}

// Record adds one observation; negative durations count as zero.
func (h *Histogram) Record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	i := bucket(uint64(d))
	if i >= len(h.counts) {
		n := max(i+1, 2*len(h.counts), 1<<subBits)
		c := make([]uint64, n)
		copy(c, h.counts)
		h.counts = c
	}
	h.counts[i]++
	if h.n == 0 || d < h.min {
		h.min = d
	}
	if d > h.max {
		h.max = d
	}
	h.n++
	h.sum += d
}

// Merge adds every observation of o to h.
func (h *Histogram) Merge(o *Histogram) {
	if o.n == 0 {
		return
	}
	if len(o.counts) > len(h.counts) {
		c := make([]uint64, len(o.counts))
		copy(c, h.counts)
		h.counts = c
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	h.max = max(h.max, o.max)
	h.n += o.n
	h.sum += o.sum
}

// Count returns the number of observations.
func (h *Histogram) Count() uint64 { return h.n }

// Max returns the largest observation (exact).
func (h *Histogram) Max() time.Duration { return h.max }

// Min returns the smallest observation (exact).
func (h *Histogram) Min() time.Duration { return h.min }

// Mean returns the average observation (exact), or 0 when empty.
func (h *Histogram) Mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return h.sum / time.Duration(h.n)
}

// Quantile returns the value below or at which the fraction q (0…1) of the
// observations lie: the upper edge of the bucket holding that rank, never
// more than the largest observation. It returns 0 when empty.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	q = min(max(q, 0), 1)
	rank := uint64(q*float64(h.n) + 0.5)
	rank = min(max(rank, 1), h.n)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return min(time.Duration(upper(i)), h.max)
		}
	}
	return h.max
}
