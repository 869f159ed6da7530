package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// startServe runs serve with args until the test ends; it returns the URL
// and the server's standard output and error.
func startServe(t *testing.T, args ...string) (url string, stdout, stderr *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr = &syncBuffer{}, &syncBuffer{}
	ready := make(chan string, 1)
	cmd := &serveCmd{Stdout: stdout, Stderr: stderr, Getenv: func(string) string { return "" },
		Ready: func(url string) { ready <- url }}
	done := make(chan error, 1)
	go func() { done <- cmd.Run(ctx, append(args, "--listen", "127.0.0.1:0")) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	select {
	case url = <-ready:
	case err := <-done:
		done <- err
		t.Fatalf("serve stopped: %v\n%s", err, stderr.String())
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not start")
	}
	return url, stdout, stderr
}

func get(t *testing.T, method, url, token string) (int, []byte) {
	t.Helper()
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, Timeout: 30 * time.Second}
	req, _ := http.NewRequest(method, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestServeControl: --control prints a token and serves the control API;
// a reset keeps the store startable again; --log-format json writes JSON
// lines holding the query string and the request id.
func TestServeControl(t *testing.T) {
	dir := t.TempDir()
	url, out, errOut := startServe(t, "--demo", "--simulate", "--time-scale", "60", "--control", "--log-format", "json", "--data", dir)
	token := ""
	for _, line := range strings.Split(out.String(), "\n") {
		if i := strings.Index(line, "with token: "); i >= 0 {
			token = strings.TrimSpace(line[i+len("with token: "):])
		}
	}
	if len(token) < 32 {
		t.Fatalf("no control token printed: %q", out.String())
	}
	if st, b := get(t, "GET", url+"/_emcdp/ready", ""); st != http.StatusOK {
		t.Errorf("ready = %d %s", st, b)
	}
	if st, _ := get(t, "GET", url+"/_emcdp/world", ""); st != http.StatusUnauthorized {
		t.Errorf("world without the token = %d", st)
	}
	st, b := get(t, "GET", url+"/_emcdp/world", token)
	var w struct {
		Scenario   string
		Simulating bool
		Counts     map[string]int
	}
	if err := json.Unmarshal(b, &w); st != http.StatusOK || err != nil || w.Scenario != "demo" || !w.Simulating || w.Counts["CdpPolicy"] != 4 {
		t.Errorf("world = %d %s", st, b)
	}
	if st, b := get(t, "POST", url+"/_emcdp/reset", token); st != http.StatusOK {
		t.Errorf("reset = %d %s", st, b)
	}
	if st, _ := get(t, "GET", url+"/api/query?type=BackupServer&password=hunter2", ""); st != http.StatusUnauthorized {
		t.Errorf("query without credentials = %d", st)
	}
	found := false
	for _, line := range strings.Split(strings.TrimSpace(errOut.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		if m["msg"] == "request" && m["query"] == "type=BackupServer&password=REDACTED" && m["request"] != "" {
			found = true
		}
	}
	if !found || strings.Contains(errOut.String(), "hunter2") {
		t.Errorf("no redacted request line with the query string in the log:\n%s", errOut.String())
	}
}

// TestServeControlOff: without --control, the control paths answer 404
// while health and readiness answer, and the metrics with the token.
func TestServeControlOff(t *testing.T) {
	url, out, _ := startServe(t, "--demo", "--data", t.TempDir(), "--control-token", "known-token")
	if strings.Contains(out.String(), "control API") {
		t.Errorf("the control API is announced while off: %q", out.String())
	}
	for _, p := range []string{"/_emcdp/world", "/_emcdp/clock", "/_emcdp/requests"} {
		if st, _ := get(t, "GET", url+p, "known-token"); st != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", p, st)
		}
	}
	if st, _ := get(t, "POST", url+"/_emcdp/reset", "known-token"); st != http.StatusNotFound {
		t.Errorf("POST reset = %d, want 404", st)
	}
	for _, p := range []string{"/_emcdp/health", "/_emcdp/ready"} {
		if st, b := get(t, "GET", url+p, ""); st != http.StatusOK {
			t.Errorf("GET %s = %d %s", p, st, b)
		}
	}
	if st, b := get(t, "GET", url+"/metrics", "known-token"); st != http.StatusOK {
		t.Errorf("GET /metrics with the token = %d %s", st, b)
	}
}

func TestServeBadLogFormat(t *testing.T) {
	cmd := &serveCmd{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }}
	if err := cmd.Run(context.Background(), []string{"--log-format", "xml", "--data", t.TempDir()}); err == nil || !strings.Contains(err.Error(), "--log-format") {
		t.Errorf("--log-format xml: %v", err)
	}
	for _, n := range []string{"0", "100001"} {
		if err := cmd.Run(context.Background(), []string{"--journal-size", n, "--data", t.TempDir()}); err == nil || !strings.Contains(err.Error(), "--journal-size") {
			t.Errorf("--journal-size %s: %v", n, err)
		}
	}
}

// TestServeResetKeepsWorld: after a reset the store still records its
// world, so a later serve --simulate without --demo starts on it.
func TestServeResetKeepsWorld(t *testing.T) {
	dir := t.TempDir()
	t.Run("reset", func(t *testing.T) {
		url, _, _ := startServe(t, "--demo", "--control", "--control-token", "tok-123", "--data", dir)
		if st, b := get(t, "POST", url+"/_emcdp/reset", "tok-123"); st != http.StatusOK {
			t.Fatalf("reset = %d %s", st, b)
		}
	})
	t.Run("restart", func(t *testing.T) {
		url, _, _ := startServe(t, "--simulate", "--control", "--control-token", "tok-123", "--data", dir)
		st, b := get(t, "GET", url+"/_emcdp/world", "tok-123")
		if st != http.StatusOK || !strings.Contains(string(b), `"CdpPolicy": 4`) {
			t.Errorf("world after restart = %d %s", st, b)
		}
	})
}

// TestServeMetricsAuth: /metrics needs the control token, which is printed
// when generated even with the control API off; --public-metrics opens it.
func TestServeMetricsAuth(t *testing.T) {
	url, _, _ := startServe(t, "--demo", "--data", t.TempDir(), "--control-token", "tok-456")
	if st, _ := get(t, "GET", url+"/metrics", ""); st != http.StatusUnauthorized {
		t.Errorf("/metrics without the token = %d, want 401", st)
	}
	if st, b := get(t, "GET", url+"/metrics", "tok-456"); st != http.StatusOK || !strings.Contains(string(b), "emcdp_world_resources") {
		t.Errorf("/metrics with the token = %d", st)
	}

	url, out, _ := startServe(t, "--demo", "--data", t.TempDir())
	token := ""
	if _, after, ok := strings.Cut(out.String(), "(control token) with token: "); ok {
		token, _, _ = strings.Cut(after, "\n")
	}
	if len(token) < 32 {
		t.Fatalf("no metrics token printed: %q", out.String())
	}
	if st, _ := get(t, "GET", url+"/metrics", token); st != http.StatusOK {
		t.Errorf("/metrics with the printed token = %d", st)
	}

	url, out, _ = startServe(t, "--demo", "--data", t.TempDir(), "--public-metrics")
	if strings.Contains(out.String(), "with token") {
		t.Errorf("a token is printed with nothing needing it: %q", out.String())
	}
	if st, _ := get(t, "GET", url+"/metrics", ""); st != http.StatusOK {
		t.Errorf("/metrics with --public-metrics = %d", st)
	}
}

// TestServeControlGuesses: --control-max-failures and
// --control-failure-window reach the control plane: past the wrong tokens
// allowed, the right token is refused with 429 too, on the control API and
// on the metrics.
func TestServeControlGuesses(t *testing.T) {
	url, _, _ := startServe(t, "--demo", "--control", "--control-token", "tok-789", "--data", t.TempDir(),
		"--control-max-failures", "2", "--control-failure-window", "1h")
	for i := range 2 {
		if st, b := get(t, "GET", url+"/_emcdp/world", "tok-78"+strconv.Itoa(i)); st != http.StatusUnauthorized {
			t.Fatalf("wrong token %d = %d %s, want 401", i, st, b)
		}
	}
	for _, p := range []string{"/_emcdp/world", "/metrics"} {
		if st, b := get(t, "GET", url+p, "tok-789"); st != http.StatusTooManyRequests || !strings.Contains(string(b), "2 within 1h0m0s") {
			t.Errorf("GET %s with the token after 2 wrong ones = %d %s, want 429 naming the limit", p, st, b)
		}
	}
}
