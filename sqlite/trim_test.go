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
	return bytes.Count(buf, []byte("sqlite.trimLoop("))
}

// TestTrimWhileOpen: an open store hands the C allocator's free pages back
// to the system in the background, and stops doing so when closed.
func TestTrimWhileOpen(t *testing.T) {
	before := trimLoops()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "emcdp.db"))
	if err != nil {
		t.Fatal(err)
	}
	if n := trimLoops(); n != before+1 {
		t.Errorf("%d trim loops with the store open, want %d", n, before+1)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
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
	go func() { trimLoop(done); close(ended) }()
	select {
	case <-ended:
		t.Fatal("trimLoop ended before it was told to")
	case <-time.After(trimEvery + trimEvery/2):
	}
	close(done)
	<-ended
}
