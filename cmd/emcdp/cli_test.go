package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/sqlite"
)

// TestSubcommandHelp: -h and --help of every command print its usage to
// stdout, nothing to stderr, and end without error (exit status 0).
func TestSubcommandHelp(t *testing.T) {
	for _, args := range [][]string{{"serve"}, {"seed"}, {"bench"}, {"user"}, {"user", "add"}, {"probe"}} {
		for _, h := range []string{"-h", "--help"} {
			var out, errb bytes.Buffer
			err := run(context.Background(), append(append([]string{}, args...), h), nil, &out, &errb)
			if err != nil || !strings.Contains(out.String(), "Usage: emcdp "+args[0]) ||
				!strings.Contains(out.String(), "Flags (each also read") || errb.Len() != 0 {
				t.Errorf("%v %s: err %v, stdout %q, stderr %q", args, h, err, out.String(), errb.String())
			}
		}
	}
}

// TestBadFlag: a mistake on the command line is one line of error and one
// pointing at --help, exit status 2, with nothing else printed.
func TestBadFlag(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--nope"}, "flag provided but not defined: -nope"},
		{[]string{"seed", "--days", "many"}, `invalid value "many" for flag -days`},
		{[]string{"user", "add", "bob", "--nope"}, "-nope"},
		{[]string{"user", "remove", "bob"}, "emcdp user add NAME"},
		{[]string{"serve", "--data", "/nonexistent/emcdp-serve", "--log-level", "loud"}, "use debug, info, warn or error"},
		{[]string{"serve", "extra"}, `unexpected argument "extra"`},
		{[]string{"serve", "--time-scale", "NaN"}, "--time-scale must be above 0 and at most 1000000"},
		{[]string{"serve", "--time-scale", "+Inf"}, "--time-scale must be above 0 and at most 1000000"},
		{[]string{"serve", "--time-scale", "0"}, "--time-scale must be above 0 and at most 1000000"},
		// Values that the server would silently replace by its defaults.
		{[]string{"serve", "--data", "/nonexistent/emcdp-serve", "--session-timeout", "0"}, "--session-timeout must be positive"},
		{[]string{"serve", "--data", "/nonexistent/emcdp-serve", "--tick", "-1s"}, "--tick must be positive"},
		{[]string{"serve", "--data", "/nonexistent/emcdp-serve", "--failure-window", "0"}, "--failure-window must be positive"},
		{[]string{"serve", "--data", "/nonexistent/emcdp-serve", "--session-window", "-24h"}, "--session-window must be positive"},
		{[]string{"serve", "--data", "/nonexistent/emcdp-serve", "--max-failures", "0"}, "--max-failures must be at least 1"},
		{[]string{"serve", "--data", "/nonexistent/emcdp-serve", "--max-page-size", "-5"}, "--max-page-size must be at least 1"},
		{[]string{"serve", "--data", "/nonexistent/emcdp-serve", "--control-max-failures", "0"}, "--control-max-failures must be at least 1"},
		{[]string{"serve", "--data", "/nonexistent/emcdp-serve", "--control-max-failures", "-3"}, "--control-max-failures must be at least 1"},
		{[]string{"serve", "--data", "/nonexistent/emcdp-serve", "--control-failure-window", "0"}, "--control-failure-window must be positive"},
		{[]string{"serve", "--data", "/nonexistent/emcdp-serve", "--control-failure-window", "-1m"}, "--control-failure-window must be positive"},
		{[]string{"serve", "--data", "/nonexistent/emcdp-serve", "--basic-cache", "-1s"}, "--basic-cache must not be negative"},
		{[]string{"serve", "--data", "/nonexistent/emcdp-serve", "--task-delay", "-1s"}, "--task-delay must not be negative"},
		// Settings the world cannot have, refused before any store is made.
		{[]string{"seed", "--data", "/nonexistent/emcdp-seed", "--policies", "101"}, "PoliciesPerServer must be 1…100"},
		{[]string{"seed", "--data", "/nonexistent/emcdp-seed", "--vms-per-job", "-3"}, "VMsPerJob must be 0"},
	} {
		var out, errb bytes.Buffer
		err := run(context.Background(), c.args, strings.NewReader("pw-123456\n"), &out, &errb)
		var ue *usageError
		if !errors.As(err, &ue) || exitCode(err) != 2 {
			t.Errorf("%v: err %v (exit %d), want a usage error (exit 2)", c.args, err, exitCode(err))
			continue
		}
		lines := strings.Split(err.Error(), "\n")
		help := "Run 'emcdp " + ue.cmd + " --help'"
		if len(lines) != 2 || !strings.HasPrefix(ue.cmd, c.args[0]) || !strings.Contains(lines[0], c.want) || !strings.HasPrefix(lines[1], help) {
			t.Errorf("%v: message %q, want %q then %q…", c.args, err.Error(), c.want, help)
		}
		if out.Len() != 0 || errb.Len() != 0 {
			t.Errorf("%v: printed %q / %q besides the error", c.args, out.String(), errb.String())
		}
	}
}

// TestVersion: version and --version print the same line; stamped values
// win over the build info, which is read when nothing is stamped.
func TestVersion(t *testing.T) {
	var a, b bytes.Buffer
	if err := run(context.Background(), []string{"version"}, nil, &a, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"--version"}, nil, &b, io.Discard); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() || !strings.HasPrefix(a.String(), "emcdp ") {
		t.Errorf("version %q, --version %q", a.String(), b.String())
	}
	bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/emcdp/emcdp", Version: "v0.3.0"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef"}, {Key: "vcs.modified", Value: "true"}}}
	for _, c := range []struct {
		bi   *debug.BuildInfo
		st   stamped
		want string
	}{
		{bi, stamped{}, "v0.3.0 (commit 0123456789abcdef, modified, go1.26.8)"},
		{bi, stamped{"v1.0.0", "fedcba9876543210"}, "v1.0.0 (commit fedcba9876543210, go1.26.8)"},
		{&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}}, stamped{}, "devel (commit unknown, go1.26.8)"},
		{nil, stamped{}, "devel (commit unknown)"},
	} {
		if got := versionString(c.bi, c.st); got != c.want {
			t.Errorf("versionString(%+v) = %q, want %q", c.st, got, c.want)
		}
	}
}

// serveOnce runs serve with args until it is ready (then stops it) or
// fails, and returns its error, stdout and stderr.
func serveOnce(t *testing.T, args ...string) (error, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out, errb syncBuffer
	cmd := &serveCmd{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" },
		Ready: func(string) { cancel() }}
	err := cmd.Run(ctx, args)
	return err, out.String(), errb.String()
}

func countUsers(t *testing.T, path string) int {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	n, err := st.CountUsers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestAdminOnlyOnceServing: a server that fails on a bad certificate path,
// a busy port or a store holding another world prints no password and
// leaves no admin behind; one that starts makes the admin.
func TestAdminOnlyOnceServing(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	foreign := t.TempDir()
	if err := run(context.Background(), []string{"seed", "--data", foreign, "--servers", "1", "--policies", "1", "--vms", "1", "--days", "1"}, nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		dir  string
		args []string
		want string
	}{
		{"bad TLS path", t.TempDir(), []string{"--tls-cert", "/nonexistent/tls.crt", "--tls-key", "/nonexistent/tls.key", "--listen", "127.0.0.1:0"}, "tls.crt"},
		{"busy port", t.TempDir(), []string{"--listen", busy.Addr().String()}, "address already in use"},
		{"other world", foreign, []string{"--demo", "--listen", "127.0.0.1:0"}, "already holds other data"},
	} {
		err, out, _ := serveOnce(t, append([]string{"--data", c.dir}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want one naming %q", c.name, err, c.want)
		}
		if strings.Contains(out, "password") {
			t.Errorf("%s: a password was printed by a server that did not start: %q", c.name, out)
		}
		if n := countUsers(t, filepath.Join(c.dir, "emcdp.db")); n != 0 {
			t.Errorf("%s: %d users left behind", c.name, n)
		}
	}
	dir := t.TempDir()
	err, out, _ := serveOnce(t, "--data", dir, "--listen", "127.0.0.1:0")
	if err != nil || !strings.Contains(out, "created user admin") || countUsers(t, filepath.Join(dir, "emcdp.db")) != 1 {
		t.Errorf("a server that starts: err %v, stdout %q; want the admin made and its password shown", err, out)
	}
}

// TestServeEmptyHint: serving a store without data logs how to fill it;
// serving the demo does not.
func TestServeEmptyHint(t *testing.T) {
	err, _, log := serveOnce(t, "--data", t.TempDir(), "--listen", "127.0.0.1:0")
	if err != nil || !strings.Contains(log, "--demo") || !strings.Contains(log, "emcdp seed") {
		t.Errorf("empty store: err %v, log %q; want a hint naming --demo and emcdp seed", err, log)
	}
	err, _, log = serveOnce(t, "--data", t.TempDir(), "--listen", "127.0.0.1:0", "--demo")
	if err != nil || strings.Contains(log, "emcdp seed") {
		t.Errorf("demo: err %v, log %q; want no hint", err, log)
	}
}

// TestSeedForceKeepsUsers: --force replaces the world but keeps the users
// (with their passwords) and says what it deleted and kept.
func TestSeedForceKeepsUsers(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	args := []string{"seed", "--data", dir, "--servers", "1", "--policies", "1", "--vms", "2", "--days", "2"}
	if err := run(ctx, args, nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"user", "add", "monitor", "--data", dir}, strings.NewReader("Monitor-Pass-1\n"), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "emcdp.db")
	before := readUser(t, path, "monitor")
	var errb bytes.Buffer
	if err := run(ctx, append(args, "--seed", "2", "--force"), nil, io.Discard, &errb); err != nil {
		t.Fatalf("--force: %v", err)
	}
	msg := errb.String()
	for _, want := range []string{"deleted 1 backup servers, 1 CDP policies", "task sessions", "kept 1 user(s): monitor"} {
		if !strings.Contains(msg, want) {
			t.Errorf("--force said %q, want it to mention %q", msg, want)
		}
	}
	if after := readUser(t, path, "monitor"); *after != *before {
		t.Errorf("user after --force %+v, before %+v", after, before)
	}
	for _, p := range []string{path + ".fresh", path + ".fresh-wal"} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s left behind", p)
		}
	}
	// The new world is the one asked for: rerunning it is a continuation.
	if err := run(ctx, append(args, "--seed", "2"), nil, io.Discard, io.Discard); err != nil {
		t.Errorf("continuing the new world: %v", err)
	}
}

func readUser(t *testing.T, path, name string) *emcdp.User {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, err := st.User(context.Background(), name)
	if err != nil {
		t.Fatalf("user %s: %v", name, err)
	}
	return u
}

// TestSeedZeros: zeros that cannot make a world are refused with a message;
// zero warning and failure rates make a world without problems.
func TestSeedZeros(t *testing.T) {
	ctx := context.Background()
	for _, flag := range []string{"--servers", "--policies", "--days", "--vms-median"} {
		err := run(ctx, []string{"seed", "--data", t.TempDir(), flag, "0"}, nil, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), flag+" must be at least 1") {
			t.Errorf("%s 0: err %v, want a refusal naming it", flag, err)
		}
	}
	problems := func(extra ...string) int {
		dir := t.TempDir()
		args := append([]string{"seed", "--data", dir, "--servers", "1", "--policies", "2", "--vms", "5", "--days", "10"}, extra...)
		if err := run(ctx, args, nil, io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
		st, err := sqlite.Open(ctx, filepath.Join(dir, "emcdp.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		result, _ := emcdp.LookupField(emcdp.KindCdpReplicaTaskSession, "Result")
		res, err := st.Query(ctx, &emcdp.Query{Kind: emcdp.KindCdpReplicaTaskSession, PageSize: 1, Page: 1,
			Filter: &emcdp.Term{Field: result, Op: emcdp.OpGe, Value: emcdp.Value{Int: int64(emcdp.ResultWarning)}}})
		if err != nil {
			t.Fatal(err)
		}
		return res.Total
	}
	if n := problems(); n == 0 {
		t.Fatal("the default rates gave no Warning or Failed task session; the world is too small to tell")
	}
	if n := problems("--warning-rate", "0", "--failure-rate", "0"); n != 0 {
		t.Errorf("--warning-rate 0 --failure-rate 0 gave %d Warning or Failed task sessions", n)
	}
}

// TestSQLitePathNotCreated: --db sqlite://PATH in a missing folder is
// refused and creates nothing; in an existing folder it makes the file.
func TestSQLitePathNotCreated(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	missing := filepath.Join(dir, "no", "such")
	for _, args := range [][]string{
		{"seed", "--db", "sqlite://" + filepath.Join(missing, "x.db"), "--days", "1"},
		{"user", "add", "bob", "--db", "sqlite://" + filepath.Join(missing, "x.db")},
		{"serve", "--db", "sqlite://" + filepath.Join(missing, "x.db"), "--data", dir, "--listen", "127.0.0.1:0"},
	} {
		err := run(ctx, args, strings.NewReader("Bob-Pass-123\n"), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "does not exist") {
			t.Errorf("%v: err %v, want a refusal naming the missing folder", args[:2], err)
		}
		if _, err := os.Stat(filepath.Join(dir, "no")); err == nil {
			t.Fatalf("%v created %s", args[:2], filepath.Join(dir, "no"))
		}
	}
	file := filepath.Join(dir, "named.db")
	if err := run(ctx, []string{"user", "add", "bob", "--db", "sqlite://" + file}, strings.NewReader("Bob-Pass-123\n"), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(file); err != nil {
		t.Errorf("the named file was not made: %v", err)
	}
}
