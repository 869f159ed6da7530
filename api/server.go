package api

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// ServerConfig configures a Server. Zero values select the defaults noted.
type ServerConfig struct {
	// API configures the handler served on every listener.
	API Config
	// Addr is the HTTPS listen address (default ":9398"; port 0 picks a free one).
	Addr string
	// HTTPAddr, when set, is a plain-HTTP listen address (the old port 9399).
	HTTPAddr string
	// CertFile and KeyFile name a PEM certificate and key. When both are
	// empty a self-signed certificate is made in DataDir on first start
	// (tls.crt, tls.key) and reused after.
	CertFile, KeyFile string
	DataDir           string
	// Hosts are extra names or addresses for the generated certificate.
	Hosts []string

	ReadHeaderTimeout time.Duration // default 10 s
	ReadTimeout       time.Duration // default 30 s
	WriteTimeout      time.Duration // default 120 s: a large entity list takes a while to send
	IdleTimeout       time.Duration // default 120 s
	// ShutdownTimeout (default 10 s) is how long Close waits for the
	// requests in flight; a large answer whose client stops taking it is
	// dropped sooner (see send.go).
	ShutdownTimeout time.Duration
	// Wrap, when set, wraps the API handler on every listener: the control
	// plane serves its own paths and observes and disturbs requests there.
	Wrap func(http.Handler) http.Handler
	// SweepInterval is how often expired logon sessions are removed from
	// the store (default 1 min; negative: never).
	SweepInterval time.Duration
}

// DefaultAddr is the HTTPS address of Enterprise Manager's REST API.
const DefaultAddr = ":9398"

// tls12Suites are the TLS 1.2 suites offered: forward-secret AEAD suites
// only, for ECDSA (the generated certificate) and RSA certificates; the CBC
// suites with SHA-1 that Go still offers by default are left out. TLS 1.3
// suites are not configurable and all AEAD.
var tls12Suites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// Server serves the API over HTTPS (HTTP/1.1 only) and optionally plain HTTP.
type Server struct {
	cfg     ServerConfig
	handler *Handler
	top     http.Handler // handler, wrapped by ServerConfig.Wrap
	log     *slog.Logger

	mu       sync.Mutex
	servers  []*http.Server
	url      string
	httpURL  string
	stop     context.CancelFunc
	done     sync.WaitGroup
	certLeaf *tls.Certificate
	// base is the parent of every request's context; Close cancels it when
	// its wait is over, so that the work of the requests left stops.
	base       context.Context
	cancelBase context.CancelFunc
	// conns counts the connections being served, each until its goroutine,
	// and so its last handler, has returned.
	conns sync.WaitGroup
}

// NewServer returns a server for cfg; nothing listens until Open.
func NewServer(cfg ServerConfig) *Server {
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.ReadHeaderTimeout, 10*time.Second)
	def(&cfg.ReadTimeout, 30*time.Second)
	def(&cfg.WriteTimeout, 120*time.Second)
	def(&cfg.IdleTimeout, 120*time.Second)
	def(&cfg.ShutdownTimeout, 10*time.Second)
	if cfg.SweepInterval == 0 {
		cfg.SweepInterval = time.Minute
	}
	h := newHandler(cfg.API)
	var top http.Handler = h
	if cfg.Wrap != nil {
		top = cfg.Wrap(h)
	}
	return &Server{cfg: cfg, handler: h, top: top, log: h.log}
}

// Handler returns the http.Handler that the server serves.
func (s *Server) Handler() http.Handler { return s.top }

// Open loads or makes the certificate, starts listening and serves in the
// background. It returns once the listeners are bound, so URL is known.
func (s *Server) Open() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.servers != nil {
		return errors.New("api: server already open")
	}
	cert, err := loadOrCreateCert(s.cfg.CertFile, s.cfg.KeyFile, s.cfg.DataDir, s.cfg.Hosts)
	if err != nil {
		return err
	}
	s.certLeaf = &cert
	tcfg := &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
		CipherSuites: tls12Suites,
		NextProtos:   []string{"http/1.1"}, // never h2: HTTP/2 lower-cases header names
	}
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return err
	}
	var pln net.Listener
	if s.cfg.HTTPAddr != "" {
		if pln, err = net.Listen("tcp", s.cfg.HTTPAddr); err != nil {
			ln.Close()
			return err
		}
	}
	s.base, s.cancelBase = context.WithCancel(context.Background())
	s.url = "https://" + reachable(ln.Addr())
	s.serve(watchListener{Listener: ln, cfg: tcfg})
	if pln != nil {
		s.httpURL = "http://" + reachable(pln.Addr())
		s.serve(watchListener{Listener: pln})
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	if s.cfg.SweepInterval > 0 {
		s.done.Add(1)
		go s.sweep(ctx)
	}
	s.log.Info("listening", "url", s.url, "http", s.httpURL)
	return nil
}

// serve starts an HTTP/1.1-only server on ln.
func (s *Server) serve(ln net.Listener) {
	var protos http.Protocols
	protos.SetHTTP1(true)
	srv := &http.Server{
		Handler:           s.top,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		Protocols:         &protos,
		BaseContext:       func(net.Listener) context.Context { return s.base },
		ConnContext:       connContext,
		ConnState:         s.trackConn,
		// A non-nil empty map turns HTTP/2 off even if the TLS config asked for it.
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
		ErrorLog:     slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	s.servers = append(s.servers, srv)
	s.done.Add(1)
	go func() {
		defer s.done.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("serve", "addr", ln.Addr().String(), "err", err)
		}
	}()
}

// trackConn counts a connection from its acceptance until its goroutine
// ends (net/http reports every connection it serves as closed or hijacked
// once its handler has returned).
func (s *Server) trackConn(_ net.Conn, st http.ConnState) {
	switch st {
	case http.StateNew:
		s.conns.Add(1)
	case http.StateClosed, http.StateHijacked:
		s.conns.Done()
	}
}

// sweep removes expired logon sessions now and then.
func (s *Server) sweep(ctx context.Context) {
	defer s.done.Done()
	t := time.NewTicker(s.cfg.SweepInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := s.handler.auth.Sweep(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("sweep logon sessions", "err", err)
			} else if n > 0 {
				s.log.Debug("swept logon sessions", "count", n)
			}
		}
	}
}

// URL returns the HTTPS root URL, e.g. "https://127.0.0.1:9398", once open.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url
}

// HTTPURL returns the plain-HTTP root URL, or "" when there is none.
func (s *Server) HTTPURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.httpURL
}

// Certificate returns the certificate served, once open.
func (s *Server) Certificate() *tls.Certificate {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.certLeaf
}

// Close stops accepting connections and waits up to ShutdownTimeout for the
// requests in flight; large answers being sent go on only while their
// clients keep taking them. Then it cancels the work of the requests left,
// closes their connections, and returns once every handler has returned,
// so that the store is no longer in use.
func (s *Server) Close() error {
	s.mu.Lock()
	servers := s.servers
	s.servers = nil
	if s.stop != nil {
		s.stop()
	}
	s.mu.Unlock()
	if servers == nil {
		return nil
	}
	s.handler.senders.drain()
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	var errs []error
	for _, srv := range servers {
		if err := srv.Shutdown(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	s.cancelBase()
	if errs != nil {
		for _, srv := range servers {
			errs = append(errs, srv.Close())
		}
	}
	// Every Serve has returned once done is waited for, so no connection
	// is accepted, and counted, after conns is waited for.
	s.done.Wait()
	s.conns.Wait()
	return errors.Join(errs...)
}

// reachable turns a listener address into host:port that a local client
// can dial: an unspecified address becomes 127.0.0.1.
func reachable(a net.Addr) string {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	host := "127.0.0.1"
	if !ta.IP.IsUnspecified() && ta.IP != nil {
		host = ta.IP.String()
	}
	return net.JoinHostPort(host, strconv.Itoa(ta.Port))
}
