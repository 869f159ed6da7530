package postgres

import (
	"strings"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
)

// TestParseNote reads back what notes writes, and reads every malformed
// payload (anyone who may connect can NOTIFY on the channel) as a change of
// everything, without a panic.
func TestParseNote(t *testing.T) {
	ids := make([]emcdp.ID, idsPerNote+3)
	for i := range ids {
		ids[i][0], ids[i][15] = byte(i), byte(i>>8)
	}
	before := time.Date(2026, 11, 30, 1, 2, 3, 4000, time.UTC)
	var got []emcdp.ID
	for _, p := range notes(emcdp.Change{All: true, Before: before, TaskSessions: ids}) {
		ch := parseNote(p)
		switch {
		case ch.All:
		case !ch.Before.IsZero():
			if !ch.Before.Equal(before) {
				t.Errorf("Before %v, want %v", ch.Before, before)
			}
		default:
			got = append(got, ch.TaskSessions...)
		}
	}
	if len(got) != len(ids) {
		t.Fatalf("%d ids read back, want %d", len(got), len(ids))
	}
	for i := range ids {
		if got[i] != ids[i] {
			t.Fatalf("id %d read back as %x, want %x", i, got[i], ids[i])
		}
	}
	key := strings.Repeat("ab", 32)
	if ch := parseNote(noteLogon + key); ch.All || len(ch.Logons) != 1 || ch.Logons[0][0] != 0xab {
		t.Errorf("logon note read as %+v", ch)
	}
	for _, p := range []string{"", "X", noteBefore, noteBefore + "x", noteLogonsBefore + "1e3",
		noteTaskSessions, noteTaskSessions + "zz", noteTaskSessions + strings.Repeat("0", 31),
		noteLogon, noteLogon + key[:62], noteLogon + key + "ab", noteLogon + strings.Repeat("ab", 200),
		noteLogon + strings.Repeat("zz", 32)} {
		if ch := parseNote(p); !ch.All {
			t.Errorf("parseNote(%.20q) = %+v, want a change of everything", p, ch)
		}
	}
}
