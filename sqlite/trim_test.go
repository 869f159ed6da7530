package sqlite

import (
	"bytes"
	"context"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// trimLoops counts the goroutines running trimLoop.
func trimLoops() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	return bytes.Count(buf, []byte("sqlite.(*DB).trimLoop("))
}

// settledTrimLoops counts the trim loops once the loops of the stores that
// earlier tests closed have ended: each ends soon after its Close, not at
// once, so a count taken at once could fall while this test runs.
func settledTrimLoops() int {
	n := trimLoops()
	for range 50 {
		time.Sleep(20 * time.Millisecond)
		m := trimLoops()
		if m == n {
			return n
		}
		n = m
	}
	return n
}

// TestTrimWhileOpen: an open store hands the C allocator's free pages back
// to the system in the background, and stops doing so when closed.
func TestTrimWhileOpen(t *testing.T) {
	before := settledTrimLoops()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "emcdp.db"))
	if err != nil {
		t.Fatal(err)
	}
	// The loop's goroutine may not have run yet when Open returns.
	deadline := time.Now().Add(5 * time.Second)
	for trimLoops() != before+1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := trimLoops(); n != before+1 {
		t.Errorf("%d trim loops with the store open, want %d", n, before+1)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(5 * time.Second)
	for trimLoops() != before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := trimLoops(); n != before {
		t.Errorf("%d trim loops after Close, want %d", n, before)
	}
}

// TestReleaseFreed: on Linux with glibc (as emcdp is built, statically or
// not) the free pages can be handed back; elsewhere the loop ends at once.
func TestReleaseFreed(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("glibc only")
	}
	if !releaseFreed() {
		t.Skip("not glibc: nothing to trim")
	}
	done := make(chan struct{})
	ended := make(chan struct{})
	go func() { new(DB).trimLoop(done); close(ended) }()
	select {
	case <-ended:
		t.Fatal("trimLoop ended before it was told to")
	case <-time.After(trimEvery + trimEvery/2):
	}
	close(done)
	<-ended
}

// TestBulkPausesTrim: between BeginBulk and EndBulk the trim loop leaves the
// C allocator's free pages alone, and trims again after EndBulk.
func TestBulkPausesTrim(t *testing.T) {
	if !releaseFreed() {
		t.Skip("not glibc: nothing to trim")
	}
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "emcdp.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if trimmed, _ := db.trimTick(); !trimmed {
		t.Fatal("no trim before the bulk load")
	}
	if err := db.BeginBulk(ctx); err != nil {
		t.Fatal(err)
	}
	if trimmed, more := db.trimTick(); trimmed || !more {
		t.Errorf("trimTick during the bulk load = %v, %v; want false, true", trimmed, more)
	}
	if err := db.EndBulk(ctx); err != nil {
		t.Fatal(err)
	}
	if trimmed, _ := db.trimTick(); !trimmed {
		t.Error("no trim after EndBulk")
	}
}
