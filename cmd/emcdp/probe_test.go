package main

import (
	"context"
	"io"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestProbe: the probe succeeds against a running server, found through the
// same listen setting (flag or environment twin), and fails once it stops or
// where nothing listens.
func TestProbe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	srv := &serveCmd{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" },
		Ready: func(u string) { ready <- u }}
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, []string{"--data", t.TempDir(), "--listen", "127.0.0.1:0"}) }()
	var base string
	select {
	case base = <-ready:
	case err := <-done:
		t.Fatalf("serve stopped: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not start")
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(u.Host)
	probe := func(env map[string]string, args ...string) error {
		c := &probeCmd{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(k string) string { return env[k] }}
		return c.Run(context.Background(), args)
	}
	var out strings.Builder
	c := &probeCmd{Stdout: &out, Stderr: io.Discard, Getenv: func(string) string { return "" }}
	if err := c.Run(context.Background(), []string{"--listen", ":" + port}); err != nil {
		t.Errorf("probe --listen :%s: %v", port, err)
	}
	if !strings.Contains(out.String(), "/_emcdp/ready: 200") {
		t.Errorf("probe asked %q, want the readiness endpoint", out.String())
	}
	if err := probe(map[string]string{"EMCDP_LISTEN": "0.0.0.0:" + port}); err != nil {
		t.Errorf("probe with EMCDP_LISTEN=0.0.0.0:%s: %v", port, err)
	}
	if err := probe(nil, "--url", base+"/api/nowhere"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("probe of a 404: %v, want a failure naming it", err)
	}
	cancel()
	<-done
	if err := probe(nil, "--listen", "127.0.0.1:"+port, "--timeout", "2s"); err == nil {
		t.Error("probe succeeded after the server stopped")
	}
}
