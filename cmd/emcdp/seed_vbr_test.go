package main

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emcdp/emcdp/sqlite"
)

// TestSeedJobFlags seeds with --vms-per-job and the EMCDP_JOBS twin of
// --jobs, and finds both in the world settings the store records for
// "serve --simulate".
func TestSeedJobFlags(t *testing.T) {
	t.Setenv("EMCDP_JOBS", "3")
	dir := t.TempDir()
	ctx := context.Background()
	args := []string{"seed", "--data", dir, "--servers", "1", "--policies", "1", "--vms", "1", "--days", "2", "--vms-per-job", "4"}
	if err := run(ctx, args, nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(dir, "emcdp.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cfg, ok, err := loadWorld(ctx, st)
	if err != nil || !ok {
		t.Fatalf("world settings: %v %v", ok, err)
	}
	if cfg.Jobs.PerServer != 3 || cfg.Jobs.VMsPerJob != 4 {
		t.Fatalf("jobs per server %d, VMs per job %d; want 3 and 4", cfg.Jobs.PerServer, cfg.Jobs.VMsPerJob)
	}
	err = run(ctx, []string{"seed", "--data", t.TempDir(), "--jobs", "501"}, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "Jobs.PerServer") {
		t.Fatalf("--jobs 501: err = %v, want one naming the limit", err)
	}
}
