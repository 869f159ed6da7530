package sqlgen

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
)

// point is the code point v as SQLite's char() writes it (UTF-8 without
// its checks).
func point(v int) string {
	switch {
	case v < 0x80:
		return string([]byte{byte(v)})
	case v < 0x800:
		return string([]byte{0xC0 | byte(v>>6), 0x80 | byte(v&0x3F)})
	case v < 0x10000:
		return string([]byte{0xE0 | byte(v>>12), 0x80 | byte(v>>6&0x3F), 0x80 | byte(v&0x3F)})
	}
	return string([]byte{0xF0 | byte(v>>18), 0x80 | byte(v>>12&0x3F), 0x80 | byte(v>>6&0x3F), 0x80 | byte(v&0x3F)})
}

// taskRecord is the packed record of a task session's reference, as
// PackedRefs.Col writes it.
func taskRecord(s *emcdp.TaskSession) string {
	n := Nanos(s.CreationTime)
	head := point(len(s.Name)) + point(len(s.PolicySessionName)) + point(len(s.BackupServerName))
	for sh := 48; sh >= 0; sh -= 16 {
		head += point(int(uint64(n) >> sh & 0xFFFF))
	}
	return head + string(s.ID[:]) + s.Name + string(s.PolicySessionID[:]) + s.PolicySessionName +
		string(s.BackupServerID[:]) + s.BackupServerName
}

// TestPackedRefs reads records of task sessions' references with names of
// every length form (one to four bytes of UTF-8, surrogates included), NUL
// and bytes that are not UTF-8, and creation times before and after 1970
// and at the ends of the 16-bit points; it reads an empty value as no
// items, a length of 0xFFFD as ErrLongString, and a value cut short or
// with a header that no record has as an error, not as lost or wrong items.
func TestPackedRefs(t *testing.T) {
	pr := PackedRefsOf(emcdp.CdpReplicaTaskSessionDesc)
	if pr == nil {
		t.Fatal("task sessions' references are not packed")
	}
	var want []emcdp.TaskSession
	times := []time.Time{time.Date(2026, 11, 30, 10, 0, 0, 123456700, time.UTC), time.Date(1960, 1, 1, 0, 0, 0, 100, time.UTC),
		time.Unix(0, 0).UTC(), time.Unix(0, 0xFFFF).UTC(), time.Unix(0, 0x10000).UTC(), time.Unix(0, -1).UTC()}
	names := []string{"", "x", "nul\x00inside", "\xff\xfe not UTF-8", "ü€😀", strings.Repeat("m", 0x7f), strings.Repeat("m", 0x80),
		strings.Repeat("m", 0x7ff), strings.Repeat("m", 0x800), strings.Repeat("l", 0xd800), strings.Repeat("l", 0xFFFC),
		strings.Repeat("l", 0xFFFF), strings.Repeat("l", 0x10000), strings.Repeat("l", 0x10FFFF)}
	for i, n := range names {
		want = append(want, emcdp.TaskSession{ID: emcdp.ID{byte(i), 1}, Name: n, PolicySessionID: emcdp.ID{byte(i), 2},
			PolicySessionName: names[(i+1)%len(names)], BackupServerID: emcdp.ID{byte(i), 3}, BackupServerName: names[(i+2)%len(names)],
			CreationTime: times[i%len(times)]})
	}
	var p string
	for i := range want {
		p += taskRecord(&want[i])
	}
	res := &emcdp.QueryResult{}
	if err := pr.Add(res, p, 0); err != nil {
		t.Fatal(err)
	}
	if len(res.TaskSessions) != len(want) {
		t.Fatalf("%d items, want %d", len(res.TaskSessions), len(want))
	}
	for i, got := range res.TaskSessions {
		if w := want[i]; got != w {
			t.Errorf("item %d: %s %d %d %d %v, want %s %d %d %d %v", i, got.ID, len(got.Name), len(got.PolicySessionName),
				len(got.BackupServerName), got.CreationTime, w.ID, len(w.Name), len(w.PolicySessionName), len(w.BackupServerName), w.CreationTime)
		}
	}
	if err := pr.Add(res, "", 0); err != nil || len(res.TaskSessions) != len(want) {
		t.Errorf("empty value: %v, %d items", err, len(res.TaskSessions)-len(want))
	}

	one := taskRecord(&want[1])
	long := emcdp.TaskSession{Name: strings.Repeat("l", 0xFFFD)}
	if err := pr.Add(&emcdp.QueryResult{}, one+taskRecord(&long), 0); !errors.Is(err, ErrLongString) {
		t.Errorf("a length of 0xFFFD: %v, want ErrLongString", err)
	}
	head := point(1) + point(0) + point(0)
	for _, bad := range []string{
		one[:len(one)-1], // the last string cut short
		one + one[:5],    // a header cut short
		one + head + point(0) + point(0) + point(0) + point(0x10000) + strings.Repeat("i", 50), // a time's point above 16 bits
		one + "\x80" + strings.Repeat("i", 60),                                                 // no code point
		one + head + strings.Repeat("\x00", 4+10),                                              // an id cut short
	} {
		if err := pr.Add(&emcdp.QueryResult{}, bad, 1); err == nil || errors.Is(err, ErrLongString) {
			t.Errorf("%q: %v, want an error", bad[len(one):], err)
		}
	}
}

// TestPackedRefsAllocs: a page of records read with its size known makes
// room for its items once, and reads its records without allocating.
func TestPackedRefsAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes allocation counts")
	}
	pr := PackedRefsOf(emcdp.CdpReplicaTaskSessionDesc)
	s := emcdp.TaskSession{ID: emcdp.NewID(), Name: "vm-01@2026-11-30 10:00:00", PolicySessionName: "Policy 01@2026-11-30",
		BackupServerName: "vbr-01.lab.local", CreationTime: time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)}
	p := strings.Repeat(taskRecord(&s), 2000)
	res := &emcdp.QueryResult{}
	if n := testing.AllocsPerRun(5, func() {
		res.TaskSessions = nil
		if err := pr.Add(res, p, 2000); err != nil {
			t.Fatal(err)
		}
	}); n != 1 || len(res.TaskSessions) != 2000 {
		t.Errorf("%v allocations for %d items, want 1 for 2000", n, len(res.TaskSessions))
	}
}
