package api

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/auth"
	"github.com/emcdp/emcdp/sqlite"
)

// TestCloseDropsStalledAnswer: a client asks for a collection far larger
// than the sockets' buffers, reads a little of it and then stops reading
// without closing its connection. Close must not wait for it for the whole
// ShutdownTimeout (an hour here): the answer is dropped once its client
// takes nothing, and Close returns only after the handler has, so that the
// store is no longer in use.
func TestCloseDropsStalledAnswer(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "emcdp.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	clock := emcdp.NewManualClock(now)
	srvRow := emcdp.BackupServer{ID: emcdp.NewID(), Name: "vbr01.lab.local", Port: 9392, Version: "12.3.1.1139"}
	pol := emcdp.CdpPolicy{ID: emcdp.NewID(), Name: "CDP Tier-1", BackupServerID: srvRow.ID, BackupServerName: srvRow.Name,
		Platform: "VMware", Options: emcdp.DefaultCdpScheduleOptions(), Guest: emcdp.GuestProcessingOptions{VssSnapshotMode: "Disabled"}}
	ps := emcdp.PolicySession{ID: emcdp.NewID(), Name: emcdp.SessionName(pol.Name, now.Add(-time.Hour)), PolicyID: pol.ID,
		PolicyName: pol.Name, BackupServerID: srvRow.ID, BackupServerName: srvRow.Name, CreationTime: now.Add(-time.Hour),
		State: emcdp.SessionWorking, Result: emcdp.ResultNone}
	// About 40 MB of entity XML, 17 MB of references: several times what the kernel buffers
	// between the server and a client that does not read.
	var tss []emcdp.TaskSession
	for i := range 20000 {
		c := now.Add(-time.Duration(i) * time.Minute)
		vm := fmt.Sprintf("vm%05d", i%500)
		tss = append(tss, emcdp.TaskSession{ID: emcdp.NewID(), Name: emcdp.SessionName(vm, c), PolicySessionID: ps.ID,
			PolicySessionName: ps.Name, PolicyID: pol.ID, BackupServerID: srvRow.ID, BackupServerName: srvRow.Name,
			VmDisplayName: vm, CreationTime: c, State: emcdp.TaskInProgress, Result: emcdp.ResultSuccess, TotalSize: 1 << 30})
	}
	if err := st.Apply(ctx, &emcdp.Batch{BackupServers: []emcdp.BackupServer{srvRow}, CdpPolicies: []emcdp.CdpPolicy{pol},
		NewPolicySessions: []emcdp.PolicySession{ps}, NewTaskSessions: tss}); err != nil {
		t.Fatal(err)
	}
	svc := &auth.Service{Store: st, Clock: clock}
	if err := svc.CreateUser(ctx, "operator", "Op3rator:pw!", emcdp.RolePortalUser); err != nil {
		t.Fatal(err)
	}
	// References are kept as rows and encoded while they are sent,
	// entities are sent from a spilled text: both must be dropped.
	for _, path := range []string{"/api/cdpReplicaTaskSessions", "/api/cdpReplicaTaskSessions?format=Entity"} {
		t.Run(path, func(t *testing.T) {
			logs := &syncBuffer{}
			srv := NewServer(ServerConfig{
				API:  Config{Store: st, Auth: svc, Clock: clock, SpillDir: dir, Logger: slog.New(slog.NewTextHandler(logs, nil))},
				Addr: "127.0.0.1:0", DataDir: dir, ShutdownTimeout: time.Hour,
			})
			if err := srv.Open(); err != nil {
				t.Fatal(err)
			}

			// The client's receive buffer is made small before it connects, so
			// that the server's writes block soon after the client stops reading.
			d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
				return rc.Control(func(fd uintptr) {
					_ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
				})
			}}
			raw, err := d.Dial("tcp", strings.TrimPrefix(srv.URL(), "https://"))
			if err != nil {
				t.Fatal(err)
			}
			conn := tls.Client(raw, &tls.Config{InsecureSkipVerify: true})
			defer conn.Close()
			basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("operator:Op3rator:pw!"))
			if _, err := fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\n\r\n", path, basic); err != nil {
				t.Fatal(err)
			}
			head := make([]byte, 64<<10)
			if _, err := io.ReadFull(conn, head); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(head), "HTTP/1.1 200 ") {
				t.Fatalf("answer starts %q", head[:min(len(head), 200)])
			}

			// The client now reads nothing more and keeps its connection open.
			closed := make(chan error, 1)
			go func() { closed <- srv.Close() }()
			wait, cancel := context.WithTimeout(ctx, 2*time.Minute)
			defer cancel()
			select {
			case <-closed:
			case <-wait.Done():
				t.Fatal("Close still waits for the client that stopped reading")
			}
			// Close returned after the handler did: its request line is
			// logged (a collection of references cut short after its
			// headers aborts the handler instead, which logs no line).
			if strings.Contains(path, "Entity") && !strings.Contains(logs.String(), "path=/api/cdpReplicaTaskSessions") {
				t.Errorf("Close returned before the collection's handler; log:\n%s", logs.String())
			}
		})
	}
}

// TestCloseWaitsForHandlers: when ShutdownTimeout runs out, Close cancels
// the requests left and returns only once their handlers have returned, so
// that the store closed after it is no longer in use. The handler has not
// read its request's body, so that closing the connection alone would not
// cancel its context.
func TestCloseWaitsForHandlers(t *testing.T) {
	started := make(chan struct{})
	var returned atomic.Bool
	wrap := func(http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			close(started)
			<-r.Context().Done()
			// Work that takes a moment after the cancellation, as a
			// store's rollback does.
			time.Sleep(200 * time.Millisecond)
			returned.Store(true)
		})
	}
	srv := NewServer(ServerConfig{Addr: "127.0.0.1:0", DataDir: t.TempDir(), ShutdownTimeout: 50 * time.Millisecond, Wrap: wrap})
	if err := srv.Open(); err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	go func() {
		if resp, err := client.Post(srv.URL()+"/api/sessionMngr/", "text/plain", strings.NewReader(strings.Repeat("x", 1000))); err == nil {
			resp.Body.Close()
		}
	}()
	<-started
	closed := make(chan struct{})
	go func() {
		srv.Close()
		close(closed)
	}()
	wait, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	select {
	case <-closed:
	case <-wait.Done():
		t.Fatal("Close did not return: the handler left was not cancelled")
	}
	if !returned.Load() {
		t.Error("Close returned while a handler was still running")
	}
}
