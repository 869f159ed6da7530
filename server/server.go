// Package server assembles a running emcdp from an open store: the logon
// service, the world clock, the simulated world, the control plane and the
// API listeners. "emcdp serve" and package emcdptest both start a server
// through it, so that a test talks to the same server a user runs.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/action"
	"github.com/emcdp/emcdp/api"
	"github.com/emcdp/emcdp/auth"
	"github.com/emcdp/emcdp/control"
	"github.com/emcdp/emcdp/sim"
)

// Config configures a Server. Store is required.
type Config struct {
	// Store holds the world, already seeded when World is set.
	Store emcdp.Store
	// World is the simulated world's settings (nil: the store holds no
	// simulated world); WorldName names it in the control API.
	World     *sim.Config
	WorldName string
	// Simulate keeps the world moving in the background, TimeScale times as
	// fast as real time (default 1), stepping every Tick (default 1 s).
	Simulate  bool
	TimeScale float64
	Tick      time.Duration
	// Paused starts the world clock stopped (tests then move it through
	// the control API).
	Paused bool
	// RecordWorld, when set, is called after the control plane wrote a
	// world anew (reset, scenario), to record the settings beside it.
	RecordWorld func(ctx context.Context, st emcdp.Store, cfg sim.Config) error

	// TaskDelay is how long after a write its task applies (actions.md
	// §3.4; the serve flag's default is 1 s); 0 applies it before the 202.
	TaskDelay time.Duration

	// Auth holds the logon settings.
	Auth AuthConfig
	// API configures the handler; its Store, Auth, Clock, Observe and
	// Logger are filled in.
	API api.Config
	// HTTP configures the listeners; its API and Wrap are filled in.
	HTTP api.ServerConfig

	// Control configures the control plane; its World, Profile, BOM and
	// ExternalURL are filled in.
	Control control.Config

	Logger *slog.Logger
}

// AuthConfig holds the logon settings of auth.Service; zero values select
// its defaults.
type AuthConfig struct {
	IdleTimeout   time.Duration
	MaxFailures   int
	FailureWindow time.Duration
	BasicCacheTTL time.Duration // negative: no cache
	// SoleWriter: no other process changes the store's logon sessions
	// (see auth.Service.SoleWriter).
	SoleWriter bool
	// HashConcurrency bounds the password checks run at once (see
	// auth.Service.HashConcurrency; 0: the default).
	HashConcurrency int
}

// Server is a running emcdp.
type Server struct {
	cfg     Config
	log     *slog.Logger
	clock   *control.Clock
	auth    *auth.Service
	world   *control.World
	plane   *control.Plane
	http    *api.Server
	actions *action.Service
	stopAct context.CancelFunc
	actDone chan struct{}
}

// New assembles a server over cfg.Store; nothing listens until Open.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("server: no store")
	}
	if cfg.TimeScale == 0 {
		cfg.TimeScale = 1
	}
	if !(cfg.TimeScale > 0 && cfg.TimeScale <= 1e6) {
		return nil, fmt.Errorf("the time scale must be above 0 and at most 1000000, got %v", cfg.TimeScale)
	}
	s := &Server{cfg: cfg, log: cfg.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	// The world clock starts where the store's world ends, or now.
	// A paused clock stands exactly there; a simulation never goes back.
	origin := time.Now().UTC()
	if cfg.World != nil && (cfg.Paused || cfg.Simulate) {
		if v, err := cfg.Store.Meta(ctx, sim.MetaUntil); err == nil && v != "" {
			if t, err := time.Parse(time.RFC3339Nano, v); err == nil && (t.After(origin) || cfg.Paused) {
				origin = t
			}
		}
	}
	s.clock = control.NewClock(origin, cfg.TimeScale, cfg.Paused)

	// Logon sessions expire on the wall clock plus every advance of the
	// world clock (see control.Clock.Sessions).
	a := cfg.Auth
	s.auth = &auth.Service{Store: cfg.Store, Clock: s.clock.Sessions(),
		IdleTimeout: a.IdleTimeout, MaxFailures: a.MaxFailures, FailureWindow: a.FailureWindow,
		BasicCacheTTL: a.BasicCacheTTL, SoleWriter: a.SoleWriter, HashConcurrency: a.HashConcurrency}

	var err error
	// Writes and simulation steps take turns, so that a step sees every
	// write applied up to its instant (action.Service.Serial).
	serial := &sync.Mutex{}
	s.world, err = control.NewWorld(ctx, control.WorldConfig{
		Store: cfg.Store, Auth: s.auth, Clock: s.clock, Sim: cfg.World, Name: cfg.WorldName,
		Simulate: cfg.Simulate, Tick: cfg.Tick, Record: cfg.RecordWorld, Logger: s.log, Serial: serial,
	})
	if err != nil {
		return nil, err
	}
	cc := cfg.Control
	cc.World, cc.Profile, cc.BOM, cc.ExternalURL = s.world, cfg.API.Profile, cfg.API.BOM, cfg.API.ExternalURL
	if cc.Logger == nil {
		cc.Logger = s.log
	}
	if s.plane, err = control.New(cc); err != nil {
		return nil, err
	}

	s.actions = &action.Service{Store: cfg.Store, World: s.clock, Delay: cfg.TaskDelay, Logger: s.log, Serial: serial}
	ac := cfg.API
	ac.Store, ac.Auth, ac.Clock, ac.Observe, ac.Actions = cfg.Store, s.auth, s.clock, s.plane.Observe, s.actions
	if ac.Logger == nil {
		ac.Logger = s.log
	}
	hc := cfg.HTTP
	hc.API, hc.Wrap = ac, s.plane.Wrap
	s.http = api.NewServer(hc)
	return s, nil
}

// Open starts listening and, when asked, the background simulation.
func (s *Server) Open() error {
	if err := s.http.Open(); err != nil {
		return err
	}
	s.world.Start()
	ctx, cancel := context.WithCancel(context.Background())
	s.stopAct, s.actDone = cancel, make(chan struct{})
	go func() {
		defer close(s.actDone)
		s.actions.Run(ctx)
	}()
	return nil
}

// Wait returns when ctx ends, or with an error when the background
// simulation stops on a configuration error.
func (s *Server) Wait(ctx context.Context) error {
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if err := s.world.Failed(); err != nil && errors.Is(err, sim.ErrConfigMismatch) {
				return fmt.Errorf("simulation stopped: %w", err)
			}
		}
	}
}

// Close stops the simulation and the listeners.
func (s *Server) Close() error {
	if s.stopAct != nil {
		s.stopAct()
		<-s.actDone
	}
	s.world.Stop()
	return s.http.Close()
}

// URL returns the HTTPS root URL once open, e.g. "https://127.0.0.1:9398".
func (s *Server) URL() string { return s.http.URL() }

// HTTPURL returns the plain-HTTP root URL, or "" when there is none.
func (s *Server) HTTPURL() string { return s.http.HTTPURL() }

// Certificate returns the served certificate once open.
func (s *Server) Certificate() *tls.Certificate { return s.http.Certificate() }

// Control returns the control plane.
func (s *Server) Control() *control.Plane { return s.plane }

// Clock returns the world clock.
func (s *Server) Clock() *control.Clock { return s.clock }
