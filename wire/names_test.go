package wire

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
)

// The functions below are the session and point names and the profile
// times as written by parsing and formatting a time.Time: the reference
// that the direct forms in desc.go must match byte for byte.

func refSessionName(s string, micro bool) string {
	at := strings.LastIndexByte(s, '@')
	if micro || at < 0 || len(s)-at-1 < 19 {
		return s
	}
	t, err := time.Parse(sessionLayout, s[at+1:])
	if err != nil {
		return s
	}
	return s[:at+1] + v12Time(t).Format("2006-01-02 15:04:05")
}

func refPointName(s string, micro bool) string {
	if micro {
		return s
	}
	t, err := time.Parse(sessionLayout, s)
	if err != nil {
		return s
	}
	t = v12Time(t)
	h := t.Hour() % 12
	if h == 0 {
		h = 12
	}
	ampm := "AM"
	if t.Hour() >= 12 {
		ampm = "PM"
	}
	return fmt.Sprintf("%s %2d %d %2d:%02d%s", t.Month().String()[:3], t.Day(), t.Year(), h, t.Minute(), ampm)
}

func refTimeProfile(t time.Time, micro bool) string {
	if micro {
		return t.UTC().Truncate(time.Microsecond).Format("2006-01-02T15:04:05.999999") + "Z"
	}
	return v12Time(t).Format("2006-01-02T15:04:05.999") + "Z"
}

// keptTimes returns times as the store keeps them and near misses: every
// fraction length, the fractions that v12Time carries into the next second
// (up to a new year), ends of months and leap days, fields out of range,
// other separators, and digits where they do not belong.
func keptTimes() []string {
	out := []string{
		"2026-06-15 08:00:31", "2026-06-15 08:00:31.5", "2026-06-15 08:00:31.05", "2026-06-15 08:00:31.998333",
		"2026-06-15 08:00:31.998334", "2026-06-15 08:00:31.9983", "2026-06-15 08:00:31.99834", "2026-06-15 23:59:59.999",
		"2026-12-31 23:59:59.9999", "2026-12-31 23:59:59.999999", "2026-02-28 23:59:59.9995", "2024-02-29 12:00:00",
		"2026-02-29 12:00:00", "2100-02-29 00:00:00", "2000-02-29 00:00:00", "2026-04-31 00:00:00", "2026-04-30 00:00:00",
		"2026-13-01 00:00:00", "2026-00-01 00:00:00", "2026-01-00 00:00:00", "2026-01-01 24:00:00", "2026-01-01 23:60:00",
		"2026-01-01 23:59:60", "2026-01-01 00:00:00.", "2026-01-01 00:00:00.1234567", "2026-01-01 00:00:00,5",
		"2026-01-01T00:00:00", "2026-01-01 00:00:00Z", "2026-01-01 0:00:00.1", "2026-1-01 00:00:00.12", "0000-01-01 00:00:00",
		"0042-03-04 05:06:07.000001", "9999-12-31 23:59:59.9999", "2026-06-15 12:00:00", "2026-06-15 00:30:00",
		"2026-06-15 11:59:59.9995", "+026-06-15 08:00:31", "2026-06-15 08:00:31.12a", "2026-06-15 08:00:31.000000",
		"2026-06-15 08:00:31.100000", "2026-06-15 08:00:3a", "２026-06-15 08:00:31",
	}
	r := rand.New(rand.NewPCG(3, 3))
	for range 3000 {
		t := time.Date(1990+r.IntN(60), time.January, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.Int64N(366 * 24 * int64(time.Hour))))
		t = t.Add(time.Duration(r.IntN(1e6)) * time.Microsecond)
		if r.IntN(4) == 0 {
			t = t.Truncate(time.Second).Add(time.Duration(998000+r.IntN(2000)) * time.Microsecond)
		}
		s := t.Format(sessionLayout)
		if r.IntN(10) == 0 {
			b := []byte(s)
			b[r.IntN(len(b))] = "0123456789 -:.x"[r.IntN(15)]
			s = string(b)
		}
		out = append(out, s)
	}
	return out
}

// TestNamesMatchReference holds sessionName and pointName, which cut and
// write the kept text without parsing it when they can, to the parsed and
// formatted names, in both profiles.
func TestNamesMatchReference(t *testing.T) {
	for _, kt := range keptTimes() {
		for _, micro := range []bool{false, true} {
			for _, s := range []string{"Job 0001@" + kt, "a@b@" + kt, kt} {
				if got, want := sessionName(s, micro), refSessionName(s, micro); got != want {
					t.Errorf("sessionName(%q, %v) = %q, want %q", s, micro, got, want)
				}
			}
			if got, want := pointName(kt, micro), refPointName(kt, micro); got != want {
				t.Errorf("pointName(%q, %v) = %q, want %q", kt, micro, got, want)
			}
		}
	}
}

// TestTimeProfileMatchesReference holds appendTimeProfile to
// time.Time.Format of the profiles' layouts, the carries of v12's
// rounding, whole seconds and years outside 0–9999 included.
func TestTimeProfileMatchesReference(t *testing.T) {
	times := []time.Time{
		time.Date(2026, 6, 15, 8, 0, 31, 0, time.UTC), time.Date(2026, 12, 31, 23, 59, 59, 999_900_000, time.UTC),
		time.Date(2026, 6, 15, 8, 0, 31, 100_000_000, time.UTC), time.Date(2026, 6, 15, 8, 0, 31, 120_000, time.UTC),
		time.Date(2026, 6, 15, 8, 0, 31, 999, time.UTC), time.Date(1, 1, 1, 0, 0, 0, 1000, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC), time.Date(-5, 3, 1, 0, 0, 0, 5_000_000, time.UTC),
		time.Date(12026, 3, 1, 0, 0, 0, 5_000_000, time.UTC), time.Date(2026, 6, 15, 8, 0, 31, 0, time.FixedZone("x", 5*3600)),
	}
	r := rand.New(rand.NewPCG(4, 4))
	for range 3000 {
		times = append(times, time.Unix(r.Int64N(4e9), r.Int64N(1e9)).UTC())
	}
	for _, tm := range times {
		for _, micro := range []bool{false, true} {
			if got, want := string(appendTimeProfile(nil, tm, micro)), refTimeProfile(tm, micro); got != want {
				t.Errorf("appendTimeProfile(%s, %v) = %s, want %s", tm.Format(time.RFC3339Nano), micro, got, want)
			}
		}
	}
}

// FuzzNamesMatchReference is TestNamesMatchReference over arbitrary text.
func FuzzNamesMatchReference(f *testing.F) {
	for _, s := range keptTimes()[:60] {
		f.Add("Job@" + s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := sessionName(s, false), refSessionName(s, false); got != want {
			t.Errorf("sessionName(%q) = %q, want %q", s, got, want)
		}
		if got, want := pointName(s, false), refPointName(s, false); got != want {
			t.Errorf("pointName(%q) = %q, want %q", s, got, want)
		}
	})
}

// TestJobSessionAllocs checks that a backup job session with many restore
// points is written with one allocation for its links, their room made at
// once, and none for its names and times: as v13 writes them (names as
// kept) and as v12 writes them, whose session name and times are cut and
// written without a time.Time being formatted; the points' v12 names are
// one allocation more, one string for all of them.
func TestJobSessionAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes allocation counts")
	}
	created := time.Date(2026, 6, 15, 8, 0, 31, 659559000, time.UTC)
	js := &emcdp.JobSession{ID: emcdp.NewID(), Name: "Daily@" + created.Format(sessionLayout), JobID: emcdp.NewID(),
		JobName: "Daily", JobType: emcdp.JobBackup, CreationTime: created, EndTime: created.Add(time.Hour),
		BackupServerID: emcdp.NewID(), BackupServerName: "vbr"}
	const points = 20
	for i := range points {
		at := created.Add(time.Duration(i) * time.Minute)
		js.RestorePoints = append(js.RestorePoints, emcdp.Ref{ID: emcdp.NewID(), Name: at.Format(sessionLayout)})
	}
	buf := make([]byte, 0, 64<<10)
	for _, c := range []struct {
		e    Encoder
		want float64
	}{{encV13, 1}, {encV12, 2}} {
		n := testing.AllocsPerRun(50, func() {
			buf = c.e.Resource(buf[:0], exBase, emcdp.KindBackupJobSession, js, Entity)
		})
		if n != c.want {
			t.Errorf("profile %v: %v allocations per job session entity with %d points, want %v", c.e.Profile, n, points, c.want)
		}
	}
}

// TestJobSessionListAllocs pins the allocations of a query page of job
// sessions with more links each than an item's own room holds: the items
// share one room for their links, so the page allocates it once, however
// many items it has, besides one string of v12 names per item.
func TestJobSessionListAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes allocation counts")
	}
	created := time.Date(2026, 6, 15, 8, 0, 31, 659559000, time.UTC)
	const sessions, points = 10, 20
	res := &emcdp.QueryResult{}
	for range sessions {
		js := &emcdp.JobSession{ID: emcdp.NewID(), Name: "Daily@" + created.Format(sessionLayout), JobID: emcdp.NewID(),
			JobName: "Daily", JobType: emcdp.JobBackup, CreationTime: created, EndTime: created.Add(time.Hour),
			BackupServerID: emcdp.NewID(), BackupServerName: "vbr"}
		for i := range points {
			at := created.Add(time.Duration(i) * time.Minute)
			js.RestorePoints = append(js.RestorePoints, emcdp.Ref{ID: emcdp.NewID(), Name: at.Format(sessionLayout)})
		}
		res.Items = append(res.Items, js)
	}
	buf := make([]byte, 0, 256<<10)
	for _, c := range []struct {
		e    Encoder
		r    Rep
		want float64
	}{{encV13, Entity, 1}, {encV12, Entity, 1 + sessions}, {encV13, Reference, 1}, {Encoder{}, Entity, 1 + sessions}} {
		n := testing.AllocsPerRun(20, func() {
			buf = c.e.QueryResult(buf[:0], exBase, emcdp.KindBackupJobSession, res, c.r, Paging{PageNum: 1, PageSize: 100, PagesCount: 1})
		})
		if n != c.want {
			t.Errorf("%+v, rep %d: %v allocations per page of %d job sessions with %d points, want %v", c.e, c.r, n, sessions, points, c.want)
		}
	}
}
