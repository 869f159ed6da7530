package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/sqlite"
)

func TestEnvName(t *testing.T) {
	for in, want := range map[string]string{"data": "EMCDP_DATA", "session-timeout": "EMCDP_SESSION_TIMEOUT", "time-scale": "EMCDP_TIME_SCALE"} {
		if got := envName(in); got != want {
			t.Errorf("envName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestEnvTwins checks that a flag not given takes its environment twin, a
// given flag wins over it, and a bad value names the variable.
func TestEnvTwins(t *testing.T) {
	env := map[string]string{"EMCDP_SESSION_TIMEOUT": "3m", "EMCDP_PROFILE": "v13", "EMCDP_MAX_FAILURES": "x"}
	getenv := func(k string) string { return env[k] }
	var f serveFlags
	fs := newFlagSet("serve", "", io.Discard)
	f.register(fs)
	err := parseFlags(fs, []string{"--profile", "v12", "--max-failures", "7"}, getenv)
	if err != nil {
		t.Fatal(err)
	}
	if f.sessionTimeout != 3*time.Minute || f.profile != "v12" || f.maxFailures != 7 {
		t.Errorf("got timeout %v profile %q failures %d", f.sessionTimeout, f.profile, f.maxFailures)
	}
	fs = newFlagSet("serve", "", io.Discard)
	f.register(fs)
	err = parseFlags(fs, nil, getenv)
	if err == nil || !strings.Contains(err.Error(), "EMCDP_MAX_FAILURES") {
		t.Errorf("bad environment value: err = %v, want one naming EMCDP_MAX_FAILURES", err)
	}
}

func TestHelpListsEnvTwins(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"serve", "-h"}, nil, &out, io.Discard)
	if err != nil {
		t.Fatalf("err = %v, want none", err)
	}
	for _, s := range []string{"--session-timeout", "EMCDP_SESSION_TIMEOUT", "--data", "EMCDP_DATA", "Examples:"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("serve -h does not mention %s", s)
		}
	}
	if err := run(context.Background(), []string{"frobnicate"}, nil, io.Discard, io.Discard); !errors.Is(err, errUsage) {
		t.Errorf("unknown command: err = %v", err)
	}
}

// TestUserAdd creates a user from stdin and finds it, hashed, in the store;
// it refuses a password given as an argument and an unknown role.
func TestUserAdd(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	var out bytes.Buffer
	err := run(ctx, []string{"user", "add", `LAB\Operator`, "--role", "portaluser", "--data", dir}, strings.NewReader("S3cret-pass\n"), &out, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "S3cret-pass") {
		t.Error("the password was printed")
	}
	st, err := sqlite.Open(ctx, filepath.Join(dir, "emcdp.db"))
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.User(ctx, "operator")
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	if u.Role != emcdp.RolePortalUser || !strings.HasPrefix(u.PasswordHash, "$2") {
		t.Errorf("user = %+v, want PortalUser with a bcrypt hash", u)
	}
	if err := run(ctx, []string{"user", "add", "x", "--data", dir, "S3cret-pass"}, strings.NewReader("p\n"), io.Discard, io.Discard); err == nil {
		t.Error("a password argument was accepted")
	}
	if err := run(ctx, []string{"user", "add", "x", "--role", "God", "--data", dir}, strings.NewReader("p\n"), io.Discard, io.Discard); err == nil {
		t.Error("an unknown role was accepted")
	}
	if err := run(ctx, []string{"user", "add", "x", "--data", dir}, strings.NewReader("\n"), io.Discard, io.Discard); err == nil {
		t.Error("an empty password was accepted")
	}
}

// TestSeedRefusesOtherWorld seeds a small world, reruns it (a no-op
// continuation), refuses other settings with advice, and starts afresh with
// --force.
func TestSeedRefusesOtherWorld(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	args := []string{"seed", "--data", dir, "--servers", "1", "--policies", "1", "--vms", "2", "--days", "2"}
	for i := 0; i < 2; i++ {
		if err := run(ctx, args, nil, io.Discard, io.Discard); err != nil {
			t.Fatalf("seed run %d: %v", i+1, err)
		}
	}
	other := append(append([]string{}, args...), "--seed", "2")
	err := run(ctx, other, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("other settings: err = %v, want advice naming --force", err)
	}
	if err := run(ctx, append(other, "--force"), nil, io.Discard, io.Discard); err != nil {
		t.Fatalf("--force: %v", err)
	}
}

// TestServeDemo starts the real server with demo data on a free port, reads
// the entry point without credentials and a query with the printed admin
// password, then stops it by cancelling its context.
func TestServeDemo(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	ready := make(chan string, 1)
	cmd := &serveCmd{Stdout: &out, Stderr: io.Discard, Getenv: func(string) string { return "" },
		Ready: func(url string) { ready <- url }}
	done := make(chan error, 1)
	go func() { done <- cmd.Run(ctx, []string{"--demo", "--data", dir, "--listen", "127.0.0.1:0"}) }()
	var url string
	select {
	case url = <-ready:
	case err := <-done:
		t.Fatalf("serve stopped: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not start")
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, Timeout: time.Minute} // generous: the machine may be busy with other tests
	resp, err := client.Get(url + "/api/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/: %d", resp.StatusCode)
	}
	pw := ""
	for _, line := range strings.Split(out.String(), "\n") {
		if i := strings.Index(line, "password: "); i >= 0 {
			pw = strings.TrimSpace(line[i+len("password: "):])
		}
	}
	if pw == "" {
		t.Fatalf("no admin password printed: %q", out.String())
	}
	req, _ := http.NewRequest(http.MethodGet, url+"/api/query?type=CdpReplicaTaskSession&filter=State==InProgress", nil)
	req.SetBasicAuth("admin", pw)
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "CdpReplicaTaskSessionReference") {
		t.Fatalf("query: %d %s", resp.StatusCode, body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
}

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServeLocksEmbeddedStore: a second server on the same SQLite database is
// refused with advice, since the first keeps logon sessions in memory.
func TestServeLocksEmbeddedStore(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	first := &serveCmd{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" },
		Ready: func(url string) { ready <- url }}
	done := make(chan error, 1)
	go func() { done <- first.Run(ctx, []string{"--data", dir, "--listen", "127.0.0.1:0"}) }()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("first serve stopped: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("first serve did not start")
	}
	second := &serveCmd{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }}
	err := second.Run(ctx, []string{"--data", dir, "--listen", "127.0.0.1:0"})
	if err == nil || !strings.Contains(err.Error(), "another emcdp serve") {
		t.Fatalf("second serve: err = %v, want a refusal naming the other server", err)
	}
	cancel()
	<-done
	// Once the first has stopped, the database may be served again.
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	third := &serveCmd{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" },
		Ready: func(string) { cancel2() }}
	if err := third.Run(ctx2, []string{"--data", dir, "--listen", "127.0.0.1:0"}); err != nil {
		t.Fatalf("serve after the first stopped: %v", err)
	}
}
