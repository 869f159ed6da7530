package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/action"
	"github.com/emcdp/emcdp/api"
	"github.com/emcdp/emcdp/auth"
	"github.com/emcdp/emcdp/control"
	"github.com/emcdp/emcdp/postgres"
	"github.com/emcdp/emcdp/server"
	"github.com/emcdp/emcdp/sim"
	"github.com/emcdp/emcdp/wire"
)

const serveUsage = `Usage: emcdp serve [flags]

Serves the Enterprise Manager REST API (https://HOST:9398/api/) for CDP
replication sessions. On first start with no user, an administrator "admin"
is created and its random password printed once. With no certificate given, a
self-signed one is made in the data folder and reused.

Examples:
  emcdp serve --demo                       # demo data, HTTPS on :9398
  emcdp serve --demo --control --control-token s3cret --log-format json   # drivable from tests
  emcdp serve --demo --simulate --time-scale 3600   # a simulated day every 24 s
  emcdp serve --db postgres://emcdp@db:5432/emcdp --listen :9398
`

// serveCmd runs the server.
type serveCmd struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// Ready, when set, is called with the server's URL once it listens.
	Ready func(url string)
}

type serveFlags struct {
	store          storeFlags
	listen         string
	httpListen     string
	tlsCert        string
	tlsKey         string
	externalURL    string
	profile        string
	jsonBOM        bool
	demo           bool
	simulate       bool
	scenario       string
	timeScale      float64
	tick           time.Duration
	sessionTimeout time.Duration
	maxFailures    int
	failureWindow  time.Duration
	basicCache     time.Duration
	sessionWindow  time.Duration
	maxPageSize    int
	oldVersions    bool
	logLevel       string
	logFormat      string
	benchRoute     bool
	requestTimeout time.Duration
	maxScans       int
	logonWorkers   int
	control        bool
	controlToken   string
	controlFails   int
	controlWindow  time.Duration
	publicMetrics  bool
	journalSize    int
	taskDelay      time.Duration
	memoryLimit    memoryLimit
}

func (f *serveFlags) register(fs *flag.FlagSet) {
	f.store.register(fs)
	fs.StringVar(&f.listen, "listen", ":9398", "HTTPS listen address")
	fs.StringVar(&f.httpListen, "http-listen", "", "plain-HTTP listen address, e.g. :9399 (off when empty)")
	fs.StringVar(&f.tlsCert, "tls-cert", "", "PEM certificate file (with --tls-key); default: a self-signed certificate in the data folder")
	fs.StringVar(&f.tlsKey, "tls-key", "", "PEM private key file for --tls-cert")
	fs.StringVar(&f.externalURL, "external-url", "", "root URL clients use when behind a proxy, e.g. https://em.lab.local:9398; default: each request's Host")
	fs.StringVar(&f.profile, "profile", "v12", "JSON dialect: v12 (PascalCase, EM 11-12) or v13 (camelCase, EM 13)")
	fs.BoolVar(&f.jsonBOM, "json-bom", false, "start JSON bodies with a UTF-8 byte-order mark, as older servers did")
	fs.BoolVar(&f.demo, "demo", false, "put the small deterministic demo dataset in place (kept across restarts)")
	fs.BoolVar(&f.simulate, "simulate", false, "keep the world moving: sessions end, start and roll over as time passes")
	fs.StringVar(&f.scenario, "scenario", "", "scenario file for --simulate (default: the world the store was seeded with, or the demo)")
	fs.Float64Var(&f.timeScale, "time-scale", 1, "with --simulate, run the world's clock this many times faster (3600: a day in 24 s)")
	fs.DurationVar(&f.tick, "tick", time.Second, "with --simulate, wall time between simulation steps")
	fs.DurationVar(&f.sessionTimeout, "session-timeout", 15*time.Minute, "logon sessions expire after this long without a request")
	fs.IntVar(&f.maxFailures, "max-failures", 5, "failed logons for one user within --failure-window before it is locked out")
	fs.DurationVar(&f.failureWindow, "failure-window", 5*time.Minute, "window for --max-failures; the lockout lasts until it passes")
	fs.DurationVar(&f.basicCache, "basic-cache", time.Minute, "how long a successful Basic verification is remembered (0 disables)")
	fs.DurationVar(&f.sessionWindow, "session-window", 30*24*time.Hour, "how far back session collections reach")
	fs.IntVar(&f.maxPageSize, "max-page-size", 10000, "largest pageSize of the query service")
	fs.BoolVar(&f.oldVersions, "list-old-versions", false, "also list v1_2..v1_4 in GET /api/ (some old clients need v1_2)")
	fs.StringVar(&f.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&f.logFormat, "log-format", "text", "log lines as text (key=value) or json")
	fs.BoolVar(&f.control, "control", false, "serve the control API under /_emcdp/ (reset, clock, faults, request journal); see docs/control.md")
	fs.StringVar(&f.controlToken, "control-token", "", "bearer token of the control API (default: a random one, printed at start)")
	fs.IntVar(&f.controlFails, "control-max-failures", control.DefaultMaxTokenFailures, "wrong control tokens (bearer or console logon, all clients together) within --control-failure-window before every token check answers 429")
	fs.DurationVar(&f.controlWindow, "control-failure-window", control.DefaultTokenFailureWindow, "window for --control-max-failures; the lockout lasts until its oldest failure leaves it")
	fs.BoolVar(&f.publicMetrics, "public-metrics", false, "serve /metrics without the control token (default: the token is required)")
	fs.IntVar(&f.journalSize, "journal-size", control.DefaultJournalSize, "requests the control API's journal keeps (1…100000; each entry keeps up to 4 KiB of path and query)")
	fs.BoolVar(&f.benchRoute, "bench-route", false, "serve the benchmark's static ceiling route (for emcdp bench only)")
	fs.DurationVar(&f.taskDelay, "task-delay", action.DefaultDelay, "how long after a write its task applies (0: before the 202 is sent)")
	fs.DurationVar(&f.requestTimeout, "request-timeout", api.DefaultRequestTimeout, "stop a request's work after this long and answer 503")
	fs.IntVar(&f.maxScans, "max-scans", 0, "collections and query pages read at once; more wait (default: half the processors)")
	fs.IntVar(&f.logonWorkers, "logon-concurrency", 0, "password checks run at once; more wait briefly, then get 503 (default: half the processors)")
	fs.Var(&f.memoryLimit, "memory-limit", "soft limit of the Go runtime's memory, e.g. 64MiB, or off; the collector works harder near it, never stops the server (default 32MiB unless GOMEMLIMIT is set)")
}

func (c *serveCmd) Run(ctx context.Context, args []string) error {
	fs := newFlagSet("serve", serveUsage, c.Stdout)
	var f serveFlags
	f.register(fs)
	if err := parseFlags(fs, args, c.Getenv); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return badUsage(fs, "unexpected argument %q", fs.Arg(0))
	}
	profile, err := parseProfile(f.profile)
	if err != nil {
		return badUsage(fs, "%v", err)
	}
	// Bounded as the control API bounds it; NaN and +Inf, which parse as
	// numbers, would make the world clock's time undefined.
	if !(f.timeScale > 0 && f.timeScale <= 1e6) {
		return badUsage(fs, "--time-scale must be above 0 and at most 1000000, got %v", f.timeScale)
	}
	if f.requestTimeout <= 0 || f.maxScans < 0 || f.logonWorkers < 0 {
		return badUsage(fs, "--request-timeout must be positive, and --max-scans and --logon-concurrency not negative")
	}
	if err := checkServeLimits(fs, &f); err != nil {
		return err
	}
	if (f.tlsCert == "") != (f.tlsKey == "") {
		return badUsage(fs, "--tls-cert and --tls-key go together")
	}
	level, ok := logLevels[strings.ToLower(f.logLevel)]
	if !ok {
		return badUsage(fs, "--log-level %q: use debug, info, warn or error", f.logLevel)
	}
	log, err := newLogger(c.Stderr, f.logFormat, level)
	if err != nil {
		return err
	}
	if f.journalSize < 1 || f.journalSize > 100000 {
		return fmt.Errorf("--journal-size must be 1…100000, got %d", f.journalSize)
	}
	getenv := c.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	limit, before := f.memoryLimit.apply(getenv)
	defer debug.SetMemoryLimit(before)
	log.Info("memory limit", "bytes", limit)

	soleWriter := false
	if path, ok := sqlitePath(f.store); ok {
		if err := sqliteFolder(f.store, path); err != nil {
			return err
		}
		unlock, err := lockServing(path)
		if err != nil {
			return err
		}
		defer unlock()
		soleWriter = true
	}
	st, desc, err := openStore(ctx, f.store)
	if err != nil {
		return err
	}
	defer st.Close()
	log.Info("store open", "store", desc)
	// A shared database tells every replica of the others' writes through
	// its change feed; while the feed listens, the caches below are on.
	shared, fed := st.(*postgres.DB)
	if fed {
		shared.Listen()
	}

	world, haveWorld, err := c.world(ctx, st, &f, log)
	if err != nil {
		return err
	}
	if f.simulate && !haveWorld {
		return errors.New("--simulate needs a world: add --demo or --scenario FILE, or seed the store first with emcdp seed")
	}
	if err := hintIfEmpty(ctx, st, log); err != nil {
		return err
	}

	srv, err := server.New(ctx, server.Config{
		Store: st, World: worldPtr(world, haveWorld), WorldName: worldName(&f),
		Simulate: f.simulate, TimeScale: f.timeScale, Tick: f.tick,
		RecordWorld: saveWorld, TaskDelay: f.taskDelay,
		Auth: server.AuthConfig{
			IdleTimeout: f.sessionTimeout, MaxFailures: f.maxFailures, FailureWindow: f.failureWindow,
			BasicCacheTTL: basicCacheTTL(f.basicCache), HashConcurrency: f.logonWorkers,
			// Only this process serves an embedded store (it holds the lock
			// above), so live logon sessions may be kept in memory.
			SoleWriter: soleWriter,
		},
		API: api.Config{
			Profile: profile, BOM: f.jsonBOM, ExternalURL: f.externalURL,
			SessionWindow: f.sessionWindow, MaxPageSize: f.maxPageSize,
			ListOldVersions: f.oldVersions, BenchRoute: f.benchRoute,
			RequestTimeout: f.requestTimeout, MaxScans: f.maxScans,
			// Large answers are built in the data folder, which must be
			// writable anyway, rather than in a temporary folder that a
			// read-only root filesystem lacks.
			SpillDir: f.store.Data,
			// As sole writer, or through the feed, this process hears of
			// every change to the store, so ended task sessions' answers
			// may be kept.
			BodyCacheBytes: bodyCacheBytes(soleWriter || fed),
			// The versions of the items this cache keeps are the store's
			// own (emcdp.VersionedQuerier), exact whoever writes.
			ItemCacheBytes: api.DefaultItemCacheBytes,
		},
		HTTP: api.ServerConfig{
			Addr: f.listen, HTTPAddr: f.httpListen,
			CertFile: f.tlsCert, KeyFile: f.tlsKey, DataDir: f.store.Data,
		},
		Control: control.Config{
			Enabled: f.control, Token: f.controlToken, PublicMetrics: f.publicMetrics, JournalSize: f.journalSize,
			MaxTokenFailures: f.controlFails, TokenFailureWindow: f.controlWindow,
		},
		Logger: log,
	})
	if err != nil {
		return err
	}
	if err := srv.Open(); err != nil {
		return err
	}
	defer srv.Close()
	// The first administrator is made only now that the store, the
	// certificate and the listener are known to work, so that its one-time
	// password is never printed by a server that then fails to start.
	if err := ensureAdmin(ctx, st, c.Stdout); err != nil {
		return err
	}
	log.Info("serving", "url", srv.URL()+"/api/")
	fmt.Fprintf(c.Stdout, "emcdp serving %s/api/\n", srv.URL())
	// A generated token is printed once, to the operator's terminal, so
	// that whoever started the server can use what it guards: the control
	// API when it is on, and the metrics unless they are public.
	token := ""
	if f.controlToken == "" {
		token = " with token: " + srv.Control().Token()
	}
	if f.control {
		fmt.Fprintf(c.Stdout, "control API at %s%s%s\n", srv.URL(), control.Prefix, token)
		token = ""
	}
	if f.publicMetrics {
		fmt.Fprintf(c.Stdout, "metrics at %s%s\n", srv.URL(), control.MetricsPath)
	} else {
		fmt.Fprintf(c.Stdout, "metrics at %s%s (control token)%s\n", srv.URL(), control.MetricsPath, token)
	}
	if c.Ready != nil {
		c.Ready(srv.URL())
	}
	err = srv.Wait(ctx)
	log.Info("shutting down")
	return err
}

// worldPtr returns the world to simulate, or nil when there is none.
func worldPtr(cfg sim.Config, ok bool) *sim.Config {
	if !ok {
		return nil
	}
	return &cfg
}

// worldName names the world for the control API.
func worldName(f *serveFlags) string {
	switch {
	case f.scenario != "":
		return filepath.Base(f.scenario)
	case f.demo:
		return "demo"
	}
	return "stored"
}

// basicCacheTTL maps --basic-cache 0 (off) to the service's "disabled".
// checkServeLimits refuses the values of settings that the server would
// otherwise replace by their defaults without a word (zero or negative
// timeouts, windows and limits), so that a mistake is not taken for a
// setting that holds.
func checkServeLimits(fs *flag.FlagSet, f *serveFlags) error {
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"session-timeout", f.sessionTimeout}, {"tick", f.tick}, {"failure-window", f.failureWindow}, {"session-window", f.sessionWindow},
		{"control-failure-window", f.controlWindow}} {
		if d.v <= 0 {
			return badUsage(fs, "--%s must be positive, got %v", d.name, d.v)
		}
	}
	for _, n := range []struct {
		name string
		v    int
	}{{"max-failures", f.maxFailures}, {"max-page-size", f.maxPageSize}, {"control-max-failures", f.controlFails}} {
		if n.v < 1 {
			return badUsage(fs, "--%s must be at least 1, got %d", n.name, n.v)
		}
	}
	if f.basicCache < 0 {
		return badUsage(fs, "--basic-cache must not be negative (0 disables it), got %v", f.basicCache)
	}
	if f.taskDelay < 0 {
		return badUsage(fs, "--task-delay must not be negative (0 applies a write before its answer), got %v", f.taskDelay)
	}
	return nil
}

func basicCacheTTL(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

// world seeds the demo or scenario when asked and returns the config the
// simulator should follow.
func (c *serveCmd) world(ctx context.Context, st emcdp.Store, f *serveFlags, log *slog.Logger) (sim.Config, bool, error) {
	var cfg sim.Config
	switch {
	case f.scenario != "":
		sc, err := sim.LoadScenario(f.scenario)
		if err != nil {
			return cfg, false, err
		}
		cfg = sc
	case f.demo:
		cfg = sim.Demo()
	default:
		return loadWorld(ctx, st)
	}
	start := time.Now()
	err := sim.Seed(ctx, st, cfg, emcdp.SystemClock{}.Now(), nil)
	if errors.Is(err, sim.ErrConfigMismatch) {
		return cfg, false, errors.New("the store already holds other data; use another --data folder (or --db) for the demo or this scenario")
	}
	if err != nil {
		return cfg, false, err
	}
	if err := saveWorld(ctx, st, cfg); err != nil {
		return cfg, false, err
	}
	log.Info("data in place", "took", time.Since(start).Round(time.Millisecond))
	return cfg, true, nil
}

// logLevels are the values of --log-level.
var logLevels = map[string]slog.Level{
	"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError,
}

// hintIfEmpty logs how to put data in place when the store holds no backup
// server: every collection would be empty.
func hintIfEmpty(ctx context.Context, st emcdp.Store, log *slog.Logger) error {
	res, err := st.Query(ctx, &emcdp.Query{Kind: emcdp.KindBackupServer, PageSize: 1, Page: 1})
	if err != nil {
		return err
	}
	if res.Total == 0 {
		log.Warn("the store holds no data: every collection will be empty; restart with --demo for the demo world, or fill the store with emcdp seed first")
	}
	return nil
}

func parseProfile(s string) (wire.Profile, error) {
	switch strings.ToLower(s) {
	case "v12", "":
		return wire.V12, nil
	case "v13":
		return wire.V13, nil
	}
	return 0, fmt.Errorf("--profile %q: use v12 or v13", s)
}

// ensureAdmin creates the first administrator when the store has no user,
// printing its random password once.
func ensureAdmin(ctx context.Context, st emcdp.Store, out io.Writer) error {
	n, err := st.CountUsers(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	pw, err := randomPassword(20)
	if err != nil {
		return err
	}
	hash, err := auth.HashPassword(pw)
	if err != nil {
		return err
	}
	if err := st.PutUser(ctx, &emcdp.User{Name: "admin", PasswordHash: hash, Role: emcdp.RolePortalAdministrator, Created: emcdp.SystemClock{}.Now()}); err != nil {
		return err
	}
	fmt.Fprintf(out, "created user admin (PortalAdministrator) with password: %s\n(shown once; add users with: emcdp user add NAME --role PortalUser)\n", pw)
	return nil
}

// randomPassword returns n characters from crypto/rand over letters and digits.
func randomPassword(n int) (string, error) {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
	b := make([]byte, n)
	max := big.NewInt(int64(len(alphabet)))
	for i := range b {
		v, err := rand.Int(rand.Reader, max)
		if err != nil {
			return "", err
		}
		b[i] = alphabet[v.Int64()]
	}
	return string(b), nil
}

// bodyCacheBytes is the body cache of the API (api.Config.BodyCacheBytes):
// on only when this process hears of every change to the store.
func bodyCacheBytes(hears bool) int {
	if !hears {
		return 0
	}
	return api.DefaultBodyCacheBytes
}
