package main

import (
	"context"
	"math"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

// TestMemoryLimitValues: --memory-limit takes sizes as GOMEMLIMIT writes
// them, and off; it refuses what is not a size and limits too small to leave
// the live heap room.
func TestMemoryLimitValues(t *testing.T) {
	for in, want := range map[string]int64{
		"64MiB": 64 << 20, "1GiB": 1 << 30, "20000KiB": 20000 << 10, "33554432": 32 << 20,
		"33554432B": 32 << 20, " 48MiB ": 48 << 20, "off": 0, "OFF": 0, "0": 0,
	} {
		var m memoryLimit
		if err := m.Set(in); err != nil || m.bytes != want || !m.set {
			t.Errorf("Set(%q) = %v, %d bytes (set %v), want %d", in, err, m.bytes, m.set, want)
		}
	}
	for _, in := range []string{"", "MiB", "12", "8MiB", "-64MiB", "64MB", "64 mebibytes", "9999999999GiB", "1.5GiB"} {
		var m memoryLimit
		if err := m.Set(in); err == nil {
			t.Errorf("Set(%q) = nil error, %d bytes", in, m.bytes)
		}
	}
	for in, want := range map[string]string{"64MiB": "64MiB", "1GiB": "1GiB", "20000KiB": "20000KiB", "33554433": "33554433B", "off": "off"} {
		var m memoryLimit
		if err := m.Set(in); err != nil || m.String() != want {
			t.Errorf("Set(%q).String() = %q (%v), want %q", in, m.String(), err, want)
		}
	}
}

// TestMemoryLimitApplied: the limit in force is the flag's when given, the
// default when neither the flag nor GOMEMLIMIT is, and GOMEMLIMIT's (left
// to the runtime) when only it is.
func TestMemoryLimitApplied(t *testing.T) {
	const outside = 900 << 20 // stands for what the runtime took from GOMEMLIMIT
	prev := debug.SetMemoryLimit(outside)
	defer debug.SetMemoryLimit(prev)
	none := func(string) string { return "" }
	gomemlimit := func(k string) string {
		if k == "GOMEMLIMIT" {
			return "900MiB"
		}
		return ""
	}
	cases := []struct {
		flag   string
		getenv func(string) string
		want   int64
	}{
		{"", none, defaultMemoryLimit},
		{"", gomemlimit, outside},
		{"64MiB", none, 64 << 20},
		{"64MiB", gomemlimit, 64 << 20},
		{"off", none, math.MaxInt64},
	}
	for _, c := range cases {
		var m memoryLimit
		if c.flag != "" {
			if err := m.Set(c.flag); err != nil {
				t.Fatal(err)
			}
		}
		now, before := m.apply(c.getenv)
		if got := debug.SetMemoryLimit(-1); now != c.want || got != c.want || before != outside {
			t.Errorf("flag %q: limit %d (reported %d, before %d), want %d", c.flag, got, now, before, c.want)
		}
		debug.SetMemoryLimit(outside)
	}
}

// TestServeSetsMemoryLimit: serve applies --memory-limit (and its
// environment twin) while it runs, and puts the process's limit back when it
// stops.
func TestServeSetsMemoryLimit(t *testing.T) {
	prev := debug.SetMemoryLimit(math.MaxInt64)
	defer debug.SetMemoryLimit(prev)
	for _, c := range []struct {
		args []string
		env  string
		want int64
	}{
		{[]string{"--memory-limit", "80MiB"}, "", 80 << 20},
		{nil, "72MiB", 72 << 20},
		{nil, "", defaultMemoryLimit},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		var during int64
		var errb syncBuffer
		cmd := &serveCmd{Stdout: &syncBuffer{}, Stderr: &errb,
			Getenv: func(k string) string {
				if k == "EMCDP_MEMORY_LIMIT" {
					return c.env
				}
				return ""
			},
			Ready: func(string) { during = debug.SetMemoryLimit(-1); cancel() }}
		args := append([]string{"--data", t.TempDir(), "--listen", "127.0.0.1:0"}, c.args...)
		err := cmd.Run(ctx, args)
		cancel()
		if err != nil && !strings.Contains(err.Error(), "context canceled") {
			t.Fatalf("%v: %v\n%s", args, err, errb.String())
		}
		if during != c.want {
			t.Errorf("%v, EMCDP_MEMORY_LIMIT=%q: limit %d while serving, want %d", c.args, c.env, during, c.want)
		}
		if after := debug.SetMemoryLimit(-1); after != math.MaxInt64 {
			t.Errorf("%v: limit %d after serving, want the one before (%d)", c.args, after, int64(math.MaxInt64))
		}
	}
}
