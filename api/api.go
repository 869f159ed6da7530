// Package api serves the Enterprise Manager REST API over HTTP: routing on
// case-insensitive, slash-tolerant paths, authentication through package
// auth, content negotiation, the handlers of every served resource, and the
// TLS server that carries them.
//
// A handler builds its whole body in a pooled buffer through a wire.Encoder;
// one wrapper then writes status, headers (always with Content-Length) and
// body, or an Error body in the negotiated format.
package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/action"
	"github.com/emcdp/emcdp/auth"
	"github.com/emcdp/emcdp/redact"
	"github.com/emcdp/emcdp/wire"
)

// Defaults used when the corresponding Config field is zero.
const (
	DefaultSessionWindow = 30 * 24 * time.Hour
	DefaultMaxPageSize   = 10000
)

// Config configures the handler. Store is required; every other field has
// a default.
type Config struct {
	Store emcdp.Store
	// Auth authenticates requests. Nil: a Service over Store and Clock with
	// default settings.
	Auth *auth.Service
	// Clock tells the time of the session window. Nil: the system clock.
	Clock emcdp.Clock
	// Profile is the JSON dialect (v12 PascalCase by default, v13 camelCase);
	// BOM prefixes JSON bodies with a UTF-8 byte-order mark as older servers did.
	Profile wire.Profile
	BOM     bool
	// ExternalURL, when set, is the root URL under which clients reach the
	// server (e.g. "https://em.lab.local:9398", a trailing "/api" is
	// tolerated); every Href is built on it. Empty: links follow the scheme
	// and Host of each request.
	ExternalURL string
	// SessionWindow is how far back the session collections reach (default 30 days).
	SessionWindow time.Duration
	// MaxPageSize is the largest pageSize of the query service (default 10000).
	MaxPageSize int
	// ListOldVersions lists v1_2…v1_4 in the entry point as well; they are
	// accepted at logon either way.
	ListOldVersions bool
	// Logger receives one line per request and every internal error. Nil: discard.
	Logger *slog.Logger
	// BenchRoute serves BenchCeilingPath, the transport-only baseline of
	// the benchmark. Off in normal service.
	BenchRoute bool
	// RequestTimeout bounds the work of one request (default
	// DefaultRequestTimeout): past it the store query is cancelled and the
	// answer is 503. Sending the answer is bounded by the server's
	// WriteTimeout instead.
	RequestTimeout time.Duration
	// MaxScans bounds the scanning reads (collections and query pages) that
	// run at once (default DefaultMaxScans()); more wait for a slot within
	// their deadline. Reads by id never wait.
	MaxScans int
	// Observe, when set, is told about every answered request once its
	// answer is written (the metrics and the request journal listen here).
	Observe func(r *http.Request, o Outcome)
	// Actions applies the writes. Nil: a Service over Store that applies
	// each write before answering (no task delay, no background worker).
	Actions *action.Service
	// SpillDir is the folder in which an answer over 4 MiB is built, in an
	// unlinked temporary file (the server passes its data folder, so that a
	// read-only root filesystem does no harm). Empty: the system's temporary
	// folder.
	SpillDir string
	// BodyCacheBytes, when positive, bounds a cache of the encoded answers
	// of GET /cdpReplicaTaskSessions/{id} for ended task sessions (see
	// bodyCache). It is used only when Store reports its changes
	// (emcdp.ChangeNotifier) and must be set only when no other process
	// writes to Store, or when Store hears every process's changes
	// (emcdp.ChangeFeed), and then only while it listens: "emcdp serve"
	// sets DefaultBodyCacheBytes on SQLite, and on PostgreSQL with its feed.
	BodyCacheBytes int
	// ItemCacheBytes, when positive, bounds a cache of the encoded entities
	// of query answers of the kinds that Store versions
	// (emcdp.VersionedQuerier; see itemCache). The versions are the
	// store's own, so the cache is exact whatever other processes write:
	// "emcdp serve" sets DefaultItemCacheBytes.
	ItemCacheBytes int
}

// Handler is the http.Handler of the API. Build it with NewHandler.
type Handler struct {
	store    emcdp.Store
	auth     *auth.Service
	clock    emcdp.Clock
	profile  wire.Profile
	bom      bool
	external string // base ("…/api") or ""
	window   time.Duration
	maxPage  int
	timeout  time.Duration
	scans    chan struct{} // one token per scanning slot
	versions []string
	log      *slog.Logger
	observe  func(*http.Request, Outcome)
	actions  *action.Service

	idPrefix string
	seq      atomic.Uint64
	lastBase atomic.Pointer[requestBase] // see base
	ceiling  []byte                      // the body of BenchCeilingPath; nil when the route is off

	spillDir string     // where large answers are built (see spillIfLarge)
	bodies   *bodyCache // nil: no cache
	// feed, when not nil, is the store's change feed, without which
	// neither bodies nor the logon sessions of auth may be used (see
	// cached).
	feed emcdp.ChangeFeed
	// items, when not nil, keeps the encoded entities of query answers of
	// the kinds versioned reports versioned.
	items     *itemCache
	versioned emcdp.VersionedQuerier
	// withLogon, when not nil, reads a task session and the request's logon
	// session in one round trip (see authenticate).
	withLogon   emcdp.LogonTaskSessionReader
	spillWarned atomic.Bool // the failure to spill has been logged
	senders     senders     // the large answers being sent (see send.go)
}

// NewHandler returns the API handler for cfg (a *Handler).
func NewHandler(cfg Config) http.Handler { return newHandler(cfg) }

func newHandler(cfg Config) *Handler {
	h := &Handler{
		store:   cfg.Store,
		auth:    cfg.Auth,
		clock:   cfg.Clock,
		profile: cfg.Profile,
		bom:     cfg.BOM,
		window:  cfg.SessionWindow,
		maxPage: cfg.MaxPageSize,
		log:     cfg.Logger,
		observe: cfg.Observe,
	}
	h.spillDir = cfg.SpillDir
	if n, ok := cfg.Store.(emcdp.ChangeNotifier); ok && cfg.BodyCacheBytes > 0 {
		h.bodies = newBodyCache(cfg.BodyCacheBytes)
		n.OnChange(h.bodies.change)
		h.feed, _ = cfg.Store.(emcdp.ChangeFeed)
	}
	if v, ok := cfg.Store.(emcdp.VersionedQuerier); ok && cfg.ItemCacheBytes > 0 {
		h.items, h.versioned = newItemCache(cfg.ItemCacheBytes), v
	}
	h.actions = cfg.Actions
	if h.clock == nil {
		h.clock = emcdp.SystemClock{}
	}
	if h.auth == nil {
		h.auth = &auth.Service{Store: cfg.Store, Clock: h.clock}
	}
	// Only where every request reads its logon session from the store: a
	// sole writer remembers them, and so does a replica while its store's
	// feed listens (see authenticate).
	if j, ok := cfg.Store.(emcdp.LogonTaskSessionReader); ok && !h.auth.SoleWriter && any(h.auth.Store) == any(cfg.Store) {
		h.withLogon = j
	}
	if h.actions == nil {
		h.actions = &action.Service{Store: cfg.Store, World: h.clock}
	}
	if h.window <= 0 {
		h.window = DefaultSessionWindow
	}
	if h.maxPage <= 0 {
		h.maxPage = DefaultMaxPageSize
	}
	h.timeout = cfg.RequestTimeout
	if h.timeout <= 0 {
		h.timeout = DefaultRequestTimeout
	}
	n := cfg.MaxScans
	if n <= 0 {
		n = DefaultMaxScans()
	}
	h.scans = make(chan struct{}, n)
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if u := strings.TrimRight(cfg.ExternalURL, "/"); u != "" {
		u = strings.TrimSuffix(u, "/api")
		h.external = strings.TrimRight(u, "/") + "/api"
	}
	if cfg.ListOldVersions {
		h.versions = append(h.versions, oldVersions...)
	}
	h.versions = append(h.versions, listedVersions...)
	if cfg.BenchRoute {
		h.ceiling = ceilingBody()
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	h.idPrefix = hex.EncodeToString(b[:])
	return h
}

// cached reports whether the body cache may be used now: there is one, and
// the store is its sole writer's or its change feed listens. The logon
// sessions of a replica's auth.Service follow the same feed.
func (h *Handler) cached() bool {
	return h.bodies != nil && (h.feed == nil || h.feed.Listening())
}

// The logon versions: listed in the entry point, and accepted only.
var (
	listedVersions = []string{"v1_5", "v1_6", "v1_7"}
	oldVersions    = []string{"v1_2", "v1_3", "v1_4"}
)

// call is the state of one request as the handlers see it.
type call struct {
	r      *http.Request
	w      http.ResponseWriter
	enc    wire.Encoder
	base   string
	params []qparam // the query string, decoded leniently
	caller *auth.Caller
	route  *route // the matched route; nil when none matched
	buf    []byte
	status int
	// spill holds the first spilled bytes of a large answer (see list);
	// the answer is spill's spilled bytes followed by buf.
	spill   *os.File
	spilled int64
	// rows holds the rows of a large collection of references, whose text
	// follows buf (see rowSpill); spilled is then that text's length.
	rows *rowSpill
	// msg is the text of an Error answer (see fail).
	msg string
	// read is the task session read with the logon session (see
	// authenticate); readDone tells that it was, nil read meaning none.
	read     *emcdp.TaskSession
	readDone bool
	// deadline bounds the request's work (Config.RequestTimeout); r keeps
	// the context net/http gave it.
	deadline deadlineCtx
	// The room of the path's segments, the segments the route's
	// wildcards matched and the query's parameters: enough for every route
	// and for the parameters of a read, so that routing a read allocates
	// nothing of its own.
	segBuf   [6]string
	argBuf   [2]string
	paramBuf [4]qparam
	// header holds the values of the answer's X-Request-Id and
	// Content-Length headers, as the header map's one-value slices.
	header [2]string
}

// ctx is the context of the request's work: every store read and wait
// goes through it, so that the request's deadline bounds them.
func (c *call) ctx() context.Context { return &c.deadline }

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// maxPooled is the largest buffer returned to the pool; bigger ones (a
// long entity list) are left to the garbage collector.
const maxPooled = 1 << 20

// ServeHTTP routes, authenticates, runs the handler and writes its answer.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ambiguous := ambiguousLength(w, r)
	if !ambiguous && h.ceiling != nil && h.serveCeiling(w, r) {
		return
	}
	start := time.Now()
	reqID := h.requestID()
	bp := bufPool.Get().(*[]byte)
	c := &call{r: r, w: w, enc: h.negotiate(r), buf: (*bp)[:0], status: http.StatusOK}
	c.deadline.init(r.Context(), start.Add(h.timeout))
	defer c.deadline.end()
	c.base = h.base(r)
	c.header[0] = reqID
	w.Header()[RequestIDHeader] = c.header[0:1:1]

	func() {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				h.log.Error("panic in handler", "request", reqID, "panic", fmt.Sprint(p))
				h.fail(c, reqID, errors.New("panic"))
			}
		}()
		if ambiguous {
			h.fail(c, reqID, errAmbiguousLength())
		} else if err := h.dispatch(c); err != nil {
			h.fail(c, reqID, timedOut(c.ctx(), err))
		}
	}()

	if h.observe != nil {
		// Before the answer goes out, so that a client that has it can
		// already find the request in the metrics and the journal.
		size := len(c.buf) + int(c.spilled)
		if c.status == http.StatusNoContent {
			size = 0
		}
		o := Outcome{ID: reqID, User: c.user(), Status: c.status, Bytes: size, Duration: time.Since(start), Message: c.msg}
		if c.route != nil {
			o.Route = routeName(c.route)
		}
		h.observe(r, o)
	}
	n := h.write(c)
	if cap(c.buf) <= maxPooled {
		*bp = c.buf[:0]
		bufPool.Put(bp)
	}
	if !h.log.Enabled(r.Context(), slog.LevelInfo) {
		return // spares the redaction and formatting of a line that is not written
	}
	h.log.Info("request", "request", reqID, "method", r.Method, "path", redact.Path(r.URL.Path),
		"query", RedactQuery(r.URL.RawQuery), "user", c.user(),
		"status", c.status, "bytes", n, "duration", time.Since(start))
}

// requestID returns the id of a new request: the handler's prefix, a
// hyphen and the request's number.
func (h *Handler) requestID() string {
	var b [32]byte
	n := copy(b[:], h.idPrefix)
	b[n] = '-'
	return string(strconv.AppendUint(b[:n+1], h.seq.Add(1), 10))
}

// write sends the status, Content-Type and Content-Length, and the body.
func (h *Handler) write(c *call) int {
	hd := c.w.Header()
	if c.status == http.StatusNoContent {
		c.w.WriteHeader(c.status)
		return 0
	}
	hd["Content-Type"] = contentTypes[c.enc.Format]
	if c.rows != nil {
		want := int64(len(c.buf)) + c.spilled
		hd["Content-Length"] = []string{strconv.FormatInt(want, 10)}
		c.w.WriteHeader(c.status)
		x := h.senders.start(c.w)
		defer x.end()
		n, err := c.writeRows(x)
		if n != want {
			// A body of another length than the one announced must not
			// reach the client: the connection is closed instead.
			if errors.As(err, new(rowsError)) || err == nil {
				h.log.Error("collection cut short after its headers; closing the connection",
					"want_bytes", want, "sent_bytes", n, "err", err)
			}
			panic(http.ErrAbortHandler)
		}
		return int(n)
	}
	c.header[1] = strconv.FormatInt(c.spilled+int64(len(c.buf)), 10)
	hd["Content-Length"] = c.header[1:2:2]
	c.w.WriteHeader(c.status)
	if c.spill != nil {
		n, _ := c.writeSpilled(&h.senders)
		return int(n)
	}
	if len(c.buf) > sendChunk {
		x := h.senders.start(c.w)
		defer x.end()
		_ = x.write(c.buf)
		return int(x.sent)
	}
	n, _ := c.w.Write(c.buf)
	return n
}

// contentTypes is the Content-Type of each format's answers, one slice
// shared by all of them (net/http only reads a header map's slices).
var contentTypes = [...][]string{
	wire.XML:  {wire.Encoder{Format: wire.XML}.ContentType()},
	wire.JSON: {wire.Encoder{Format: wire.JSON}.ContentType()},
}

// negotiate picks JSON when application/json appears anywhere in Accept.
// The header map is read by its canonical key, as net/http stores it and
// Header.Values would look it up, without canonicalizing it again.
func (h *Handler) negotiate(r *http.Request) wire.Encoder {
	e := wire.Encoder{Format: wire.XML, Profile: h.profile, BOM: h.bom}
	for _, a := range r.Header["Accept"] {
		// The value JSON clients send, compared whole before the search
		// in any case at every position.
		if a == "application/json" || containsFold(a, "application/json") {
			e.Format = wire.JSON
			break
		}
	}
	return e
}

// base returns the absolute API base for links: the configured external URL,
// or the scheme and Host the client used. The scheme is https on a TLS
// connection; X-Forwarded-Proto (http or https) from a proxy in front wins.
// The base of the request before is kept (lastBase), since clients keep
// using the same one.
func (h *Handler) base(r *http.Request) string {
	if h.external != "" {
		return h.external
	}
	scheme, host := requestOrigin(r)
	if b := h.lastBase.Load(); b != nil && b.scheme == scheme && b.host == host {
		return b.base
	}
	b := &requestBase{scheme: scheme, host: host, base: scheme + "://" + host + "/api"}
	h.lastBase.Store(b)
	return b.base
}

// requestBase is the API base of the requests with that scheme and host.
type requestBase struct{ scheme, host, base string }

// RequestBase returns the API base ("https://host:9398/api") as the client
// of r reached it, as links are written without an external URL.
func RequestBase(r *http.Request) string {
	scheme, host := requestOrigin(r)
	return scheme + "://" + host + "/api"
}

// requestOrigin returns the scheme and host of RequestBase.
func requestOrigin(r *http.Request) (scheme, host string) {
	scheme = "http"
	if r.TLS != nil || connIsTLS(r) {
		scheme = "https"
	}
	switch p := r.Header["X-Forwarded-Proto"]; {
	case len(p) == 0:
	case strings.EqualFold(p[0], "https"):
		scheme = "https"
	case strings.EqualFold(p[0], "http"):
		scheme = "http"
	}
	host = r.Host
	if !validHost(host) {
		host = "localhost"
	}
	return scheme, host
}

// validHost accepts the characters of a host name, an IPv4 or bracketed IPv6
// address and a port, so that nothing else is ever copied into a link.
func validHost(s string) bool {
	if s == "" || len(s) > 255 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '.', c == '-', c == ':', c == '[', c == ']', c == '_', c == '%':
		default:
			return false
		}
	}
	return true
}

func containsFold(s, sub string) bool {
	n := len(sub)
	for i := 0; i+n <= len(s); i++ {
		if strings.EqualFold(s[i:i+n], sub) {
			return true
		}
	}
	return false
}
