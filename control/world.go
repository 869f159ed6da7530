package control

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/auth"
	"github.com/emcdp/emcdp/sim"
)

// Clearer is a store that can be emptied of everything but its users in
// one transaction (both stores of emcdp are); reset and scenario loading
// need it.
type Clearer interface {
	Clear(ctx context.Context) error
}

// WorldConfig describes the world a World keeps.
type WorldConfig struct {
	Store emcdp.Store
	Auth  *auth.Service
	Clock *Clock
	// Sim is the world's simulation settings, nil when the store holds no
	// simulated world (then reset only clears logon sessions and failed
	// logons).
	Sim *sim.Config
	// Name names the scenario for the summary ("demo", a file name…).
	Name string
	// Simulate keeps the world moving in the background every Tick of
	// wall time; without it the world moves only when the clock is advanced.
	Simulate bool
	Tick     time.Duration
	// Record, when set, writes whatever the caller keeps beside the world
	// in the store after the world was written anew (emcdp serve records
	// the world's settings).
	Record func(ctx context.Context, st emcdp.Store, cfg sim.Config) error
	Logger *slog.Logger
	// Serial is shared with the write side: held during each step.
	Serial sync.Locker
}

// World is the simulated world behind the API, which the control plane
// resets, replaces and moves in time. Requests to the API hold the world
// shared (Hold), so that a reset or a scenario change, which holds it
// exclusively, is never seen half done.
type World struct {
	cfg WorldConfig
	log *slog.Logger

	gate sync.RWMutex // API requests share it; reset and scenario take it whole

	mu        sync.Mutex // guards what follows
	sim       *sim.Config
	name      string
	start     time.Time // the instant the world starts (the simulator's MetaStart)
	origin    time.Time // the world clock when the server started
	until     time.Time // the last instant the store reflected then
	scale     float64
	paused    bool
	initial   *sim.Config // the world the server started with
	episodes  int         // episodes started since the world was last written anew (start, reset or load)
	initName  string
	fp        string // the stored fingerprint of the initial world
	live      *sim.Live
	stop      context.CancelFunc
	done      chan struct{}
	failed    error // why the background simulation stopped
	resets    int
	lastReset time.Duration
	applied   func(*emcdp.Batch) // told of every batch the simulation writes
}

// countingStore tells the world of every batch the simulation writes, for
// the metrics of its progress.
type countingStore struct {
	emcdp.Store
	applied func(*emcdp.Batch)
}

func (s countingStore) Apply(ctx context.Context, b *emcdp.Batch) error {
	err := s.Store.Apply(ctx, b)
	if err == nil && s.applied != nil {
		s.applied(b)
	}
	return err
}

// onApplied makes f hear of every batch the simulation writes from its
// next start on.
func (w *World) onApplied(f func(*emcdp.Batch)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.applied = f
}

// NewWorld returns the world over a store that already holds it (seeded up
// to the clock's current time); Start begins its background simulation.
func NewWorld(ctx context.Context, cfg WorldConfig) (*World, error) {
	w := &World{cfg: cfg, log: cfg.Logger, name: cfg.Name, initName: cfg.Name}
	if w.log == nil {
		w.log = slog.New(slog.DiscardHandler)
	}
	st := cfg.Clock.State()
	w.origin, w.scale, w.paused = st.Now, st.Scale, st.Paused
	if cfg.Sim != nil {
		c := *cfg.Sim
		w.sim, w.initial = &c, &c
		s, err := cfg.Store.Meta(ctx, sim.MetaStart)
		if err != nil {
			return nil, err
		}
		if w.start, err = time.Parse(time.RFC3339Nano, s); err != nil {
			return nil, fmt.Errorf("the store holds no simulated world (%s %q); seed it first", sim.MetaStart, s)
		}
		if w.fp, err = cfg.Store.Meta(ctx, sim.MetaFingerprint); err != nil {
			return nil, err
		}
		if s, err = cfg.Store.Meta(ctx, sim.MetaUntil); err != nil {
			return nil, err
		}
		if w.until, err = time.Parse(time.RFC3339Nano, s); err != nil {
			return nil, fmt.Errorf("the store's world is not complete (%s %q); seed it first", sim.MetaUntil, s)
		}
	}
	return w, nil
}

// Hold holds the world shared for the length of one API request; call
// the function it returns when the request is done.
func (w *World) Hold() (release func()) {
	w.gate.RLock()
	return w.gate.RUnlock
}

// Start begins the background simulation when it was asked for.
func (w *World) Start() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.startLocked()
}

func (w *World) startLocked() {
	if w.sim == nil {
		return
	}
	w.live = &sim.Live{Store: countingStore{w.cfg.Store, w.applied}, Clock: w.cfg.Clock, Config: *w.sim,
		Interval: w.cfg.Tick, Logger: w.log, Serial: w.cfg.Serial}
	w.failed = nil
	if !w.cfg.Simulate {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	w.stop, w.done = cancel, done
	live := w.live
	go func() {
		defer close(done)
		if err := live.Run(ctx); err != nil {
			w.log.Error("simulation stopped", "err", err)
			w.mu.Lock()
			w.failed = err
			w.mu.Unlock()
		}
	}()
}

// Stop ends the background simulation and waits for it.
func (w *World) Stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopLocked()
}

func (w *World) stopLocked() {
	if w.stop == nil {
		return
	}
	w.stop()
	done := w.done
	w.stop, w.done = nil, nil
	w.mu.Unlock()
	<-done
	w.mu.Lock()
}

// Failed returns why the background simulation stopped, or nil.
func (w *World) Failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.failed
}

// Simulating tells whether the background simulation runs.
func (w *World) Simulating() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stop != nil && w.failed == nil
}

// Step brings the store up to the world clock now. The clock's advance
// calls it, so that an advance returns once the world reflects it.
func (w *World) Step(ctx context.Context) error {
	w.mu.Lock()
	live := w.live
	w.mu.Unlock()
	if live == nil {
		return nil
	}
	return live.Step(ctx)
}

// Reset puts the world back as the server started: the same world at the
// same instant, the clock where and as it was, no logon session, no failed
// logon. API requests wait while it runs.
func (w *World) Reset(ctx context.Context) (time.Duration, error) {
	began := time.Now()
	w.gate.Lock()
	defer w.gate.Unlock()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopLocked()
	err := w.rebuild(ctx, w.initial, w.until, w.start, w.fp)
	if err == nil {
		w.sim, w.name, w.episodes = w.initial, w.initName, 0
	}
	w.cfg.Clock.reset(w.origin, w.scale, w.paused)
	w.startLocked()
	took := time.Since(began)
	if err == nil {
		w.resets++
		w.lastReset = took
		w.log.Info("world reset", "took", took.Round(time.Microsecond))
	}
	return took, err
}

// Load replaces the world with the one cfg describes, started so that its
// history reaches the world clock's present. API requests wait while it runs.
func (w *World) Load(ctx context.Context, cfg sim.Config, name string) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	w.gate.Lock()
	defer w.gate.Unlock()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopLocked()
	err := w.rebuild(ctx, &cfg, w.cfg.Clock.Now(), time.Time{}, "")
	if err == nil {
		w.sim, w.name, w.episodes = &cfg, name, 0
	}
	w.startLocked()
	if err == nil {
		w.log.Info("scenario loaded", "name", name)
	}
	return err
}

// rebuild empties the store of all but its users and writes the world of
// cfg up to now. A non-zero start fixes the world's first instant and fp
// the fingerprint recorded, so that a reset world is the one the server
// started with even when it was first seeded before this process started.
func (w *World) rebuild(ctx context.Context, cfg *sim.Config, now, start time.Time, fp string) error {
	defer w.cfg.Auth.Forget()
	if cfg == nil {
		// No simulated world: what the store holds cannot be written
		// again, so only the logon sessions and the failed logons go, as
		// they go with a world written anew.
		end := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
		if _, err := w.cfg.Store.DeleteLogonSessionsBefore(ctx, end); err != nil {
			return err
		}
		_, err := w.cfg.Store.PruneLogonFailures(ctx, end, 0)
		return err
	}
	cl, ok := w.cfg.Store.(Clearer)
	if !ok {
		return errors.New("this store cannot be cleared")
	}
	if err := cl.Clear(ctx); err != nil {
		return fmt.Errorf("clear the store: %w", err)
	}
	w.cfg.Auth.Forget()
	c := *cfg
	if !start.IsZero() {
		c.Start = start
	}
	if err := sim.Seed(ctx, w.cfg.Store, c, now, nil); err != nil {
		return fmt.Errorf("write the world: %w", err)
	}
	if fp != "" {
		if err := w.cfg.Store.Apply(ctx, &emcdp.Batch{Meta: map[string]string{sim.MetaFingerprint: fp}}); err != nil {
			return err
		}
	}
	if w.cfg.Record != nil {
		return w.cfg.Record(ctx, w.cfg.Store, *cfg)
	}
	return nil
}

// Summary is the world as GET /_emcdp/world shows it.
type Summary struct {
	Scenario   string         `json:"scenario,omitempty"` // the scenario in force
	Seed       int64          `json:"seed"`
	Start      *time.Time     `json:"start,omitempty"` // the world's first instant
	Until      *time.Time     `json:"until,omitempty"` // the last instant the store reflects
	Clock      ClockState     `json:"clock"`
	Simulating bool           `json:"simulating"`
	Counts     map[string]int `json:"counts"` // resources per type
	Resets     int            `json:"resets"`
	LastReset  float64        `json:"lastResetMs,omitempty"`
}

// Summary counts the world's resources of every served type.
func (w *World) Summary(ctx context.Context) (*Summary, error) {
	release := w.Hold()
	defer release()
	w.mu.Lock()
	s := &Summary{Scenario: w.name, Clock: w.cfg.Clock.State(), Simulating: w.stop != nil && w.failed == nil,
		Resets: w.resets, LastReset: float64(w.lastReset) / float64(time.Millisecond), Counts: map[string]int{}}
	if w.sim != nil {
		s.Seed = w.sim.Seed
	}
	w.mu.Unlock()
	counts, err := Count(ctx, w.cfg.Store)
	if err != nil {
		return nil, err
	}
	for k, n := range counts {
		s.Counts[k.String()] = n
	}
	for key, dst := range map[string]**time.Time{sim.MetaStart: &s.Start, sim.MetaUntil: &s.Until} {
		v, err := w.cfg.Store.Meta(ctx, key)
		if err != nil {
			return nil, err
		}
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			*dst = &t
		}
	}
	return s, nil
}

// Count returns the number of resources of every served kind, read through
// the store's query service.
func Count(ctx context.Context, st emcdp.ResourceStore) (map[emcdp.Kind]int, error) {
	out := make(map[emcdp.Kind]int, len(emcdp.Kinds))
	for _, k := range emcdp.Kinds {
		res, err := st.Query(ctx, &emcdp.Query{Kind: k, Page: 1, PageSize: 1})
		if err != nil {
			return nil, err
		}
		out[k] = res.Total
	}
	return out, nil
}

// Ready returns nil when the server can answer: the store is readable, the
// world is in place, and the background simulation runs when it was asked
// for; otherwise an error saying what is missing. Its text is shown without
// authentication, so the details of a failure go to the log only.
func (w *World) Ready(ctx context.Context) error {
	until, err := w.cfg.Store.Meta(ctx, sim.MetaUntil)
	if err != nil {
		w.log.Warn("not ready: the store cannot be read", "err", err)
		return errors.New("the store cannot be read; see the server log")
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.sim != nil && until == "" {
		return errors.New("the world is not in place yet")
	}
	if w.failed != nil {
		return errors.New("the simulation stopped; see the server log")
	}
	if w.cfg.Simulate && w.sim != nil && w.stop == nil {
		return errors.New("the simulation is not running")
	}
	return nil
}
