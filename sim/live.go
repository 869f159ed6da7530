package sim

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/emcdp/emcdp"
)

// Live keeps a store's world moving on Clock: running task sessions end and
// the next ones start, policy sessions roll over every 24 hours, problem
// episodes begin and end. Every change goes through Store.Apply, so clients
// polling the store see it. A Live on an empty store writes the history
// first; a Live on a store it stepped before (in this process or another)
// continues from the last simulated instant, with no gap and no duplicate.
type Live struct {
	Store    emcdp.Store
	Clock    emcdp.Clock
	Config   Config
	Interval time.Duration // between steps; default 1 s of wall time
	Logger   *slog.Logger  // default slog.Default()
	// Serial, when set, is held during each step; the write side holds it
	// while it applies a write, so that a step never runs between a write's
	// reading of the clock and its commit, and sees every event up to its now.
	Serial sync.Locker

	mu sync.Mutex
	r  *runner
}

// Step brings the store up to Clock.Now(), writing every event since the
// last simulated instant. Tests call it directly.
func (l *Live) Step(ctx context.Context) error {
	if l.Clock == nil {
		return errors.New("sim: Live has no Clock")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.Serial != nil {
		l.Serial.Lock()
		defer l.Serial.Unlock()
	}
	if l.r == nil {
		r, err := newRunner(l.Store, l.Config)
		if err != nil {
			return err
		}
		l.r = r
	}
	return l.r.sync(ctx, l.Clock.Now(), nil)
}

// Run steps every Interval until ctx ends, then returns nil. A step that
// fails on a store error is logged and retried at the next tick; a
// configuration error (a bad Config, ErrConfigMismatch) ends Run with it.
func (l *Live) Run(ctx context.Context) error {
	iv := l.Interval
	if iv <= 0 {
		iv = time.Second
	}
	log := l.Logger
	if log == nil {
		log = slog.Default()
	}
	if err := l.Config.Validate(); err != nil {
		return err
	}
	tick := time.NewTicker(iv)
	defer tick.Stop()
	for {
		if err := l.Step(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, ErrConfigMismatch) {
				return err
			}
			log.Warn("simulation step failed; retrying", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}
