package sqlgen

import (
	"math"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
)

func TestBucket(t *testing.T) {
	w := BucketWidth
	for _, c := range []struct{ nanos, want int64 }{
		{0, 0}, {w - 1, 0}, {w, 1}, {-1, -1}, {-w, -1}, {-w - 1, -2}, {math.MaxInt64, math.MaxInt64 / w},
	} {
		if got := Bucket(c.nanos); got != c.want {
			t.Errorf("Bucket(%d) = %d, want %d", c.nanos, got, c.want)
		}
	}
}

func TestCreationWindow(t *testing.T) {
	k := emcdp.KindCdpReplicaTaskSession
	created, _ := emcdp.LookupField(k, "CreationTimeUTC")
	ended, _ := emcdp.LookupField(k, "EndTimeUTC")
	at := time.Date(2026, 6, 15, 6, 0, 0, 0, time.UTC)
	n := at.UnixNano()
	term := func(f emcdp.Field, op emcdp.Op) *emcdp.Term {
		return &emcdp.Term{Field: f, Op: op, Value: emcdp.Value{Time: at}}
	}
	for _, c := range []struct {
		name string
		e    emcdp.Expr
		want Window
		ok   bool
	}{
		{"from", term(created, emcdp.OpGe), Window{Lo: n, HasLo: true}, true},
		{"after", term(created, emcdp.OpGt), Window{Lo: n + 1, HasLo: true}, true},
		{"until", term(created, emcdp.OpLe), Window{Hi: n + 1, HasHi: true}, true},
		{"instant", term(created, emcdp.OpEq), Window{Lo: n, Hi: n + 1, HasLo: true, HasHi: true}, true},
		{"both", &emcdp.And{Terms: []emcdp.Expr{term(created, emcdp.OpGe), term(created, emcdp.OpLt)}},
			Window{Lo: n, Hi: n, HasLo: true, HasHi: true}, true},
		{"not equal", term(created, emcdp.OpNe), Window{}, false},
		{"other field", term(ended, emcdp.OpGe), Window{}, false},
		{"or", &emcdp.Or{Terms: []emcdp.Expr{term(created, emcdp.OpGe)}}, Window{}, false},
		{"mixed", &emcdp.And{Terms: []emcdp.Expr{term(created, emcdp.OpGe), term(ended, emcdp.OpLt)}}, Window{}, false},
		{"none", nil, Window{}, false},
	} {
		w, ok := CreationWindow(k, c.e)
		if ok != c.ok || ok && w != c.want {
			t.Errorf("%s: %+v, %v; want %+v, %v", c.name, w, ok, c.want, c.ok)
		}
	}
	if _, ok := CreationWindow(emcdp.KindBackupServer, term(created, emcdp.OpGe)); ok {
		t.Error("a kind without counts has a creation window")
	}
}

func TestCountWindowDays(t *testing.T) {
	day := time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC).UnixNano()
	tbl := Tables[emcdp.KindCdpReplicaTaskSession]
	// A whole day: one count, empty partial ranges.
	_, args, ok := CountWindow(&SQLite, tbl, Window{Lo: day, Hi: day + BucketWidth, HasLo: true, HasHi: true})
	if want := []any{tbl.Name, Bucket(day), Bucket(day) + 1, day, day, day + BucketWidth, day + BucketWidth}; !ok || !equalArgs(args, want) {
		t.Errorf("whole day: %v, %v; want %v", args, ok, want)
	}
	// From the middle of a day to the middle of the third: one whole day.
	lo, hi := day+BucketWidth/2, day+5*BucketWidth/2
	_, args, ok = CountWindow(&SQLite, tbl, Window{Lo: lo, Hi: hi, HasLo: true, HasHi: true})
	if want := []any{tbl.Name, Bucket(day) + 1, Bucket(day) + 2, lo, day + BucketWidth, day + 2*BucketWidth, hi}; !ok || !equalArgs(args, want) {
		t.Errorf("parts of days: %v, %v; want %v", args, ok, want)
	}
	// Within one day: no whole day, counted the plain way.
	if _, _, ok := CountWindow(&SQLite, tbl, Window{Lo: lo, Hi: lo + 1, HasLo: true, HasHi: true}); ok {
		t.Error("a window within a day is counted by days")
	}
}

func equalArgs(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
