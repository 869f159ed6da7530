package e2e

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/emcdp/emcdp"
)

// TestProbe sends every route of the API and of the control plane every
// class of bad input (malformed ids, parameters, bodies, headers and
// methods) as each kind of caller, on each store, and requires of every
// answer what the standards require: never a 5xx, an Error body in the
// negotiated format naming the status, Allow on a 405, no write answered
// for a caller without the role, nothing served without authentication but
// the public routes, and a server still up at the end. The server's log
// must then hold no password, Basic credentials or session token.
func TestProbe(t *testing.T) {
	bin := buildBinary(t)
	t.Run("sqlite", func(t *testing.T) {
		probe(t, bin, "sqlite://"+filepath.Join(t.TempDir(), "emcdp.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		probe(t, bin, freshSchema(t, testURL(t)))
	})
}

const (
	probeAdmin   = "probe-admin"
	probeReader  = "probe-reader"
	probePW      = "probe password 1"
	probeControl = "probe-control-token"
)

// probeRoutes returns the path shapes of the API below /api, "*" standing
// for an id: the fixed routes, then those of every described kind.
func probeRoutes() []string {
	rs := []string{"/", "/sessionMngr", "/logonSessions", "/logonSessions/*", "/query", "/querySvc",
		"/reports/summary", "/reports/summary/*", "/tasks", "/tasks/*",
		"/agents/backupSessions", "/nas/backupSessions", "/nas/jobs/*/includes/*", "/agents/jobs/*/includes/*"}
	for _, d := range emcdp.AllDescs {
		coll := "/" + strings.Trim(d.Path, "/")
		rs = append(rs, coll, coll+"/*")
		for _, p := range d.Parents {
			rs = append(rs, "/"+p.Pattern)
		}
		if d.Includes != nil {
			rs = append(rs, coll+"/*/includes", coll+"/*/includes/*")
		}
	}
	return rs
}

// publicRoute tells whether path (below /api) is served without
// authentication: the entry point and logon.
func publicRoute(path string) bool {
	p := strings.ToLower(strings.Trim(path, "/"))
	return p == "" || p == "sessionmngr"
}

// probeAnswer is one answer of the probe.
type probeAnswer struct {
	status int
	header http.Header
	body   []byte
}

func probeDo(t *testing.T, method, u string, hdr map[string]string, body []byte) probeAnswer {
	t.Helper()
	status, h, b := doBody(t, method, u, hdr, string(body))
	return probeAnswer{status, h, []byte(b)}
}

// checkAPIAnswer checks what every answer of the API must be: below 500, an
// Error body in the negotiated format naming its status, Allow on a 405.
func checkAPIAnswer(t *testing.T, label string, wantJSON bool, a probeAnswer) {
	t.Helper()
	if a.status >= 500 {
		t.Errorf("%s: %d %.300s", label, a.status, a.body)
		return
	}
	if a.status == http.StatusMethodNotAllowed && a.header.Get("Allow") == "" {
		t.Errorf("%s: 405 without Allow", label)
	}
	if a.status < 400 {
		return
	}
	if a.status == http.StatusRequestHeaderFieldsTooLarge {
		return // answered by net/http before the API (docs/security.md)
	}
	ct := a.header.Get("Content-Type")
	var got int
	if wantJSON {
		var e struct {
			StatusCode int
			Message    string
		}
		if !strings.HasPrefix(ct, "application/json") || json.Unmarshal(bytes.TrimPrefix(a.body, []byte("\xef\xbb\xbf")), &e) != nil || e.Message == "" {
			t.Errorf("%s: %d %s without a JSON Error body: %.300s", label, a.status, ct, a.body)
			return
		}
		got = e.StatusCode
	} else {
		var e struct {
			XMLName    xml.Name `xml:"Error"`
			Message    string   `xml:",attr"`
			StatusCode int      `xml:",attr"`
		}
		if !strings.HasPrefix(ct, "application/xml") || xml.Unmarshal(bytes.TrimPrefix(a.body, []byte("\xef\xbb\xbf")), &e) != nil || e.Message == "" {
			t.Errorf("%s: %d %s without an XML Error body: %.300s", label, a.status, ct, a.body)
			return
		}
		got = e.StatusCode
	}
	if got != a.status {
		t.Errorf("%s: a %d answer whose Error body says %d", label, a.status, got)
	}
}

func probe(t *testing.T, bin, db string) {
	run(t, bin, "", "seed", "--db", db, "--servers", "1", "--policies", "1", "--vms", "2", "--jobs", "2", "--days", "1")
	run(t, bin, probePW+"\n", "user", "add", probeAdmin, "--role", "PortalAdministrator", "--db", db)
	run(t, bin, probePW+"\n", "user", "add", probeReader, "--role", "PortalUser", "--db", db)
	r := serve(t, bin, db, "--control", "--control-token", probeControl, "--log-level", "debug", "--task-delay", "1h")
	adminTok, adminID := logon(t, r, probeAdmin, probePW)
	readerTok, readerID := logon(t, r, probeReader, probePW)
	root := strings.TrimSuffix(r.base, "/api")

	callers := []struct {
		name   string
		hdr    map[string]string
		authed bool
		writer bool
	}{
		{"anonymous", map[string]string{}, false, false},
		{"bad-token", map[string]string{"X-RestSvcSessionId": "bm90LWEtdG9rZW4="}, false, false},
		{"bad-basic", map[string]string{"Authorization": "Basic %%%not-base64"}, false, false},
		{"reader", map[string]string{"X-RestSvcSessionId": readerTok}, true, false},
		{"reader-basic", basic(probeReader, probePW), true, false},
		{"admin", map[string]string{"X-RestSvcSessionId": adminTok}, true, true},
	}
	ids := []string{"nope", "%00", "%FF%FE", "%2e%2e", "urn:veeam:CdpPolicy:0f9e8d7c-6b5a-4c3d-9e2f-1a0b9c8d7e6f",
		"0F9E8D7C-6B5A-4C3D-9E2F-1A0B9C8D7E6F", "{0f9e8d7c-6b5a-4c3d-9e2f-1a0b9c8d7e6f}", "0f9e8d7c6b5a4c3d9e2f1a0b9c8d7e6f",
		"task-0", "task-99999999999999999999", "task--1", strings.Repeat("a", 8000), "%25zz", "a%20b"}
	methods := []string{"GET", "HEAD", "PUT", "POST", "DELETE", "PATCH", "OPTIONS"}

	t.Run("Routes", func(t *testing.T) {
		n := 0
		for _, route := range probeRoutes() {
			for i, id := range ids {
				if i > 0 && !strings.Contains(route, "*") {
					break
				}
				path := strings.ReplaceAll(route, "*", id)
				for _, m := range methods {
					for j, c := range callers {
						if i > 0 && j < 3 {
							continue // the callers without credentials are refused before the id is read
						}
						n++
						js := n%2 == 0
						hdr := map[string]string{}
						for k, v := range c.hdr {
							hdr[k] = v
						}
						if js {
							hdr["Accept"] = "application/json"
						}
						label := fmt.Sprintf("%s %.80s as %s json=%v", m, path, c.name, js)
						a := probeDo(t, m, r.base+path+"?format=Entity", hdr, nil)
						if m != "HEAD" {
							checkAPIAnswer(t, label, js, a)
						} else if a.status >= 500 {
							t.Errorf("%s: %d", label, a.status)
						}
						if !c.authed && !publicRoute(path) && a.status < 400 {
							t.Errorf("%s: %d without authentication", label, a.status)
						}
						if !c.writer && m != "GET" && m != "HEAD" && a.status < 300 && !publicRoute(path) &&
							!strings.HasPrefix(strings.ToLower(path), "/logonsessions/") && !strings.HasPrefix(strings.ToLower(path), "/tasks/") {
							t.Errorf("%s: %d for a caller that may not write", label, a.status)
						}
					}
				}
			}
		}
		t.Logf("%d requests", n)
	})

	// A real policy and job, so that bodies reach their parsers.
	pols := probeDo(t, "GET", r.base+"/cdpPolicies", map[string]string{"X-RestSvcSessionId": adminTok}, nil)
	jobs := probeDo(t, "GET", r.base+"/jobs", map[string]string{"X-RestSvcSessionId": adminTok}, nil)
	idRe := regexp.MustCompile(`/api/(?:cdpPolicies|jobs)/([0-9a-f-]{36})"`)
	pm, jm := idRe.FindSubmatch(pols.body), idRe.FindSubmatch(jobs.body)
	if pm == nil || jm == nil {
		t.Fatalf("no policy or job in the seeded world:\n%s\n%s", pols.body, jobs.body)
	}
	policy, job := "/cdpPolicies/"+string(pm[1]), "/jobs/"+string(jm[1])

	t.Run("Parameters", func(t *testing.T) {
		big := strings.Repeat("9", 40)
		params := []string{
			"format=Reference", "format=%00", "format=Entity&format=Reference", "FORMAT=%FF",
			"type=Nope", "type=", "type=CdpReplicaTaskSession&type=BackupServer", "type=Task&filter=State==x",
			"pageSize=0", "pageSize=-1", "pageSize=" + big, "pageSize=1e3", "pageSize=10001", "page=0", "page=-5", "page=" + big,
			"pageSize=1&page=2147483647", "pageSize=10000&page=2147483647", "page=9223372036854775807&pageSize=10000",
			"filter=" + strings.Repeat("(", 150) + "Name==a" + strings.Repeat(")", 150),
			"filter=Name==%22unterminated", "filter=CreationTime>=2026-13-45", "filter=CreationTime>=notadate",
			"filter=TotalSize>=1e999", "filter=TotalSize>=" + big, "filter=State==Bogus", "filter=Nope==1",
			"filter=Name==a;;;", "filter=,,,", "filter===", "filter=Name=in=(", "filter=Name==" + strings.Repeat("x", 40000),
			"sortAsc=Nope", "sortDesc=", "sortAsc=Name&sortDesc=Name", "Name==a&Name==b", "%zz=%zz", "a=%",
			"fields=" + strings.Repeat("Name,", 2000), "action=%00", "action=" + strings.Repeat("x", 5000),
			"v=latest&v=nope", "period=Bogus", "period=" + big, "from=notadate", "to=2026-02-30T00:00:00Z",
			"vmName=%00", "name=" + strings.Repeat("n", 5000), "includeAll=maybe",
		}
		paths := []string{"/query", "/querySvc", "/cdpPolicies", "/cdpReplicaTaskSessions", "/backupSessions", "/tasks",
			"/reports/summary", "/reports/summary/overview", "/reports/summary/vms_overview", "/reports/summary/job_statistics",
			"/reports/summary/processed_vms", "/reports/summary/repository", "/agents/backupSessions", policy, job,
			policy + "/includes", "/logonSessions"}
		for _, p := range paths {
			for _, q := range params {
				for _, types := range []string{"", "type=CdpReplicaTaskSession&", "type=Task&", "type=BackupJobSession&"} {
					if types != "" && !strings.HasPrefix(p, "/query") {
						continue
					}
					for _, js := range []bool{false, true} {
						hdr := map[string]string{"X-RestSvcSessionId": readerTok}
						if js {
							hdr["Accept"] = "application/json"
						}
						a := probeDo(t, "GET", r.base+p+"?"+types+q, hdr, nil)
						checkAPIAnswer(t, fmt.Sprintf("GET %s?%.100s json=%v", p, types+q, js), js, a)
					}
				}
			}
		}
	})

	t.Run("Bodies", func(t *testing.T) {
		laughs := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">` +
			`<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><CdpPolicy><Description>&lol3;</Description></CdpPolicy>`
		xxe := `<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><CdpPolicy><Description>&x;</Description></CdpPolicy>`
		bodies := []struct {
			ctype, body string
		}{
			{"", ""}, {"application/xml", ""}, {"application/json", ""}, {"application/json", "null"}, {"application/json", "[]"},
			{"application/json", `{"Description":`}, {"application/json", `{"Description":1}`}, {"application/json", "\xff\xfe{}"},
			{"application/json", strings.Repeat("[", 100000)}, {"application/json", `{"a":` + strings.Repeat(`{"a":`, 20000) + "1" + strings.Repeat("}", 20001)},
			{"application/xml", laughs}, {"application/xml", xxe}, {"text/xml", "<CdpPolicy>"}, {"application/xml", "<a></b>"},
			{"application/xml", strings.Repeat("<a>", 100000)}, {"application/xml", "<?xml version=\"1.0\" encoding=\"UTF-16\"?><CdpPolicy/>"},
			{"application/xml", "<CdpPolicy xmlns:x=\"y\"><x:Description>a</x:Description></CdpPolicy>"},
			{"text/plain", "{}"}, {"application/json; charset=latin1", "{}"}, {"multipart/form-data; boundary=x", "--x--"},
			{"application/json", `{"Description":"` + strings.Repeat("x", 2<<20) + `"}`}, {"%%%", "{}"},
			{"application/json", `{"NextRun":"yesterday"}`}, {"application/json", `{"PolicyScheduleOptions":{"CdpReplica":{"RecoveryPointObjectiveSeconds":1e99}}}`},
			{"application/json", `{"HierarchyObjRef":"` + strings.Repeat("u", 100000) + `"}`},
			{"application/xml", "<CreateObjectInJobSpec><HierarchyObjRef>\x00</HierarchyObjRef></CreateObjectInJobSpec>"},
		}
		targets := []struct{ method, path string }{
			{"PUT", policy}, {"POST", policy + "/includes"}, {"POST", job + "?action=clone"}, {"POST", policy + "?action=disable"},
			{"POST", "/sessionMngr/?v=latest"}, {"PUT", policy + "?format=Entity"},
		}
		for _, tg := range targets {
			for i, b := range bodies {
				for _, js := range []bool{false, true} {
					hdr := map[string]string{"X-RestSvcSessionId": adminTok}
					if js {
						hdr["Accept"] = "application/json"
					}
					if b.ctype != "" {
						hdr["Content-Type"] = b.ctype
					}
					a := probeDo(t, tg.method, r.base+tg.path, hdr, []byte(b.body))
					label := fmt.Sprintf("%s %s body %d json=%v", tg.method, tg.path, i, js)
					checkAPIAnswer(t, label, js, a)
					// A DTD's entities are never expanded nor fetched, and a
					// body over the limit is never read: both are 400 where
					// the body is parsed.
					parsed := tg.method == "PUT" || strings.HasSuffix(tg.path, "/includes")
					if parsed && (strings.Contains(b.body, "ENTITY") || len(b.body) > 1<<20) && a.status != http.StatusBadRequest {
						t.Errorf("%s: %d for a body that must be refused with 400", label, a.status)
					}
				}
			}
		}
	})

	t.Run("Headers", func(t *testing.T) {
		headers := []map[string]string{
			{"Accept": "application/json;q=abc"}, {"Accept": "*/*;q=0"}, {"Accept": "application/json, application/xml;q=2"},
			{"Accept": "text/html"}, {"Accept": strings.Repeat("application/json,", 3000)},
			{"Authorization": "Basic"}, {"Authorization": "Basic "}, {"Authorization": "Basic Og=="}, {"Authorization": "Basic " + strings.Repeat("QUFB", 10000)},
			{"Authorization": "Bearer " + adminTok}, {"Authorization": "Basic //4="}, {"Authorization": "NTLM TlRMTVNTUAABAAAA"},
			{"X-RestSvcSessionId": ""}, {"X-RestSvcSessionId": strings.Repeat("A", 20000)}, {"X-RestSvcSessionId": "%00"},
			{"X-RestSvcSessionId": readerTok + "=="}, {"X-RestSvcSessionId": strings.ToLower(readerTok)},
			{"Cookie": "X-RestSvcSessionId=" + strings.Repeat("%", 3000)}, {"Cookie": strings.Repeat("a=b; ", 5000)},
			{"Content-Type": "application/json"}, {"X-Request-Id": strings.Repeat("x", 5000)},
			{"Accept-Encoding": "gzip;q=abc"},
		}
		for _, p := range []string{"/", "/cdpPolicies", "/query?type=CdpReplicaTaskSession", "/sessionMngr/?v=latest", policy} {
			for i, h := range headers {
				for _, m := range []string{"GET", "POST"} {
					a := probeDo(t, m, r.base+p, h, nil)
					js := strings.HasPrefix(a.header.Get("Content-Type"), "application/json")
					checkAPIAnswer(t, fmt.Sprintf("%s %s header set %d", m, p, i), js, a)
					if p != "/" && p != "/sessionMngr/?v=latest" && a.status < 400 {
						t.Errorf("%s %s header set %d: %d with no valid credentials", m, p, i, a.status)
					}
				}
			}
		}
	})

	t.Run("Control", func(t *testing.T) {
		tok := map[string]string{"Authorization": "Bearer " + probeControl}
		paths := []string{"world", "reset", "scenario", "clock", "faults", "faults/nope", "faults/%00", "requests",
			"requests?status=abc", "requests?limit=-1", "requests?since=yesterday", "requests?limit=" + strings.Repeat("9", 30),
			"overview?limit=-1", "overview?limit=" + strings.Repeat("9", 30), "timeline?from=x", "timeline?buckets=-1",
			"timeline?buckets=" + strings.Repeat("9", 30), "timeline?pageSize=100000", "timeline?page=9223372036854775807", "sessions/nope", "sessions/%00",
			"sessions/" + strings.Repeat("a", 5000), "episodes?limit=-1", "nope", "health", "ready",
			"ui/", "ui/app.js", "ui/index.html", "ui/logon.js", "ui/logon", "ui/logoff", "ui/nope", "ui/%00", "ui/..%2fworld"}
		// The console's logon page and its files answer GET to anyone.
		logonPage := map[string]bool{"ui/": true, "ui/logon.js": true}
		bodies := []string{"", "{", "[]", `{"scale":-1}`, `{"scale":1e309}`, `{"advance":"-1h"}`, `{"advance":"99999h"}`,
			`{"colour":1}`, `{"status":999}`, `{"status":200,"delay":"999h"}`, strings.Repeat("[", 100000)}
		for _, p := range paths {
			for _, m := range []string{"GET", "POST", "DELETE", "PUT"} {
				if (p == "reset" || p == "faults" || p == "requests") && m != "GET" {
					continue // they work, and would undo the probe's world or journal
				}
				for _, withTok := range []bool{false, true} {
					hdr := map[string]string{}
					if withTok {
						hdr = tok
					}
					for _, b := range bodies {
						if m == "GET" && b != "" {
							continue
						}
						if p == "scenario" && (b == "" || b == "[]") && withTok {
							continue // an empty body loads the demo world: a valid request
						}
						if p == "clock" && m == "POST" && withTok && b == "[]" {
							continue
						}
						a := probeDo(t, m, root+"/_emcdp/"+p, hdr, []byte(b))
						label := fmt.Sprintf("%s /_emcdp/%.60s token=%v body %.20q", m, p, withTok, b)
						if a.status >= 500 && !(p == "ready" && a.status == http.StatusServiceUnavailable) {
							t.Errorf("%s: %d %.300s", label, a.status, a.body)
						}
						if a.status >= 400 {
							var e struct{ Error string }
							if json.Unmarshal(a.body, &e) != nil || e.Error == "" {
								if !(p == "ready" && a.status == http.StatusServiceUnavailable) {
									t.Errorf("%s: %d without a JSON error: %.300s", label, a.status, a.body)
								}
							}
						}
						if a.status == http.StatusMethodNotAllowed && a.header.Get("Allow") == "" {
							t.Errorf("%s: 405 without Allow", label)
						}
						if !withTok && p != "health" && p != "ready" && !(logonPage[p] && m == "GET") && a.status < 400 {
							t.Errorf("%s: %d without the token", label, a.status)
						}
					}
				}
			}
		}
	})

	// The server still answers, with the sessions it had.
	for _, tok := range []string{adminTok, readerTok} {
		if a := probeDo(t, "GET", r.base+"/cdpPolicies", map[string]string{"X-RestSvcSessionId": tok}, nil); a.status != http.StatusOK {
			t.Fatalf("after the probe: %d %.300s", a.status, a.body)
		}
	}
	logs := r.logs.String()
	for _, secret := range []string{probePW, adminTok, readerTok, adminID, readerID,
		strings.TrimPrefix(basic(probeReader, probePW)["Authorization"], "Basic "), probeControl} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log holds the secret %q", secret)
		}
	}
	jr := probeDo(t, "GET", root+"/_emcdp/requests?limit=100000", map[string]string{"Authorization": "Bearer " + probeControl}, nil)
	for _, secret := range []string{probePW, adminTok, readerTok, adminID, readerID, probeControl} {
		if bytes.Contains(jr.body, []byte(secret)) {
			t.Errorf("the control journal holds the secret %q", secret)
		}
	}
}
