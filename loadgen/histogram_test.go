package loadgen

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestBucketRoundTrip(t *testing.T) {
	// Every value falls in a bucket whose upper edge is at or above it and
	// within the stated precision of it; buckets are in value order.
	prev := -1
	for _, v := range []uint64{0, 1, 63, 127, 128, 129, 255, 256, 1000, 12345, 1e6, 1e9, 1e12, 1<<62 + 12345, 1<<63 - 1} {
		i := bucket(v)
		if i < prev {
			t.Fatalf("bucket(%d) = %d, before the previous value's %d", v, i, prev)
		}
		prev = i
		u := upper(i)
		if u < v {
			t.Fatalf("upper(bucket(%d)) = %d, below the value", v, u)
		}
		if float64(u-v) > float64(v)/64+1 {
			t.Fatalf("upper(bucket(%d)) = %d, more than 1/64 above", v, u)
		}
		if i > 0 && upper(i-1) >= v {
			t.Fatalf("value %d also fits the bucket below (upper %d)", v, upper(i-1))
		}
	}
}

func TestQuantilesAgainstSortedSample(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var h Histogram
	var sample []time.Duration
	for range 100000 {
		// log-normal-ish spread from microseconds to a second
		d := time.Duration(float64(time.Microsecond) * (1 + r.ExpFloat64()*r.ExpFloat64()*500))
		sample = append(sample, d)
		h.Record(d)
	}
	slices.Sort(sample)
	if h.Count() != uint64(len(sample)) {
		t.Fatalf("Count = %d, want %d", h.Count(), len(sample))
	}
	if h.Max() != sample[len(sample)-1] || h.Min() != sample[0] {
		t.Fatalf("Min/Max = %v/%v, want %v/%v", h.Min(), h.Max(), sample[0], sample[len(sample)-1])
	}
	for _, q := range []float64{0.01, 0.5, 0.9, 0.99, 0.999, 1} {
		want := sample[max(int(q*float64(len(sample))+0.5), 1)-1]
		got := h.Quantile(q)
		if got < want || float64(got-want) > float64(want)/64+1 {
			t.Errorf("Quantile(%v) = %v, want %v within 1/64 above", q, got, want)
		}
	}
}

func TestMergeAndEmpty(t *testing.T) {
	var a, b, empty Histogram
	if empty.Quantile(0.5) != 0 || empty.Mean() != 0 {
		t.Fatal("an empty histogram should answer 0")
	}
	for i := 1; i <= 100; i++ {
		a.Record(time.Duration(i) * time.Millisecond)
		b.Record(time.Duration(i) * time.Second)
	}
	a.Merge(&b)
	a.Merge(&empty)
	if a.Count() != 200 || a.Min() != time.Millisecond || a.Max() != 100*time.Second {
		t.Fatalf("merged count/min/max = %d/%v/%v", a.Count(), a.Min(), a.Max())
	}
	if p := a.Quantile(0.5); p < 100*time.Millisecond || p > 102*time.Millisecond {
		t.Fatalf("merged median = %v, want about 100ms", p)
	}
	var c Histogram
	c.Record(-5)
	if c.Max() != 0 || c.Quantile(1) != 0 {
		t.Fatal("a negative duration should count as zero")
	}
}

func BenchmarkRecord(b *testing.B) {
	var h Histogram
	for i := 0; b.Loop(); i++ {
		h.Record(time.Duration(i*7919) % time.Second)
	}
}
