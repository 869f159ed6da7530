// Package e2e holds end-to-end tests that run the emcdp binary as separate
// processes: two replicas serving one PostgreSQL database must behave as one
// server towards clients, sharing logon sessions and logon-failure counters.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	emclient "github.com/emcdp/emcdp/client"
	"github.com/jackc/pgx/v5"
)

// envURL names the database the test uses, e.g.
// postgres://postgres@127.0.0.1:5432/emcdp_test?sslmode=disable; the test
// works in a schema of its own, created and dropped by the test.
const envURL = "EMCDP_TEST_POSTGRES"

func testURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv(envURL)
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set, and CI=true requires the PostgreSQL tests to run", envURL)
		}
		t.Skipf("two-replica test skipped: set %s to a PostgreSQL database URL, e.g. postgres://postgres@127.0.0.1:5432/emcdp_test?sslmode=disable", envURL)
	}
	if !strings.HasPrefix(u, "postgres://") && !strings.HasPrefix(u, "postgresql://") {
		t.Fatalf("%s must be a postgres:// URL for the emcdp binary's --db flag", envURL)
	}
	return u
}

// freshSchema creates a uniquely named schema, drops it when the test ends,
// and returns the URL of a database whose connections use it.
func freshSchema(t *testing.T, base string) string {
	t.Helper()
	ctx := context.Background()
	var b [6]byte
	rand.Read(b[:])
	schema := "emcdp_e2e_" + hex.EncodeToString(b[:])
	exec1 := func(sql string) error {
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if err := exec1("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if err := exec1("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	p, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s is not a valid URL", envURL)
	}
	q := p.Query()
	q.Set("search_path", schema)
	p.RawQuery = q.Encode()
	return p.String()
}

// buildBinary builds cmd/emcdp into a temporary folder.
func buildBinary(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build the server: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "emcdp")
	cmd := exec.Command(goBin, "build", "-o", bin, "./cmd/emcdp")
	cmd.Dir = ".." // the module root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/emcdp: %v\n%s", err, out)
	}
	return bin
}

// run runs the binary to completion with stdin and returns its output.
func run(t *testing.T, bin, stdin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Env = cleanEnv()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("emcdp %s: %v\n%s", strings.Join(args[:1], " "), err, out)
	}
	return string(out)
}

// cleanEnv is the test's environment without the EMCDP_ variables, which the
// binary reads as flags.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "EMCDP_") {
			env = append(env, kv)
		}
	}
	return env
}

// replica is one running `emcdp serve`.
type replica struct {
	base string // https://127.0.0.1:PORT/api
	logs *syncBuffer
	kill func() // SIGKILL, then wait for the process
}

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

var servingLine = regexp.MustCompile(`emcdp serving (https://\S+)/api/`)

// serve starts `emcdp serve` on a free loopback port and waits until it
// listens. The process is stopped when the test ends.
func serve(t *testing.T, bin, db string, extra ...string) *replica {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	args := append([]string{"serve", "--db", db, "--listen", "127.0.0.1:0", "--data", t.TempDir()}, extra...)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = cleanEnv()
	logs := &syncBuffer{}
	cmd.Stderr = logs
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	kill := func() { once.Do(func() { cancel(); cmd.Wait() }) }
	t.Cleanup(func() {
		kill()
		if t.Failed() {
			t.Logf("replica log:\n%s", logs.String())
		}
	})
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			logs.Write(append(sc.Bytes(), '\n'))
			if m := servingLine.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
	}()
	select {
	case u := <-urls:
		return &replica{base: u + "/api", logs: logs, kill: kill}
	case <-time.After(60 * time.Second):
		t.Fatalf("emcdp serve did not report listening within 60 s; log:\n%s", logs.String())
	}
	return nil
}

var client = &http.Client{
	Timeout: 30 * time.Second,
	Transport: &http.Transport{
		// The replicas serve self-signed certificates made in their data folders.
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
	},
}

// do sends a request and returns the status, the response headers and body.
func do(t *testing.T, method, u string, hdr map[string]string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header[k] = []string{v}
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, u, err)
	}
	return resp.StatusCode, resp.Header, string(body)
}

func basic(user, password string) map[string]string {
	return map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))}
}

// logon opens a logon session and returns its token and id. A logon the
// server answers 503 because it is busy checking other passwords (it waits
// at most a second for a turn, which a loaded machine can exceed) is tried
// again after a pause, for up to a minute, as a client would.
func logon(t *testing.T, r *replica, user, password string) (token, id string) {
	t.Helper()
	c := emclient.New(r.base, client)
	for deadline := time.Now().Add(time.Minute); ; {
		err := c.Logon(context.Background(), user, password)
		if err == nil {
			break
		}
		var e *emclient.Error
		if !errors.As(err, &e) || e.Status != http.StatusServiceUnavailable || time.Now().After(deadline) {
			t.Fatalf("logon of %s at %s: %v", user, r.base, err)
		}
		time.Sleep(time.Second)
	}
	token = c.Token()
	raw, err := base64.StdEncoding.DecodeString(token)
	if err != nil || len(raw) != 36 {
		t.Fatalf("logon token %q is not base64 of a session id", token)
	}
	return token, string(raw)
}

var taskHref = regexp.MustCompile(`Href="(https://[^"]+/api/cdpReplicaTaskSessions/([0-9a-f-]{36}))"`)

// TestTwoReplicas runs two `emcdp serve` processes over one PostgreSQL
// database: a session opened at the first is valid at the second, a logoff at
// the second ends it at the first, and failed logons at either count towards
// one lockout.
func TestTwoReplicas(t *testing.T) {
	db := freshSchema(t, testURL(t))
	bin := buildBinary(t)

	run(t, bin, "", "seed", "--db", db, "--servers", "1", "--policies", "1", "--vms", "2", "--days", "1")
	const password = "correct horse battery"
	for _, u := range []string{"operator", "lockme"} {
		run(t, bin, password+"\n", "user", "add", u, "--role", "PortalUser", "--db", db)
	}
	a := serve(t, bin, db, "--max-failures", "3", "--basic-cache", "0")
	b := serve(t, bin, db, "--max-failures", "3", "--basic-cache", "0")

	token, id := logon(t, a, `LAB\operator`, password)
	auth := map[string]string{"X-RestSvcSessionId": token}

	// The second replica accepts the token and serves the seeded data.
	status, _, body := do(t, "GET", b.base+"/query?type=CdpReplicaTaskSession&pageSize=5", auth)
	if status != http.StatusOK {
		t.Fatalf("query at the second replica: %d %s", status, body)
	}
	m := taskHref.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("the query answer names no task session:\n%s", body)
	}
	href := strings.Replace(m[1], a.base, b.base, 1)
	status, _, body = do(t, "GET", href+"?format=Entity", auth)
	if status != http.StatusOK || !strings.Contains(body, m[2]) {
		t.Fatalf("task session %s at the second replica: %d %s", m[2], status, body)
	}
	// Both replicas see the same data: the first answers the same entity.
	status, _, body2 := do(t, "GET", strings.Replace(href, b.base, a.base, 1)+"?format=Entity", auth)
	if status != http.StatusOK || strings.ReplaceAll(body2, a.base, "") != strings.ReplaceAll(body, b.base, "") {
		t.Errorf("task session at the first replica differs: %d\n%s\nsecond replica:\n%s", status, body2, body)
	}

	// A change made outside both replicas, announced on the change feed in
	// its transaction as every writer of the store does, shows in the task
	// session each serves by id once the notification has arrived.
	renamed := "renamed by another writer"
	conn, err := pgx.Connect(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	err = pgx.BeginFunc(context.Background(), conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(context.Background(), "UPDATE task_sessions SET vm_display_name = $1 WHERE id = $2", renamed, m[2]); err != nil {
			return err
		}
		_, err := tx.Exec(context.Background(), "SELECT pg_notify('emcdp_changes_' || to_hex(hashtextextended(current_schema(), 0)), 'T' || replace($1, '-', ''))", m[2])
		return err
	})
	conn.Close(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []*replica{a, b} {
		u := strings.Replace(href, b.base, r.base, 1)
		eventually(t, "the change at "+r.base, func() (bool, string) {
			status, _, body := do(t, "GET", u+"?format=Entity", auth)
			return status == http.StatusOK && strings.Contains(body, renamed), body
		})
	}

	// Log off at the second replica; the first then refuses the token, for
	// a query and for a task session by id alike, once the notification of
	// the logoff has arrived.
	status, _, body = do(t, "DELETE", b.base+"/logonSessions/"+id, auth)
	if status != http.StatusNoContent {
		t.Fatalf("logoff at the second replica: %d %s", status, body)
	}
	for _, r := range []*replica{a, b} {
		u := strings.Replace(href, b.base, r.base, 1)
		eventually(t, "the logoff at "+r.base, func() (bool, string) {
			s1, _, b1 := do(t, "GET", r.base+"/query?type=CdpReplicaTaskSession", auth)
			s2, _, b2 := do(t, "GET", u, auth)
			return s1 == http.StatusUnauthorized && s2 == http.StatusUnauthorized, b1 + b2
		})
	}

	// Failures at either replica count towards one lockout (3 here): after
	// two at the first and one at the second, the right password is refused
	// at both.
	for i, r := range []*replica{a, a, b} {
		if status, _, _ := do(t, "POST", r.base+"/sessionMngr/?v=latest", basic("lockme", "wrong")); status != http.StatusUnauthorized {
			t.Fatalf("bad logon %d: %d; want 401", i, status)
		}
	}
	for _, r := range []*replica{a, b} {
		if status, _, body := do(t, "POST", r.base+"/sessionMngr/?v=latest", basic("lockme", password)); status != http.StatusUnauthorized {
			t.Errorf("logon of a locked-out user at %s: %d %s; want 401", r.base, status, body)
		}
	}
	// Another user is not affected.
	logon(t, b, "operator", password)
}

// eventually polls ok for up to 20 s, the time a replica's change feed may
// take on a loaded machine to deliver a notification.
func eventually(t *testing.T, what string, ok func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		done, last := ok()
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("%s not seen within 20 s; last answer:\n%s", what, last)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}
