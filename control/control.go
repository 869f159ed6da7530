// Package control is emcdp's control plane, which lets a test drive the
// server it talks to: health and readiness, a summary of the world, reset
// to the starting state, loading another scenario, the world clock, fault
// and latency injection, the request journal, and the Prometheus metrics.
//
// It is served on the API's own listeners under Prefix, which no
// Enterprise Manager path can take, and wraps the API handler (Plane.Wrap)
// to observe and disturb the requests that reach it. Everything but health,
// readiness and the metrics needs the control token as a bearer token.
package control

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/emcdp/emcdp/api"
	"github.com/emcdp/emcdp/wire"
)

// Prefix is the path prefix of the control API.
const Prefix = "/_emcdp/"

// MetricsPath is where the Prometheus metrics are served.
const MetricsPath = "/metrics"

// Config configures a Plane.
type Config struct {
	World *World
	// Enabled serves the control API; when off only health and readiness
	// answer under Prefix, and no request is journalled or disturbed.
	Enabled bool
	// Token is the bearer token of the control API and of the metrics;
	// empty: a random one, see Plane.Token.
	Token string
	// PublicMetrics serves MetricsPath without the token, as Prometheus
	// scrapes often are. Off by default: the counters tell anyone who asks
	// the API's traffic and its failed logons, and nothing but the EM
	// root, logon and health answers without credentials.
	PublicMetrics bool
	// MaxTokenFailures wrong control tokens within TokenFailureWindow lock
	// out every token check until the window passes (see tokenGuard);
	// 0: DefaultMaxTokenFailures, DefaultTokenFailureWindow.
	MaxTokenFailures   int
	TokenFailureWindow time.Duration
	// JournalSize is the number of requests the journal keeps (default 1000).
	JournalSize int
	// Profile and BOM are the JSON dialect of injected Error bodies, as
	// the API's (api.Config).
	Profile wire.Profile
	BOM     bool
	// ExternalURL is the API's (api.Config): the root URL clients reach
	// the server under, for the EM URLs the console shows.
	ExternalURL string
	Logger      *slog.Logger
}

// Plane is the control plane of one server.
type Plane struct {
	cfg     Config
	world   *World
	token   string
	guard   *tokenGuard
	faults  Faults
	journal *Journal
	metrics *metrics
	log     *slog.Logger
	ids     atomic.Uint64
	idBase  string
}

// New returns the control plane for cfg.
func New(cfg Config) (*Plane, error) {
	p := &Plane{cfg: cfg, world: cfg.World, token: cfg.Token, journal: NewJournal(cfg.JournalSize), log: cfg.Logger}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	if p.token == "" {
		var b [24]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, err
		}
		p.token = hex.EncodeToString(b[:])
	}
	p.guard = newTokenGuard(p.token, cfg.MaxTokenFailures, cfg.TokenFailureWindow)
	var b [4]byte
	_, _ = rand.Read(b[:])
	p.idBase = "f" + hex.EncodeToString(b[:])
	p.metrics = newMetrics(cfg.World)
	return p, nil
}

// Token returns the bearer token of the control API and the metrics.
func (p *Plane) Token() string { return p.token }

// Enabled tells whether the control API is served.
func (p *Plane) Enabled() bool { return p.cfg.Enabled }

// Faults returns the fault rules.
func (p *Plane) Faults() *Faults { return &p.faults }

// Journal returns the request journal.
func (p *Plane) Journal() *Journal { return p.journal }

// World returns the world under control.
func (p *Plane) World() *World { return p.world }

// Observe is the api.Config.Observe of the API handler that Wrap wraps: it
// counts the request and hands its outcome to the journal.
func (p *Plane) Observe(r *http.Request, o api.Outcome) {
	p.metrics.observe(r, o, false)
	if s, ok := r.Context().Value(slotKey{}).(*slot); ok {
		p.record(s, o)
	}
}

// Reset puts the world, the clock, the fault rules, the journal and the
// count of wrong control tokens back as the server started.
func (p *Plane) Reset(ctx context.Context) (float64, error) {
	p.faults.Clear()
	p.guard.clear()
	took, err := p.world.Reset(ctx)
	p.journal.Clear()
	if err == nil {
		p.metrics.resets.Inc()
		p.metrics.resetTime.Observe(took.Seconds())
	}
	return took.Seconds(), err
}

// Advance moves the world clock (and the clock of logon-session expiry)
// forward by d and brings the world up to the new instant before it
// returns: the sessions written are those the simulation writes over d.
func (p *Plane) Advance(ctx context.Context, d time.Duration) error {
	if d < 0 || d > MaxAdvance {
		return fmt.Errorf("advance must be 0 to %v, got %v", MaxAdvance, d)
	}
	release := p.world.Hold() // not during a reset
	defer release()
	p.world.cfg.Clock.advance(d)
	return p.world.Step(ctx)
}

// authorize tells whether r may use the control API (see bearer); when it
// may not, authorize has answered: 401, or 429 while wrong tokens are
// locked out.
func (p *Plane) authorize(w http.ResponseWriter, r *http.Request) bool {
	ok, wait := p.bearer(r)
	switch {
	case ok:
	case wait > 0:
		p.tooManyGuesses(w, wait)
	default:
		unauthorized(w)
	}
	return ok
}

// bearer tells whether r bears the control token as a bearer token, or
// comes from the console: its cookie, with its header (consoleHeader); wait
// is above 0 when a bearer token was not checked because wrong tokens are
// locked out.
func (p *Plane) bearer(r *http.Request) (ok bool, wait time.Duration) {
	h := r.Header.Get("Authorization")
	const scheme = "bearer "
	if len(h) >= len(scheme) && strings.EqualFold(h[:len(scheme)], scheme) {
		return p.guard.check(strings.TrimSpace(h[len(scheme):]))
	}
	return r.Header.Get(consoleHeader) != "" && p.consoleLoggedOn(r, time.Now()), 0
}

// Wrap returns the handler of the whole server: the control API under
// Prefix, the metrics, and em for everything else, observed and disturbed
// as the fault rules say.
func (p *Plane) Wrap(em http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, Prefix):
			p.serveControl(w, r, em)
		case r.URL.Path == MetricsPath:
			if !p.cfg.PublicMetrics && !p.authorize(w, r) {
				return
			}
			p.metrics.handler().ServeHTTP(w, r)
		default:
			p.serveAPI(w, r, em)
		}
	})
}

// nextID returns a request id for a request that never reaches the API
// handler (a dropped or answered fault).
func (p *Plane) nextID() string {
	return p.idBase + "-" + strconv.FormatUint(p.ids.Add(1), 10)
}
