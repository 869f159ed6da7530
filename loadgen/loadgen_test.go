package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testServer is an httptest TLS server that counts connections and checks
// every request's protocol.
type testServer struct {
	*httptest.Server
	conns    atomic.Int64
	mu       sync.Mutex
	protos   map[string]int
	authSeen atomic.Int64
}

func newTestServer(t *testing.T, h http.HandlerFunc) *testServer {
	t.Helper()
	ts := &testServer{protos: map[string]int{}}
	ts.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ts.mu.Lock()
		ts.protos[r.Proto]++
		ts.mu.Unlock()
		if r.Header.Get("X-Token") == "t0k" {
			ts.authSeen.Add(1)
		}
		h(w, r)
	}))
	ts.Server.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			ts.conns.Add(1)
		}
	}
	ts.Server.Config.ErrorLog = log.New(io.Discard, "", 0)
	ts.StartTLS()
	t.Cleanup(ts.Close)
	return ts
}

func TestRunCountsAndConnections(t *testing.T) {
	body := strings.Repeat("x", 1000)
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			w.Header().Set("Content-Length", "1000")
			io.WriteString(w, body)
		case "/missing":
			http.NotFound(w, r)
		}
	})
	var paths atomic.Int64
	res, err := Run(context.Background(), Config{
		BaseURL:     ts.URL,
		Connections: 4,
		Warmup:      50 * time.Millisecond,
		Duration:    300 * time.Millisecond,
		Header:      http.Header{"X-Token": {"t0k"}},
		Next: func(*rand.Rand) Request {
			if paths.Add(1)%5 == 0 {
				return Request{Path: "/missing"}
			}
			return Request{Path: "/ok"}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests == 0 || res.Latency.Count() != uint64(res.Requests) {
		t.Fatalf("requests %d, latencies %d", res.Requests, res.Latency.Count())
	}
	if res.TransportErrors != 0 {
		t.Fatalf("transport errors: %d (%s)", res.TransportErrors, res.FirstError)
	}
	if res.StatusErrors != res.Statuses[404] || res.StatusErrors == 0 {
		t.Fatalf("requests %d, status errors %d, 404s %d", res.Requests, res.StatusErrors, res.Statuses[404])
	}
	if res.Statuses[200]+res.Statuses[404] != res.Requests {
		t.Fatalf("statuses %v do not add up to %d", res.Statuses, res.Requests)
	}
	if res.FirstError != "HTTP 404" {
		t.Fatalf("FirstError = %q", res.FirstError)
	}
	if res.Bytes < res.Statuses[200]*1000 {
		t.Fatalf("bytes %d, fewer than 1000 per 200", res.Bytes)
	}
	// Warm-up requests are sent but not counted.
	if paths.Load() <= res.Requests {
		t.Fatalf("%d requests made, %d counted: the warm-up should not be counted", paths.Load(), res.Requests)
	}
	if res.Elapsed < 300*time.Millisecond || res.Elapsed > 2*time.Second {
		t.Fatalf("elapsed %v", res.Elapsed)
	}
	if res.RPS() <= 0 || res.Throughput() <= 0 {
		t.Fatal("no rate")
	}
	if n := ts.conns.Load(); n != 4 {
		t.Fatalf("%d connections opened, want one per worker (4)", n)
	}
	if int64(paths.Load()) != ts.authSeen.Load() {
		t.Fatalf("the common header reached %d of %d requests", ts.authSeen.Load(), paths.Load())
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if len(ts.protos) != 1 || ts.protos["HTTP/1.1"] == 0 {
		t.Fatalf("protocols seen: %v, want HTTP/1.1 only", ts.protos)
	}
}

func TestRunMaxRequestsAndPost(t *testing.T) {
	var got atomic.Int64
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.Method == http.MethodPost && string(b) == "hello" && r.Header.Get("Authorization") == "Basic x" {
			got.Add(1)
		}
		w.WriteHeader(http.StatusCreated)
	})
	res, err := Run(context.Background(), Config{
		BaseURL: ts.URL, Connections: 3, Duration: 10 * time.Second, MaxRequests: 50,
		Next: func(*rand.Rand) Request {
			return Request{Method: http.MethodPost, Path: "/logon", Body: []byte("hello"),
				Header: http.Header{"Authorization": {"Basic x"}}}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 50 || got.Load() != 50 || res.Statuses[201] != 50 || res.Errors() != 0 {
		t.Fatalf("requests %d, server saw %d good posts, statuses %v, errors %d", res.Requests, got.Load(), res.Statuses, res.Errors())
	}
	if res.Elapsed > 5*time.Second {
		t.Fatalf("MaxRequests did not end the run early: %v", res.Elapsed)
	}
}

func TestRunTransportErrors(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			time.Sleep(200 * time.Millisecond)
			return
		}
		// drop the connection without an answer
		c, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			c.Close()
		}
	})
	res, err := Run(context.Background(), Config{
		BaseURL: ts.URL, Connections: 2, Duration: 200 * time.Millisecond, Timeout: 50 * time.Millisecond,
		Next: func(r *rand.Rand) Request {
			if r.IntN(2) == 0 {
				return Request{Path: "/slow"}
			}
			return Request{Path: "/drop"}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.TransportErrors == 0 || res.TransportErrors != res.Requests || res.StatusErrors != 0 {
		t.Fatalf("requests %d, transport errors %d, status errors %d", res.Requests, res.TransportErrors, res.StatusErrors)
	}
	if res.Latency.Count() != 0 {
		t.Fatal("failed requests should not be in the latency histogram")
	}
	if res.FirstError == "" {
		t.Fatal("no first error recorded")
	}
}

func TestRunSlowerThanTheWindow(t *testing.T) {
	// Every answer takes longer than warm-up and window together: each
	// connection still records one measured request.
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(150 * time.Millisecond)
	})
	res, err := Run(context.Background(), Config{BaseURL: ts.URL, Connections: 2, Warmup: 50 * time.Millisecond,
		Duration: 50 * time.Millisecond, Next: func(*rand.Rand) Request { return Request{Path: "/"} }})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 2 || res.Errors() != 0 || res.Latency.Min() < 150*time.Millisecond {
		t.Fatalf("requests %d, errors %d, fastest %v; want one slow request per connection", res.Requests, res.Errors(), res.Latency.Min())
	}
	if res.Elapsed < 100*time.Millisecond {
		t.Fatalf("elapsed %v: the window should stretch to the last answer", res.Elapsed)
	}
}

func TestRunCancel(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	res, err := Run(ctx, Config{BaseURL: ts.URL, Connections: 2, Duration: time.Minute,
		Next: func(*rand.Rand) Request { return Request{Path: "/"} }})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the context's", err)
	}
	if time.Since(start) > 5*time.Second || res == nil || res.TransportErrors != 0 {
		t.Fatalf("cancel took %v, result %+v", time.Since(start), res)
	}
}

func TestRunConfigErrors(t *testing.T) {
	next := func(*rand.Rand) Request { return Request{Path: "/"} }
	for _, c := range []Config{
		{BaseURL: "https://x", Duration: time.Second},
		{Duration: time.Second, Next: next},
		{BaseURL: "https://x", Next: next},
		{BaseURL: "https://x", Duration: time.Second, Warmup: -1, Next: next},
	} {
		if _, err := Run(context.Background(), c); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
}

// ExampleRun ends on its request count; the window is only an upper bound,
// so that a busy machine does not change the output.
func ExampleRun() {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "pong")
	}))
	defer srv.Close()
	res, err := Run(context.Background(), Config{
		BaseURL: srv.URL, Connections: 2, Duration: time.Minute, MaxRequests: 10,
		Next: func(r *rand.Rand) Request { return Request{Path: fmt.Sprintf("/ping/%d", r.IntN(100))} },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Requests, res.Errors(), res.Bytes)
	// Output: 10 0 40
}
