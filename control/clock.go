package control

import (
	"sync"
	"time"

	"github.com/emcdp/emcdp"
)

// Clock is the world's clock under control: it runs Scale times as fast as
// the wall clock, or stands still while paused, and moves forward on
// demand (Plane.Advance, which also moves the world). It also keeps the clock of logon-session expiry, which is the wall
// clock plus every advance, so that a test advancing the world by an hour
// also ages its logon sessions by an hour, while pausing or speeding up the
// world leaves their expiry on real time.
type Clock struct {
	wall func() time.Time

	mu     sync.Mutex
	base   time.Time     // world time at anchor
	anchor time.Time     // wall time at which base held
	scale  float64       // world seconds per wall second
	paused bool          // the world time stays at base
	ahead  time.Duration // sum of the advances, for the session clock
}

// NewClock returns a clock that shows start now and runs scale times as
// fast as the wall clock, or stands at start when paused.
func NewClock(start time.Time, scale float64, paused bool) *Clock {
	c := &Clock{wall: time.Now}
	c.reset(start, scale, paused)
	return c
}

func (c *Clock) reset(start time.Time, scale float64, paused bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.base, c.anchor = start.UTC(), c.wall()
	c.scale, c.paused, c.ahead = scale, paused, 0
}

// Now returns the world time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nowLocked()
}

func (c *Clock) nowLocked() time.Time {
	if c.paused {
		return c.base
	}
	el := c.wall().Sub(c.anchor)
	return c.base.Add(time.Duration(float64(el) * c.scale))
}

// rebase makes the current world time the new base.
func (c *Clock) rebase() {
	c.base, c.anchor = c.nowLocked(), c.wall()
}

// Pause stops the world time where it is.
func (c *Clock) Pause() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rebase()
	c.paused = true
}

// Resume lets the world time run again from where it stood.
func (c *Clock) Resume() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rebase()
	c.paused = false
}

// SetScale changes how fast the world time runs from now on; scale must be
// positive.
func (c *Clock) SetScale(scale float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rebase()
	c.scale = scale
}

// advance moves the world time, and the session clock, forward by d.
// Plane.Advance calls it and then brings the world up to the new instant.
func (c *Clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rebase()
	c.base = c.base.Add(d)
	c.ahead += d
}

// ClockState is the clock as the control API shows it.
type ClockState struct {
	Now        time.Time `json:"now"`        // the world time
	Scale      float64   `json:"scale"`      // world seconds per wall second
	Paused     bool      `json:"paused"`     // the world time stands still
	SessionNow time.Time `json:"sessionNow"` // the time logon sessions expire on: wall clock plus every advance
}

// State returns the clock's state.
func (c *Clock) State() ClockState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return ClockState{Now: c.nowLocked(), Scale: c.scale, Paused: c.paused, SessionNow: c.wall().Add(c.ahead).UTC()}
}

// Sessions returns the clock logon sessions expire on: the wall clock plus
// every advance of this clock.
func (c *Clock) Sessions() emcdp.Clock { return sessionClock{c} }

type sessionClock struct{ c *Clock }

func (s sessionClock) Now() time.Time {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	return s.c.wall().Add(s.c.ahead).UTC()
}
