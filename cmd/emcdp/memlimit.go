package main

import (
	"fmt"
	"math"
	"runtime/debug"
	"strconv"
	"strings"
)

// defaultMemoryLimit is the server's default soft limit on the memory the Go
// runtime maps (--memory-limit). Near it the collector runs more often and
// hands free heap pages back to the system at once instead of keeping them
// for later: the heap's peak after a large answer (a session collection) no
// longer stays resident. The rest of the process (SQLite's page caches, the
// body cache, the mapped binary) is outside it.
const defaultMemoryLimit = 32 << 20

// memoryLimit is the value of --memory-limit: a size in bytes, with an
// optional unit as GOMEMLIMIT takes them (B, KiB, MiB, GiB), or "off".
// set tells that it was given, on the command line or in the environment.
type memoryLimit struct {
	bytes int64 // 0: off
	set   bool
}

func (m *memoryLimit) String() string {
	if !m.set && m.bytes == 0 {
		return "" // not given: the usage text names the default
	}
	if m.bytes == 0 {
		return "off"
	}
	for _, u := range []struct {
		name  string
		shift uint
	}{{"GiB", 30}, {"MiB", 20}, {"KiB", 10}} {
		if m.bytes%(1<<u.shift) == 0 {
			return strconv.FormatInt(m.bytes>>u.shift, 10) + u.name
		}
	}
	return strconv.FormatInt(m.bytes, 10) + "B"
}

func (m *memoryLimit) Set(s string) error {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "off") || s == "0" {
		m.bytes, m.set = 0, true
		return nil
	}
	num, shift := s, uint(0)
	for _, u := range []struct {
		name  string
		shift uint
	}{{"KiB", 10}, {"MiB", 20}, {"GiB", 30}, {"B", 0}} {
		if n, ok := strings.CutSuffix(s, u.name); ok {
			num, shift = n, u.shift
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64>>shift {
		return fmt.Errorf("%q is not a size: use a number of bytes with an optional unit (B, KiB, MiB, GiB), or off", s)
	}
	if n<<shift < minMemoryLimit {
		return fmt.Errorf("%q is below the smallest limit, %d MiB", s, minMemoryLimit>>20)
	}
	m.bytes, m.set = n<<shift, true
	return nil
}

// minMemoryLimit is the smallest --memory-limit accepted: an idle server's
// runtime already maps about 8 MiB, and a limit below the live heap would
// keep the collector busy for nothing.
const minMemoryLimit = 16 << 20

// apply sets the runtime's soft memory limit: the flag's value when it was
// given; otherwise the default, unless GOMEMLIMIT is in the environment
// (getenv; the runtime has applied it already). Only the limit is set, never
// GOGC=off: the collector still runs no more often than GOGC asks while the
// heap is well under the limit, and when the live heap itself outgrows the
// limit the runtime caps the collector's share of the CPU (about half)
// instead of collecting without end, so the limit bends rather than stalls
// the server. It returns the limit in force and the one before, to restore
// when the server stops (the limit is the whole process's).
func (m *memoryLimit) apply(getenv func(string) string) (now, before int64) {
	before = debug.SetMemoryLimit(-1)
	switch {
	case m.set && m.bytes == 0:
		debug.SetMemoryLimit(math.MaxInt64)
	case m.set:
		debug.SetMemoryLimit(m.bytes)
	case getenv("GOMEMLIMIT") == "":
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	return debug.SetMemoryLimit(-1), before
}
