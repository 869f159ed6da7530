package control

import (
	"testing"
	"time"
)

// TestClock drives the clock on a fake wall clock: it runs at its scale,
// stands while paused, keeps its time across scale changes, and the
// session clock follows the wall clock plus every advance.
func TestClock(t *testing.T) {
	wall := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	start := time.Date(2026, 6, 15, 6, 0, 0, 0, time.UTC)
	c := &Clock{wall: func() time.Time { return wall }}
	c.reset(start, 60, false)
	step := func(d time.Duration) { wall = wall.Add(d) }

	step(time.Second)
	if got := c.Now(); !got.Equal(start.Add(time.Minute)) {
		t.Fatalf("after 1 s at scale 60: %v", got)
	}
	c.Pause()
	step(time.Hour)
	if got := c.Now(); !got.Equal(start.Add(time.Minute)) {
		t.Errorf("paused clock moved to %v", got)
	}
	c.SetScale(2)
	c.Resume()
	step(time.Second)
	if got := c.Now(); !got.Equal(start.Add(time.Minute + 2*time.Second)) {
		t.Errorf("after resume at scale 2: %v", got)
	}
	c.advance(6 * time.Hour)
	if got := c.Now(); !got.Equal(start.Add(6*time.Hour + time.Minute + 2*time.Second)) {
		t.Errorf("after advance: %v", got)
	}
	if got := c.Sessions().Now(); !got.Equal(wall.Add(6 * time.Hour)) {
		t.Errorf("session clock = %v, want the wall clock plus 6 h", got)
	}
	st := c.State()
	if st.Paused || st.Scale != 2 || !st.SessionNow.Equal(wall.Add(6*time.Hour)) {
		t.Errorf("state = %+v", st)
	}
	c.reset(start, 1, true)
	if !c.Now().Equal(start) || !c.Sessions().Now().Equal(wall) {
		t.Errorf("after reset: %v, sessions %v", c.Now(), c.Sessions().Now())
	}
}

func TestWildcard(t *testing.T) {
	for _, tc := range []struct {
		pattern, s string
		want       bool
	}{
		{"/api/query*", "/api/query", true},
		{"/api/query*", "/api/querysvc", true},
		{"/api/query*", "/api/cdppolicies", false},
		{"/api/cdppolicies/*", "/api/cdppolicies/x/includes", true},
		{"/api/cdppolicies/*", "/api/cdppolicies", false},
		{"*/includes", "/api/cdppolicies/x/includes", true},
		{"/api/*/x*y", "/api/a/xzzy", true},
		{"/api/*/x*y", "/api/a/xzz", false},
		{"/api/", "/api/", true},
		{"*", "", true},
		{"a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
	} {
		if got := wildcard(tc.pattern, tc.s); got != tc.want {
			t.Errorf("wildcard(%q, %q) = %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
}
