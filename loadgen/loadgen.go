// Package loadgen is a closed-loop HTTP load generator for measuring an
// HTTPS server: a fixed number of connections, each driven by its own
// goroutine over its own keep-alive HTTP/1.1 connection, issue one request
// after another for a fixed time, and the latencies, statuses and bytes of
// the answers are summed up.
//
// Closed loop means a connection sends its next request only once the
// previous answer has been read in full, so the offered load adapts to the
// server and the throughput measured is the server's (and the client's)
// capacity at that concurrency.
package loadgen

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Request is one request that a generator asks for. Path is appended to the
// base URL as is (it carries its query string, already encoded).
type Request struct {
	Method string // default GET
	Path   string
	Header http.Header
	Body   []byte
}

// Generator returns the next request of a scenario. It is called by every
// connection's goroutine, each with its own random source, so it must not
// share mutable state without a lock; a pure function of r is best.
type Generator func(r *rand.Rand) Request

// Config describes one run.
type Config struct {
	// BaseURL is the scheme, host and port, e.g. "https://127.0.0.1:9398".
	BaseURL string
	// Connections is the number of connections (and goroutines), each
	// keeping one request in flight (default 1).
	Connections int
	// Warmup is run before the measured window and not recorded.
	Warmup time.Duration
	// Duration is the measured window (required). No request starts after
	// it, save one per connection that has none measured yet; requests in
	// flight at its end are waited for and recorded.
	Duration time.Duration
	// MaxRequests, when positive, ends the measured window early once this
	// many requests have been sent.
	MaxRequests int64
	// Timeout bounds each request, answer included (default 30 s). A
	// request that takes longer counts as a transport error.
	Timeout time.Duration
	// Header is added to every request (a generator's own header wins).
	Header http.Header
	// Next makes the requests (required).
	Next Generator
	// Seed seeds the random sources of the connections (connection i gets
	// Seed, i), so that a run's request sequence can be repeated.
	Seed uint64
}

// Result sums up the measured window of a run.
type Result struct {
	Connections int
	Requests    int64 // requests answered or failed in the window
	// StatusErrors counts answers outside 2xx; TransportErrors counts
	// requests that got no complete answer (refused, reset, timed out).
	StatusErrors    int64
	TransportErrors int64
	Statuses        map[int]int64 // answers by status code
	FirstError      string        // the first error met, for diagnosis
	Bytes           int64         // response body bytes read
	Elapsed         time.Duration // from the window's start to its last answer
	// Latency holds the time from sending each answered request to reading
	// the last byte of its body (transport errors excluded).
	Latency Histogram
}

// Errors is the total of status and transport errors.
func (r *Result) Errors() int64 { return r.StatusErrors + r.TransportErrors }

// RPS returns the requests per second over the window.
func (r *Result) RPS() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// Throughput returns the response body bytes per second over the window.
func (r *Result) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Bytes) / r.Elapsed.Seconds()
}

// NewTransport returns a transport of exactly one keep-alive HTTP/1.1
// connection over TLS that trusts any certificate (the servers measured use
// self-signed ones).
func NewTransport() *http.Transport {
	return &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:     &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}},
		TLSHandshakeTimeout: 5 * time.Second,
		ForceAttemptHTTP2:   false,
		TLSNextProto:        map[string]func(string, *tls.Conn) http.RoundTripper{},
		MaxIdleConns:        1,
		MaxIdleConnsPerHost: 1,
		MaxConnsPerHost:     1,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
}

// Run drives the load described by cfg and returns what it measured. When
// ctx ends first, it returns the partial result with ctx's error.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Next == nil {
		return nil, errors.New("loadgen: no request generator")
	}
	if cfg.BaseURL == "" {
		return nil, errors.New("loadgen: no base URL")
	}
	if cfg.Duration <= 0 {
		return nil, fmt.Errorf("loadgen: the duration must be positive, got %v", cfg.Duration)
	}
	if cfg.Warmup < 0 {
		return nil, fmt.Errorf("loadgen: the warm-up must not be negative, got %v", cfg.Warmup)
	}
	if cfg.Connections <= 0 {
		cfg.Connections = 1
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}

	start := time.Now()
	r := &run{
		cfg:       cfg,
		measureAt: start.Add(cfg.Warmup),
		stopAt:    start.Add(cfg.Warmup + cfg.Duration),
	}
	workers := make([]*worker, cfg.Connections)
	var wg sync.WaitGroup
	for i := range workers {
		w := &worker{run: r, rnd: rand.New(rand.NewPCG(cfg.Seed, uint64(i))), tr: NewTransport(),
			statuses: map[int]int64{}}
		workers[i] = w
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer w.tr.CloseIdleConnections()
			w.loop(ctx)
		}()
	}
	wg.Wait()

	res := &Result{Connections: cfg.Connections, Statuses: map[int]int64{}}
	var last time.Time
	for _, w := range workers {
		res.Requests += w.requests
		res.StatusErrors += w.statusErrs
		res.TransportErrors += w.transportErrs
		res.Bytes += w.bytes
		res.Latency.Merge(&w.hist)
		for s, n := range w.statuses {
			res.Statuses[s] += n
		}
		if w.last.After(last) {
			last = w.last
		}
	}
	if f := r.firstErr.Load(); f != nil {
		res.FirstError = *f
	}
	if last.After(r.measureAt) {
		res.Elapsed = last.Sub(r.measureAt)
	}
	return res, ctx.Err()
}

// run is the state shared by the workers of one Run.
type run struct {
	cfg       Config
	measureAt time.Time
	stopAt    time.Time
	sent      atomic.Int64
	firstErr  atomic.Pointer[string]
}

func (r *run) noteErr(s string) {
	r.firstErr.CompareAndSwap(nil, &s)
}

// worker is one connection and its goroutine; its tallies are its own
// until Run sums them up.
type worker struct {
	run *run
	rnd *rand.Rand
	tr  *http.Transport
	buf [32 << 10]byte

	requests, statusErrs, transportErrs, bytes int64
	statuses                                   map[int]int64
	hist                                       Histogram
	last                                       time.Time
}

func (w *worker) loop(ctx context.Context) {
	cfg := &w.run.cfg
	for ctx.Err() == nil {
		t0 := time.Now()
		// After the window no request starts, except the first measured
		// one of a connection whose every request so far fell in the
		// warm-up: a scenario slower than the window still gets a figure.
		if !t0.Before(w.run.stopAt) && w.requests > 0 {
			return
		}
		measured := !t0.Before(w.run.measureAt)
		if measured && cfg.MaxRequests > 0 && w.run.sent.Add(1) > cfg.MaxRequests {
			return
		}
		status, n, err := w.do(ctx, cfg.Next(w.rnd))
		t1 := time.Now()
		if !measured {
			continue
		}
		if err != nil && ctx.Err() != nil {
			return // cancelled: the request did not fail on its own
		}
		w.requests++
		w.last = t1
		w.bytes += n
		if err != nil {
			w.transportErrs++
			w.run.noteErr(err.Error())
			continue
		}
		w.statuses[status]++
		w.hist.Record(t1.Sub(t0))
		if status < 200 || status > 299 {
			w.statusErrs++
			w.run.noteErr(fmt.Sprintf("HTTP %d", status))
		}
	}
}

// do sends one request and reads its answer in full.
func (w *worker) do(ctx context.Context, rq Request) (int, int64, error) {
	cfg := &w.run.cfg
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	method := rq.Method
	if method == "" {
		method = http.MethodGet
	}
	var body io.Reader
	if rq.Body != nil {
		body = bytes.NewReader(rq.Body)
	}
	req, err := http.NewRequestWithContext(ctx, method, cfg.BaseURL+rq.Path, body)
	if err != nil {
		return 0, 0, err
	}
	for k, v := range cfg.Header {
		req.Header[k] = v
	}
	for k, v := range rq.Header {
		req.Header[k] = v
	}
	resp, err := w.tr.RoundTrip(req)
	if err != nil {
		return 0, 0, err
	}
	var n int64
	for {
		m, rerr := resp.Body.Read(w.buf[:])
		n += int64(m)
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			resp.Body.Close()
			return resp.StatusCode, n, rerr
		}
	}
	return resp.StatusCode, n, resp.Body.Close()
}
