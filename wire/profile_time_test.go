package wire

import "testing"

// TestProfileTimes pins G9: v12 rounds to SQL Server datetime (1/300 s shown
// as rounded milliseconds, carrying into the next second), v13 keeps
// microseconds; session names follow their time.
func TestProfileTimes(t *testing.T) {
	for _, c := range []struct{ in, v12, v13 string }{
		{"2026-06-14T22:00:14.659559Z", "2026-06-14T22:00:14.66Z", "2026-06-14T22:00:14.659559Z"},
		{"2026-06-15T08:00:09.0123Z", "2026-06-15T08:00:09.013Z", "2026-06-15T08:00:09.0123Z"},
		{"2026-06-15T08:00:31.000001Z", "2026-06-15T08:00:31Z", "2026-06-15T08:00:31.000001Z"},
		{"2026-06-15T23:59:59.9990Z", "2026-06-16T00:00:00Z", "2026-06-15T23:59:59.999Z"},
	} {
		tm := mustTime(t, c.in)
		if got := string(appendTimeProfile(nil, tm, false)); got != c.v12 {
			t.Errorf("v12 %s = %s, want %s", c.in, got, c.v12)
		}
		if got := string(appendTimeProfile(nil, tm, true)); got != c.v13 {
			t.Errorf("v13 %s = %s, want %s", c.in, got, c.v13)
		}
	}
	for _, c := range []struct{ in, v12 string }{
		{"SQL Daily@2026-06-14 22:00:14.659559", "SQL Daily@2026-06-14 22:00:14"},
		{"a@b@2026-06-15 23:59:59.999", "a@b@2026-06-16 00:00:00"},
		{"web-02@2026-06-15 08:00:31", "web-02@2026-06-15 08:00:31"},
		{"no time here", "no time here"},
		{"x@2026-06-15 bogus time!!", "x@2026-06-15 bogus time!!"},
	} {
		if got := sessionName(c.in, false); got != c.v12 {
			t.Errorf("v12 name %q = %q, want %q", c.in, got, c.v12)
		}
		if got := sessionName(c.in, true); got != c.in {
			t.Errorf("v13 name %q = %q", c.in, got)
		}
	}
}
