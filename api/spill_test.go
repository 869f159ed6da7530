package api

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// unusableDir returns a folder path in which no file can be made, even by
// root: its parent is a regular file.
func unusableDir(t *testing.T) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(f, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(f, "dir")
}

// TestSpillDir: a large answer is built in an unlinked file in SpillDir,
// not in the system's temporary folder, which may not be writable.
func TestSpillDir(t *testing.T) {
	t.Setenv("TMPDIR", unusableDir(t))
	dir := t.TempDir()
	h := newHandler(Config{SpillDir: dir})
	c := &call{buf: make([]byte, spillAt)}
	if err := h.spillIfLarge(c); err != nil {
		t.Fatal(err)
	}
	defer c.discardSpill()
	if c.spill == nil || c.spilled != spillAt || len(c.buf) != 0 {
		t.Fatalf("spill %v, %d bytes spilled, %d in memory; want all %d in a file", c.spill, c.spilled, len(c.buf), spillAt)
	}
	if got := filepath.Dir(c.spill.Name()); got != dir {
		t.Errorf("spilled into %s, want %s", got, dir)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("the spill file is still linked: %v", left)
	}
}

// TestSpillFallback: with no writable folder at all, an answer stays in
// memory up to maxMemoryAnswer bytes and is refused with 503 beyond.
func TestSpillFallback(t *testing.T) {
	t.Setenv("TMPDIR", unusableDir(t))
	for _, dir := range []string{"", unusableDir(t)} {
		h := newHandler(Config{SpillDir: dir})
		c := &call{buf: make([]byte, spillAt)}
		if err := h.spillIfLarge(c); err != nil {
			t.Fatalf("SpillDir %q, %d bytes: %v", dir, spillAt, err)
		}
		if c.spill != nil || len(c.buf) != spillAt {
			t.Fatalf("SpillDir %q: spilled to %v with %d bytes in memory; want all in memory", dir, c.spill, len(c.buf))
		}
		c.buf = make([]byte, maxMemoryAnswer)
		err := h.spillIfLarge(c)
		if status, _, internal := classify(err); status != http.StatusServiceUnavailable || internal {
			t.Errorf("SpillDir %q, %d bytes in memory: %v (status %d), want a 503", dir, maxMemoryAnswer, err, status)
		}
	}
}
