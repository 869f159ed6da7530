package api

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/auth"
	"github.com/emcdp/emcdp/sim"
	"github.com/emcdp/emcdp/sqlite"
)

// syncBuffer collects log output from concurrent handlers.
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

// demoServer seeds the demo world into a fresh SQLite store and opens a
// server on a free loopback port with a generated certificate.
func demoServer(t *testing.T, httpToo bool) (*Server, *syncBuffer, string) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "emcdp.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := sim.Seed(ctx, st, sim.Demo(), time.Now().UTC(), nil); err != nil {
		t.Fatal(err)
	}
	svc := &auth.Service{Store: st, Clock: emcdp.SystemClock{}}
	const pw = "Op3rator:pw!"
	if err := svc.CreateUser(ctx, `operator`, pw, emcdp.RolePortalUser); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	cfg := ServerConfig{API: Config{Store: st, Auth: svc, Logger: slog.New(slog.NewTextHandler(logs, nil))},
		Addr: "127.0.0.1:0", DataDir: dir}
	if httpToo {
		cfg.HTTPAddr = "127.0.0.1:0"
	}
	srv := NewServer(cfg)
	if err := srv.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
	})
	return srv, logs, pw
}

// trustingClient trusts exactly the certificate the server generated in
// its data folder, so that the SANs are checked too.
func trustingClient(t *testing.T, srv *Server) *http.Client {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(leaf(t, srv))
	return &http.Client{
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true},
		Timeout:   30 * time.Second,
	}
}

func leaf(t *testing.T, srv *Server) *x509.Certificate {
	c, err := x509.ParseCertificate(srv.Certificate().Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestGeneratedCertificate(t *testing.T) {
	dir := t.TempDir()
	c1, err := loadOrCreateCert("", "", dir, []string{"em.lab.local", "10.0.0.5"})
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, keyFileName))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	c2, err := loadOrCreateCert("", "", dir, nil)
	if err != nil || !bytes.Equal(c1.Certificate[0], c2.Certificate[0]) {
		t.Fatalf("certificate not reused: %v", err)
	}
	x, _ := x509.ParseCertificate(c1.Certificate[0])
	for _, h := range []string{"localhost", "127.0.0.1", "::1", "em.lab.local", "10.0.0.5"} {
		if err := x.VerifyHostname(h); err != nil {
			t.Errorf("SAN %s: %v", h, err)
		}
	}
	if _, err := loadOrCreateCert(filepath.Join(dir, certFileName), "", dir, nil); err == nil {
		t.Error("a certificate without a key was accepted")
	}
	if _, err := loadOrCreateCert("", "", "", nil); err == nil {
		t.Error("no data folder and no certificate was accepted")
	}
}

// TestWireHeaders reads raw response bytes, which net/http would
// canonicalise, and checks the protocol negotiated.
func TestWireHeaders(t *testing.T) {
	srv, _, pw := demoServer(t, true)
	u, _ := url.Parse(srv.URL())
	conn, err := tls.Dial("tcp", u.Host, &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"h2", "http/1.1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if p := conn.ConnectionState().NegotiatedProtocol; p == "h2" {
		t.Fatalf("server negotiated %q", p)
	}
	cred := base64.StdEncoding.EncodeToString([]byte("operator:" + pw))
	io.WriteString(conn, "POST /api//sessionMngr/?v=latest HTTP/1.1\r\nHost: em.lab.local:9398\r\nAuthorization: Basic "+cred+
		"\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n")
	raw, err := io.ReadAll(conn)
	if err != nil {
		t.Fatal(err)
	}
	head, body, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	h := string(head)
	if !strings.HasPrefix(h, "HTTP/1.1 201 Created\r\n") {
		t.Fatalf("status line: %q", h)
	}
	m := regexp.MustCompile("\r\nX-RestSvcSessionId: ([A-Za-z0-9+/=]+)\r\n").FindStringSubmatch(h)
	if m == nil {
		t.Fatalf("no X-RestSvcSessionId header spelled exactly so in:\n%s", h)
	}
	if !strings.Contains(h, "\r\nSet-Cookie: X-RestSvcSessionId="+m[1]+"; Path=/api\r\n") ||
		!strings.Contains(h, "\r\nContent-Length: ") || strings.Contains(h, "chunked") {
		t.Fatalf("headers:\n%s", h)
	}
	sid := regexp.MustCompile(`<SessionId>([0-9a-f-]{36})</SessionId>`).FindSubmatch(body)
	if sid == nil || base64.StdEncoding.EncodeToString(sid[1]) != m[1] {
		t.Fatalf("token %s is not base64 of the body's SessionId: %s", m[1], body)
	}
	if !bytes.Contains(body, []byte("https://em.lab.local:9398/api/logonSessions/")) {
		t.Fatalf("links not built on the Host used: %s", body)
	}

	// The plain-HTTP listener serves the same API with http links.
	resp, err := http.Get(srv.HTTPURL() + "/api/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(b, []byte(srv.HTTPURL()+"/api/sessionMngr/?v=latest")) {
		t.Fatalf("plain HTTP entry point: %d %s", resp.StatusCode, b)
	}
}

func TestEndToEnd(t *testing.T) {
	srv, logs, pw := demoServer(t, false)
	cl := trustingClient(t, srv)
	root := srv.URL() + "/api"

	get := func(u string, json bool, set func(*http.Request)) (*http.Response, []byte) {
		t.Helper()
		r, err := http.NewRequest("GET", u, nil)
		if err != nil {
			t.Fatal(err)
		}
		if json {
			r.Header.Set("Accept", "application/json")
		}
		if set != nil {
			set(r)
		}
		resp, err := cl.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Proto != "HTTP/1.1" || resp.ContentLength != int64(len(b)) {
			t.Fatalf("GET %s: %s, Content-Length %d for %d bytes", u, resp.Proto, resp.ContentLength, len(b))
		}
		return resp, b
	}

	// Log on with Basic.
	lr, _ := http.NewRequest("POST", root+"/sessionMngr/?v=latest", nil)
	lr.SetBasicAuth("operator", pw)
	resp, err := cl.Do(lr)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("logon: %d %s", resp.StatusCode, body)
	}
	tok := resp.Header.Get(auth.SessionHeader)
	withToken := func(r *http.Request) { r.Header.Set(auth.SessionHeader, tok) }
	sessionHref := regexp.MustCompile(`LogonSession Href="([^"]+)"`).FindSubmatch(body)
	if sessionHref == nil {
		t.Fatalf("logon body %s", body)
	}

	// A task session by header, by cookie and by Basic.
	_, list := get(root+"/cdpReplicaTaskSessions", false, withToken)
	m := regexp.MustCompile(`Href="(` + regexp.QuoteMeta(root) + `/cdpReplicaTaskSessions/[0-9a-f-]{36})"`).FindSubmatch(list)
	if m == nil {
		t.Fatalf("no task session in the demo data: %s", list)
	}
	ts := string(m[1])
	for name, set := range map[string]func(*http.Request){
		"header": withToken,
		"cookie": func(r *http.Request) { r.AddCookie(&http.Cookie{Name: auth.SessionHeader, Value: tok}) },
		"basic":  func(r *http.Request) { r.SetBasicAuth(`LAB\operator`, pw) },
	} {
		if resp, b := get(ts+"?format=Entity", false, set); resp.StatusCode != 200 {
			t.Fatalf("task session by %s: %d %s", name, resp.StatusCode, b)
		}
	}

	// Crawl every Href reachable from the entry point, the logon session and
	// the collections, in XML and JSON, and require 200 for each. The query
	// service's presets ask for pages of 100, more rows than the demo world
	// has of any type, so nothing the server writes links to a second page;
	// one small-paged query per type starts the crawl on a result whose
	// paging links (Next, Last, then Previous) lead through every page.
	start := []string{root + "/", string(sessionHref[1]), root + "/querySvc"}
	for _, c := range []string{"backupServers", "cdpPolicies", "cdpReplicaSessions", "cdpReplicaTaskSessions"} {
		start = append(start, root+"/"+c, root+"/"+c+"?format=Entity")
	}
	start = append(start,
		root+"/query?type=BackupServer&pageSize=1&page=1",
		root+"/query?type=CdpPolicy&format=Entities&sortDesc=Name&pageSize=3&page=1",
		root+"/query?type=CdpReplicaSession&filter=State!=Working&sortDesc=CreationTimeUTC&pageSize=5&page=1",
		root+"/query?type=CdpReplicaTaskSession&format=Entities&filter=TotalSize>=0&sortAsc=VmDisplayName&pageSize=20&page=1")
	seen := map[string]bool{}
	queue := append([]string(nil), start...)
	for _, u := range queue {
		seen[u] = true
	}
	const limit = 100000 // the demo world of every kind yields about 26,000
	kinds := map[string]bool{}
	fetched := map[string]bool{} // URLs answered 200 in both formats
	linked := map[string]bool{}  // URLs some answer links to
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		for _, js := range []bool{false, true} {
			resp, b := get(u, js, withToken)
			if resp.StatusCode != 200 {
				t.Fatalf("GET %s (json %v): %d %s", u, js, resp.StatusCode, b)
			}
			for _, h := range hrefs(t, b, js) {
				if !strings.HasPrefix(h, root+"/") {
					t.Fatalf("%s links to %q, which is not below %s", u, h, root)
				}
				if strings.Contains(strings.ToLower(h), "/sessionmngr") { // action links: POST only
					continue
				}
				linked[h] = true
				if !seen[h] {
					if len(seen) >= limit {
						t.Fatalf("crawl passed %d URLs", limit)
					}
					seen[h] = true
					queue = append(queue, h)
				}
			}
		}
		fetched[u] = true
		p, _ := url.Parse(u)
		kinds[strings.Split(strings.TrimPrefix(p.Path, "/api/"), "/")[0]] = true
	}
	checkCrawlShapes(t, root, fetched, linked)
	for _, k := range []string{"backupServers", "cdpPolicies", "cdpReplicaSessions", "cdpReplicaTaskSessions", "replicaTaskSessions", "query", "logonSessions"} {
		if !kinds[k] {
			t.Errorf("the crawl never reached /api/%s", k)
		}
	}
	t.Logf("crawled %d URLs in both formats", len(seen))

	// Log off; the old token is refused.
	dr, _ := http.NewRequest("DELETE", string(sessionHref[1]), nil)
	withToken(dr)
	resp, err = cl.Do(dr)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 {
		t.Fatalf("logoff: %d", resp.StatusCode)
	}
	if resp, b := get(ts, false, withToken); resp.StatusCode != 401 {
		t.Fatalf("old token after logoff: %d %s", resp.StatusCode, b)
	}
	if l := logs.String(); strings.Contains(l, tok) || strings.Contains(l, pw) || !strings.Contains(l, "status=200") {
		t.Fatalf("log lines leak a secret or miss requests:\n%.2000s", l)
	}
}

// crawlShapes are the kinds of link a crawl of the demo world must follow:
// every endpoint of resources.md and transport-and-auth.md that a GET
// serves, each entity form, each query preset and a paging link past the
// first page. Patterns match the part of a URL after the API base; {id}
// stands for a lower-case GUID.
var crawlShapes = func() []struct {
	name string
	re   *regexp.Regexp
} {
	const id = `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`
	var out []struct {
		name string
		re   *regexp.Regexp
	}
	add := func(name, pattern string) {
		out = append(out, struct {
			name string
			re   *regexp.Regexp
		}{name, regexp.MustCompile("^" + strings.ReplaceAll(pattern, "{id}", id) + "$")})
	}
	add("/api/", `/`)
	add("/api/logonSessions", `/logonSessions`)
	add("/api/logonSessions/{id}", `/logonSessions/{id}`)
	for _, k := range []string{"backupServers", "cdpPolicies", "cdpReplicaSessions", "cdpReplicaTaskSessions"} {
		add("/api/"+k, `/`+k)
		add("/api/"+k+"?format=Entity", `/`+k+`\?format=Entity`)
		add("/api/"+k+"/{id}", `/`+k+`/{id}`)
		add("/api/"+k+"/{id}?format=Entity", `/`+k+`/{id}\?format=Entity`)
	}
	add("/api/cdpPolicies/{id}/includes", `/cdpPolicies/{id}/includes`)
	add("/api/cdpPolicies/{id}/includes/{objectId}", `/cdpPolicies/{id}/includes/{id}`)
	add("/api/cdpPolicies/{id}/cdpReplicaSessions", `/cdpPolicies/{id}/cdpReplicaSessions`)
	add("/api/cdpReplicaSessions/{id}/cdpReplicaTaskSessions", `/cdpReplicaSessions/{id}/cdpReplicaTaskSessions`)
	add("/api/replicaTaskSessions/{id}?format=Entity", `/replicaTaskSessions/{id}\?format=Entity`)
	add("/api/querySvc", `/querySvc`)
	for _, k := range []string{"BackupServer", "CdpPolicy", "CdpReplicaSession", "CdpReplicaTaskSession"} {
		add("/api/query?type="+k+"&…", `/query\?type=`+k+`&.*`)
		add("/api/query?type="+k+"&…&page=2 or later", `/query\?type=`+k+`&.*&page=([2-9]|[1-9][0-9]+)`)
	}
	return out
}()

// checkCrawlShapes requires, for every crawl shape, a URL that the crawl
// fetched with 200 and that some answer linked to, so that a start URL of
// the crawl does not stand in for a link the server fails to write.
func checkCrawlShapes(t *testing.T, root string, fetched, linked map[string]bool) {
	t.Helper()
	for _, sh := range crawlShapes {
		var got, link bool
		for u := range fetched {
			if sh.re.MatchString(strings.TrimPrefix(u, root)) {
				got = true
				if linked[u] {
					link = true
					break
				}
			}
		}
		switch {
		case !got:
			t.Errorf("the crawl never fetched a URL of the shape %s", sh.name)
		case !link:
			t.Errorf("the crawl fetched %s only as a start URL: no answer links to one", sh.name)
		}
	}
}

var xmlHref = regexp.MustCompile(`Href="([^"]*)"`)

// hrefs returns every Href of a body.
func hrefs(t *testing.T, b []byte, js bool) []string {
	t.Helper()
	if !js {
		var out []string
		for _, m := range xmlHref.FindAllSubmatch(b, -1) {
			out = append(out, html.UnescapeString(string(m[1])))
		}
		return out
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("not JSON: %v: %.300s", err, b)
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && strings.EqualFold(k, "Href") {
					out = append(out, s)
				} else {
					walk(x)
				}
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(v)
	return out
}
