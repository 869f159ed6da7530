package e2e

import (
	"bufio"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestHostile starts the real binary on each store (SQLite always,
// PostgreSQL when EMCDP_TEST_POSTGRES is set) and replays attacks that once
// gave 500, starved readers or leaked secrets: every answer must be the
// documented 4xx or 503 with an Error body, and the log must hold no secret.
func TestHostile(t *testing.T) {
	bin := buildBinary(t)
	t.Run("sqlite", func(t *testing.T) {
		hostile(t, bin, "sqlite://"+filepath.Join(t.TempDir(), "emcdp.db"), "")
	})
	t.Run("postgres", func(t *testing.T) {
		// A password in the URL (ignored by a server that trusts the
		// connection) must never be printed.
		const secret = "hunter2-db-secret"
		db := freshSchema(t, testURL(t)) + "&password=" + secret
		hostile(t, bin, db, secret)
	})
}

const (
	hostileUser = "operator"
	hostilePW   = "correct horse battery"
)

// errorBody checks that an answer is status want with an Error body that
// names that status.
func errorBody(t *testing.T, label string, status int, hdr http.Header, body string, want int) {
	t.Helper()
	if status != want || !strings.Contains(body, "<Error ") || !strings.Contains(body, fmt.Sprintf(`StatusCode="%d"`, want)) {
		t.Errorf("%s: %d %.300s; want %d with an Error body", label, status, body, want)
	}
	if want == http.StatusServiceUnavailable && hdr.Get("Retry-After") == "" {
		t.Errorf("%s: 503 without Retry-After", label)
	}
}

func hostile(t *testing.T, bin, db, dbSecret string) {
	seedOut := run(t, bin, "", "seed", "--db", db, "--servers", "1", "--policies", "1", "--vms", "2", "--days", "1")
	long := strings.Repeat("p", 72)
	run(t, bin, hostilePW+"\n", "user", "add", hostileUser, "--role", "PortalUser", "--db", db)
	run(t, bin, long+"\n", "user", "add", "longpw", "--role", "PortalUser", "--db", db)
	r := serve(t, bin, db, "--logon-concurrency", "1")
	token, id := logon(t, r, hostileUser, hostilePW)
	auth := map[string]string{"X-RestSvcSessionId": token}
	get := func(path string, hdr map[string]string) (int, http.Header, string) {
		return do(t, "GET", r.base+path, hdr)
	}

	t.Run("WideFilters", func(t *testing.T) {
		terms := func(n int, f func(i int) string) string {
			parts := make([]string, n)
			for i := range parts {
				parts[i] = f(i)
			}
			return url.QueryEscape(strings.Join(parts, ","))
		}
		name := func(i int) string { return fmt.Sprintf("Name==vm%d", i) }
		port := func(i int) string { return fmt.Sprintf("Port==%d", i%10) }
		for _, js := range []bool{false, true} {
			hdr := map[string]string{"X-RestSvcSessionId": token}
			if js {
				hdr["Accept"] = "application/json"
			}
			status, _, body := get("/query?type=CdpReplicaTaskSession&filter="+terms(1000, name), hdr)
			if status != http.StatusOK {
				t.Errorf("1,000 terms: %d %.300s", status, body)
			}
		}
		for _, f := range []string{terms(1001, name), terms(5000, port), terms(500, name) + "&filter=" + terms(501, name)} {
			status, hdr, body := get("/query?type=BackupServer&filter="+f, auth)
			if strings.Contains(f, "Name") {
				status, hdr, body = get("/query?type=CdpReplicaTaskSession&filter="+f, auth)
			}
			errorBody(t, fmt.Sprintf("a filter of %d bytes", len(f)), status, hdr, body, http.StatusBadRequest)
		}
		// A 1 MB filter is larger than any request header net/http reads
		// (64 KiB): it is refused before the API sees it.
		status, _, body := get("/query?type=CdpReplicaTaskSession&filter="+terms(80000, name)[:1<<20], auth)
		if status != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("a 1 MB filter: %d %.200s; want 431", status, body)
		}
	})

	t.Run("Bytes", func(t *testing.T) {
		for _, path := range []string{
			"/query?type=CdpReplicaTaskSession&filter=VmDisplayName==a%00b",
			"/query?type=CdpReplicaTaskSession&filter=VmDisplayName==%FF%FE",
			"/query?type=CdpReplicaTaskSession&filter=Reason!=%C3",
			"/query?type=CdpReplicaTaskSession&sortAsc=%00",
			"/query?type=%FF",
			"/cdpPolicies/%00",
			"/cdpReplicaTaskSessions/%FF%FE",
			"/logonSessions/%00",
			"/cdpReplicaSessions?format=%00",
		} {
			status, hdr, body := get(path, auth)
			errorBody(t, path, status, hdr, body, http.StatusBadRequest)
		}
		creds := []struct{ user, pw string }{
			{"oper\x00ator", hostilePW}, {"oper\xffator", hostilePW}, {hostileUser, "pw\x00"},
			{hostileUser, "\xff\xfe"}, {strings.Repeat("u", 44<<10), "x"}, {"longpw", long + "suffix"},
		}
		for i, c := range creds {
			status, hdr, body := do(t, "POST", r.base+"/sessionMngr/?v=latest", basic(c.user, c.pw))
			errorBody(t, fmt.Sprintf("logon with credentials %d", i), status, hdr, body, http.StatusUnauthorized)
			status, hdr, body = get("/cdpPolicies", basic(c.user, c.pw))
			errorBody(t, fmt.Sprintf("GET with Basic credentials %d", i), status, hdr, body, http.StatusUnauthorized)
		}
		if status, _, body := do(t, "POST", r.base+"/sessionMngr/?v=latest", basic("longpw", long)); status != http.StatusCreated {
			t.Errorf("logon with the 72-byte password: %d %.200s", status, body)
		}
		for _, tok := range []string{"\xff\xfe", base64.StdEncoding.EncodeToString([]byte("\x00" + id[1:])), token + "\xff"} {
			status, hdr, body := get("/cdpPolicies", map[string]string{"X-RestSvcSessionId": tok})
			errorBody(t, "a malformed token", status, hdr, body, http.StatusUnauthorized)
			status, hdr, body = get("/cdpPolicies", map[string]string{"Cookie": "X-RestSvcSessionId=" + tok})
			errorBody(t, "a malformed cookie", status, hdr, body, http.StatusUnauthorized)
		}
	})

	t.Run("LogonSessions", func(t *testing.T) {
		other, otherID := logon(t, r, hostileUser, hostilePW)
		status, _, body := get("/logonSessions", map[string]string{"X-RestSvcSessionId": other})
		if status != http.StatusOK || strings.Count(body, "<SessionId>") != 1 || !strings.Contains(body, otherID) || strings.Contains(body, id) {
			t.Errorf("logonSessions lists more than the caller: %d %.500s", status, body)
		}
		if status, _, body := get("/logonSessions/"+otherID, map[string]string{"X-RestSvcSessionId": other}); status != http.StatusOK {
			t.Errorf("own logon session: %d %.200s", status, body)
		}
		if status, _, _ := do(t, "DELETE", r.base+"/logonSessions/"+otherID, map[string]string{"X-RestSvcSessionId": other}); status != http.StatusNoContent {
			t.Errorf("logoff: %d", status)
		}
		if status, _, _ := get("/cdpPolicies", auth); status != http.StatusOK {
			t.Errorf("the first session after the second logged off: %d", status)
		}
	})

	t.Run("LogonStorm", func(t *testing.T) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		statuses := map[int]int{}
		for i := 0; i < 24; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				user := fmt.Sprintf("nobody%d", rand.Int())
				status, hdr, body := do(t, "POST", r.base+"/sessionMngr/?v=latest", basic(user, "wrong-password"))
				if status == http.StatusServiceUnavailable {
					errorBody(t, "a logon in the storm", status, hdr, body, http.StatusServiceUnavailable)
				} else {
					errorBody(t, "a logon in the storm", status, hdr, body, http.StatusUnauthorized)
				}
				mu.Lock()
				statuses[status]++
				mu.Unlock()
			}()
		}
		start := time.Now()
		if status, _, _ := get("/cdpPolicies", auth); status != http.StatusOK {
			t.Errorf("a read by token during the storm: %d", status)
		}
		readTook := time.Since(start)
		wg.Wait()
		if statuses[http.StatusServiceUnavailable] == 0 {
			t.Errorf("24 logons at once with one hashing slot were all checked: %v", statuses)
		}
		t.Logf("storm answers %v; a read by token took %v meanwhile", statuses, readTook)
	})

	t.Run("Smuggling", func(t *testing.T) {
		host := strings.TrimSuffix(strings.TrimPrefix(r.base, "https://"), "/api")
		conn, err := tls.Dial("tcp", host, &tls.Config{InsecureSkipVerify: true})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		io.WriteString(conn, "POST /api/sessionMngr/ HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
		br := bufio.NewReader(conn)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		errorBody(t, "Content-Length with chunked", resp.StatusCode, resp.Header, string(body), http.StatusBadRequest)
		if _, err := br.ReadByte(); err != io.EOF {
			t.Errorf("the connection stayed open: %v", err)
		}
		var cbc []uint16
		for _, s := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
			if strings.Contains(s.Name, "_CBC_") {
				cbc = append(cbc, s.ID)
			}
		}
		d := &net.Dialer{Timeout: 5 * time.Second}
		if c, err := tls.DialWithDialer(d, "tcp", host, &tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS12, CipherSuites: cbc}); err == nil {
			c.Close()
			t.Error("a CBC suite was accepted")
		}
	})

	t.Run("Deadline", func(t *testing.T) {
		// Checking a password takes far longer than a millisecond, so the
		// request runs out of time whatever the machine.
		second := db
		if strings.HasPrefix(db, "sqlite://") { // an embedded store serves one process
			second = strings.TrimSuffix(db, ".db") + "-2.db"
		}
		r2 := serve(t, bin, second, "--request-timeout", "1ms")
		status, hdr, body := do(t, "GET", r2.base+"/query?type=CdpReplicaTaskSession", basic("nobody", "wrong-password"))
		errorBody(t, "a request past --request-timeout", status, hdr, body, http.StatusServiceUnavailable)
		if !strings.Contains(body, "did not complete in time") {
			t.Errorf("the 503 does not say the request ran out of time: %.300s", body)
		}
	})

	// The log and the output hold neither the database password nor any
	// logon session's id or token.
	logs := seedOut + r.logs.String()
	for _, secret := range []string{dbSecret, id, token} {
		if secret != "" && strings.Contains(logs, secret) {
			t.Errorf("the server's output holds the secret %q", secret)
		}
	}
	if !strings.Contains(logs, "logonSessions/REDACTED") {
		t.Errorf("no logged request names a logon session; the log check proves nothing:\n%.2000s", logs)
	}
}
