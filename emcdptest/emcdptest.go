// Package emcdptest starts an isolated emcdp inside a Go test: a temporary
// SQLite store holding a seeded world, a random loopback port, a ready-made
// user, and the control plane switched on. It starts the server through
// package server, exactly as "emcdp serve" does.
//
//	srv := emcdptest.Start(t, emcdptest.WithScenario("testdata/world.json"))
//	c := srv.Client(t) // logged on as srv.User
//	var list map[string]any
//	if err := c.Get(ctx, "/api/cdpPolicies", &list); err != nil { … }
//	srv.Advance(t, 24*time.Hour)
//	srv.Faults().Add(control.Rule{Path: "/api/query*", Status: 503, Count: 2})
//	srv.Reset(t)
package emcdptest

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"log/slog"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/api"
	"github.com/emcdp/emcdp/client"
	"github.com/emcdp/emcdp/control"
	"github.com/emcdp/emcdp/server"
	"github.com/emcdp/emcdp/sim"
	"github.com/emcdp/emcdp/sqlite"
	"github.com/emcdp/emcdp/wire"
	"golang.org/x/crypto/bcrypt"
)

// Option changes how Start starts the server.
type Option func(*options)

type options struct {
	world    sim.Config
	name     string
	path     string
	start    time.Time
	simulate bool
	scale    float64
	http     bool
	off      bool
	profile  wire.Profile
	logger   *slog.Logger
}

// WithScenario seeds the world of a scenario file (see sim/SCENARIO.md)
// instead of the demo world.
func WithScenario(path string) Option {
	return func(o *options) { o.path = path; o.name = filepath.Base(path) }
}

// WithWorld seeds the world cfg describes instead of the demo world.
func WithWorld(cfg sim.Config, name string) Option {
	return func(o *options) { o.world, o.name, o.path = cfg, name, "" }
}

// WithNow seeds the world up to t and stands the world clock there
// (default: the current time, to the second).
func WithNow(t time.Time) Option { return func(o *options) { o.start = t.UTC() } }

// WithSimulation keeps the world moving in the background, scale times as
// fast as real time. Without it the world clock stands still and moves only
// through Advance, which makes tests deterministic.
func WithSimulation(scale float64) Option {
	return func(o *options) { o.simulate, o.scale = true, scale }
}

// WithHTTP serves plain HTTP too (Server.HTTPURL).
func WithHTTP() Option { return func(o *options) { o.http = true } }

// WithoutControl starts the server with the control API off, as
// "emcdp serve" runs without --control: only health and readiness answer
// under /_emcdp/. Reset, Advance, Faults and Journal still work in-process.
func WithoutControl() Option { return func(o *options) { o.off = true } }

// WithProfile selects the JSON dialect (default v12).
func WithProfile(p wire.Profile) Option { return func(o *options) { o.profile = p } }

// WithLogger sends the server's log to l (default: discarded).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// Server is a running emcdp for one test.
type Server struct {
	URL          string // HTTPS root, e.g. "https://127.0.0.1:41234"
	HTTPURL      string // plain-HTTP root with WithHTTP, else ""
	User         string // a PortalAdministrator
	Password     string
	ControlToken string // bearer token of the control API
	// TLS trusts the server's certificate.
	TLS *tls.Config

	srv *server.Server
}

// Start starts a server for t and stops it, removing its store, when t ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	o := options{world: sim.Demo(), name: "demo", start: time.Now().UTC().Truncate(time.Second), scale: 1}
	for _, f := range opts {
		f(&o)
	}
	if o.path != "" {
		cfg, err := sim.LoadScenario(o.path)
		if err != nil {
			t.Fatalf("emcdptest: %v", err)
		}
		o.world = cfg
	}
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "emcdp.db"))
	if err != nil {
		t.Fatalf("emcdptest: open the store: %v", err)
	}
	t.Cleanup(func() { st.Close() })

	s := &Server{User: "tester", Password: randomHex(t, 12)}
	// The lowest bcrypt cost keeps each logon fast in tests (more so under
	// the race detector); the server verifies it as any other hash.
	hash, err := bcrypt.GenerateFromPassword([]byte(s.Password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	u := &emcdp.User{Name: s.User, PasswordHash: string(hash), Role: emcdp.RolePortalAdministrator, Created: time.Now().UTC()}
	if err := st.PutUser(ctx, u); err != nil {
		t.Fatalf("emcdptest: create the user: %v", err)
	}
	if err := sim.Seed(ctx, st, o.world, o.start, nil); err != nil {
		t.Fatalf("emcdptest: seed the world: %v", err)
	}
	s.ControlToken = randomHex(t, 24)
	httpAddr := ""
	if o.http {
		httpAddr = "127.0.0.1:0"
	}
	world := o.world
	s.srv, err = server.New(ctx, server.Config{
		Store: st, World: &world, WorldName: o.name,
		Simulate: o.simulate, TimeScale: o.scale, Paused: !o.simulate,
		Auth:    server.AuthConfig{SoleWriter: true},
		API:     api.Config{Profile: o.profile, BodyCacheBytes: api.DefaultBodyCacheBytes},
		HTTP:    api.ServerConfig{Addr: "127.0.0.1:0", HTTPAddr: httpAddr, DataDir: dir, SweepInterval: -1},
		Control: control.Config{Enabled: !o.off, Token: s.ControlToken},
		Logger:  o.logger,
	})
	if err != nil {
		t.Fatalf("emcdptest: %v", err)
	}
	if err := s.srv.Open(); err != nil {
		t.Fatalf("emcdptest: %v", err)
	}
	t.Cleanup(func() { s.srv.Close() })
	s.URL, s.HTTPURL = s.srv.URL(), s.srv.HTTPURL()
	pool := x509.NewCertPool()
	if c := s.srv.Certificate(); c != nil && len(c.Certificate) > 0 {
		leaf, err := x509.ParseCertificate(c.Certificate[0])
		if err != nil {
			t.Fatalf("emcdptest: %v", err)
		}
		pool.AddCert(leaf)
	}
	s.TLS = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return s
}

func randomHex(t testing.TB, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// HTTPClient returns an HTTP client that trusts the server's certificate.
func (s *Server) HTTPClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = s.TLS.Clone()
	return &http.Client{Transport: tr, Timeout: time.Minute}
}

// Client returns an API client logged on as s.User; it logs off when t ends.
func (s *Server) Client(t testing.TB) *client.Client {
	t.Helper()
	c := client.New(s.URL, s.HTTPClient())
	if err := c.Logon(context.Background(), s.User, s.Password); err != nil {
		t.Fatalf("emcdptest: %v", err)
	}
	return c
}

// Clock returns the world clock (Now, Pause, Resume, SetScale); move it
// with Advance, which also brings the world up to the new instant.
func (s *Server) Clock() *control.Clock { return s.srv.Clock() }

// Advance moves the world clock, and the clock logon sessions expire on,
// forward by d, and returns once the world reflects the new instant.
func (s *Server) Advance(t testing.TB, d time.Duration) {
	t.Helper()
	if err := s.srv.Control().Advance(context.Background(), d); err != nil {
		t.Fatalf("emcdptest: advance: %v", err)
	}
}

// Faults returns the fault rules applied to API requests.
func (s *Server) Faults() *control.Faults { return s.srv.Control().Faults() }

// Journal returns the journal of API requests.
func (s *Server) Journal() *control.Journal { return s.srv.Control().Journal() }

// Reset puts the server back as it started: world, clock, logon sessions,
// fault rules and journal.
func (s *Server) Reset(t testing.TB) {
	t.Helper()
	if _, err := s.srv.Control().Reset(context.Background()); err != nil {
		t.Fatalf("emcdptest: reset: %v", err)
	}
}

// Control returns the control plane, for what the other methods do not cover.
func (s *Server) Control() *control.Plane { return s.srv.Control() }
