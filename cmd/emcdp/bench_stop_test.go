package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// stuckServe is a stand-in for the emcdp binary: every command runs the real
// binary (the first %s), except that "serve" runs it as a child of this
// shell, which ignores SIGTERM and waits until it is killed, so that the
// server is never stopped. The child's pid goes to the file of the second %s.
const stuckServe = `#!/bin/sh
if [ "$1" = serve ]; then
	trap '' TERM
	'%[1]s' "$@" &
	echo $! > '%[2]s'
	while :; do wait; sleep 1; done
fi
exec '%[1]s' "$@"
`

// TestBenchKeepsResultsWhenStopFails runs the benchmark against a server
// that does not stop when asked: the bench kills it after its wait, and
// still prints the table and writes the results of the scenarios it
// measured, then fails with the stop's error.
func TestBenchKeepsResultsWhenStopFails(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and waits for a server that does not stop, about 30 s")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "emcdp")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	wrapper := filepath.Join(dir, "emcdp-stuck")
	pidFile := filepath.Join(dir, "serve.pid")
	if err := os.WriteFile(wrapper, fmt.Appendf(nil, stuckServe, bin, pidFile), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// The real server outlives the killed shell: end it.
		if b, err := os.ReadFile(pidFile); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})

	jsonPath := filepath.Join(dir, "r.json")
	args := []string{"--emcdp", wrapper, "--data", filepath.Join(dir, "data"), "--json", jsonPath, "--task-sessions", "2000",
		"--connections", "2", "--duration", "1s", "--warmup", "0s", "--timeout", "30s", "--scenarios", "ceiling,ref-xml"}
	var out, errb bytes.Buffer
	c := &benchCmd{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	err := c.Run(t.Context(), args)
	if err == nil || !strings.Contains(err.Error(), "did not stop") {
		t.Fatalf("bench: err = %v, want the server's failure to stop\nstderr:\n%s", err, errb.String())
	}
	rep := readReport(t, jsonPath)
	var got []string
	for _, s := range rep.Scenarios {
		got = append(got, s.Name)
		if s.Requests == 0 {
			t.Errorf("%s: no request recorded", s.Name)
		}
	}
	if strings.Join(got, " ") != "ceiling ref-xml" {
		t.Errorf("scenarios recorded: %v, want ceiling and ref-xml", got)
	}
	for _, want := range []string{"ref-xml", "vs ceiling", "results written to " + jsonPath} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, out.String())
		}
	}
}
