package wire

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	emcdp "github.com/emcdp/emcdp"
)

func TestCamelCase(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"UID", "uid"},
		{"CreationTimeUTC", "creationTimeUTC"},
		{"VAppRestorePoints", "vAppRestorePoints"},
		{"VSphereSelfServiceConfigs", "vSphereSelfServiceConfigs"},
		{"NASJobs", "nasJobs"},
		{"PagingInfo", "pagingInfo"},
		{"Links", "links"},
		{"RPOSchedule", "rpoSchedule"},
		{"VmDisplayName", "vmDisplayName"},
		{"EnterpiseRoles", "enterpiseRoles"},
		{"ObjectInJobId", "objectInJobId"},
		{"A", "a"},
		{"ID", "id"},
		{"IDs", "iDs"},
		{"URLValue", "urlValue"},
		{"already", "already"},
		{"", ""},
		{"9Lives", "9Lives"},
		{"AB CD", "ab CD"},
	} {
		if got := CamelCase(c.in); got != c.want {
			t.Errorf("CamelCase(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestDateTime(t *testing.T) {
	base := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	east := time.FixedZone("UTC+3", 3*3600)
	for _, c := range []struct {
		t    time.Time
		want string
	}{
		{base, "2026-03-04T05:06:07Z"},
		{base.Add(500 * time.Millisecond), "2026-03-04T05:06:07.5Z"},
		{base.Add(123456700 * time.Nanosecond), "2026-03-04T05:06:07.1234567Z"},
		{base.Add(100 * time.Nanosecond), "2026-03-04T05:06:07.0000001Z"},
		{base.Add(99 * time.Nanosecond), "2026-03-04T05:06:07Z"},                // below the 100 ns tick
		{base.Add(123456789 * time.Nanosecond), "2026-03-04T05:06:07.1234567Z"}, // truncated, not rounded
		{base.Add(10 * time.Millisecond), "2026-03-04T05:06:07.01Z"},
		{base.Add(847 * time.Millisecond), "2026-03-04T05:06:07.847Z"},
		{base.In(east), "2026-03-04T05:06:07Z"}, // always written in UTC
		{time.Date(2026, 3, 4, 8, 6, 7, 500000000, east), "2026-03-04T05:06:07.5Z"},
		{time.Date(2026, 12, 31, 23, 59, 59, 999999999, time.UTC), "2026-12-31T23:59:59.9999999Z"},
	} {
		if got := FormatDateTime(c.t); got != c.want {
			t.Errorf("FormatDateTime(%v) = %s, want %s", c.t, got, c.want)
		}
	}
}

func TestXMLEscaping(t *testing.T) {
	for _, c := range []struct{ in, text, attr string }{
		{"plain", "plain", "plain"},
		{"a&b", "a&amp;b", "a&amp;b"},
		{`<"x">`, `&lt;"x"&gt;`, `&lt;&quot;x&quot;&gt;`},
		{"l1\nl2\tx\r", "l1\nl2\tx&#xD;", "l1&#xA;l2&#x9;x&#xD;"},
		{"ctl\x01\x1f", "ctl\uFFFD\uFFFD", "ctl\uFFFD\uFFFD"},
		{"bad\xffutf8", "bad\uFFFDutf8", "bad\uFFFDutf8"},
		{"ñ€😀", "ñ€😀", "ñ€😀"},
		{"\uFFFE", "\uFFFD", "\uFFFD"},
	} {
		if got := string(appendXMLText(nil, c.in)); got != c.text {
			t.Errorf("text %q: got %q, want %q", c.in, got, c.text)
		}
		if got := string(appendXMLAttr(nil, c.in)); got != c.attr {
			t.Errorf("attr %q: got %q, want %q", c.in, got, c.attr)
		}
	}
}

func TestJSONEscaping(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"plain", `"plain"`},
		{`LAB\operator`, `"LAB\\operator"`},
		{`say "hi"`, `"say \"hi\""`},
		{"<a&b>", `"<a&b>"`},
		{"\b\f\n\r\t\x00\x1f", `"\b\f\n\r\t\u0000\u001f"`},
		{"bad\xffutf8", `"bad\ufffdutf8"`},
		{"\u0085\u2028\u2029", `"\u0085\u2028\u2029"`},
		{"ñ😀", `"ñ😀"`},
	} {
		if got := string(appendJSONString(nil, c.in)); got != c.want {
			t.Errorf("%q: got %s, want %s", c.in, got, c.want)
		}
	}
}

// FuzzEscapeRoundTrip checks that any valid UTF-8 string that XML can carry
// comes back unchanged from encoding/xml and encoding/json after escaping,
// and that any input at all yields well-formed output.
func FuzzEscapeRoundTrip(f *testing.F) {
	for _, s := range []string{"", "a&b", `<"'>`, "l1\nl2\r\n\t", "\x00\xff", "ñ\u2028", "]]>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		doc := "<r a=\"" + string(appendXMLAttr(nil, s)) + "\">" + string(appendXMLText(nil, s)) + "</r>"
		var v struct {
			A    string `xml:"a,attr"`
			Text string `xml:",chardata"`
		}
		if err := xml.Unmarshal([]byte(doc), &v); err != nil {
			t.Fatalf("%q: not well-formed: %v", s, err)
		}
		if xmlCarries(s) && (v.A != s || v.Text != s) {
			t.Fatalf("%q: XML round trip gave attr %q, text %q", s, v.A, v.Text)
		}
		var js string
		if err := json.Unmarshal(appendJSONString(nil, s), &js); err != nil {
			t.Fatalf("%q: invalid JSON: %v", s, err)
		}
		if utf8.ValidString(s) && js != s {
			t.Fatalf("%q: JSON round trip gave %q", s, js)
		}
	})
}

// xmlCarries reports whether s is valid UTF-8 made only of XML 1.0 characters.
func xmlCarries(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF {
			return false
		}
	}
	return true
}

// TestHrefEscaping checks that a base with special characters is escaped in
// every Href, in both formats.
func TestHrefEscaping(t *testing.T) {
	ts := exTaskSessions(t)
	const base = `https://em.lab.local:9398/api?a=1&b="2"`
	x := string(encXML.TaskSession(nil, base, &ts[0], Entity))
	if strings.Contains(x, "&b") || !strings.Contains(x, `?a=1&amp;b=&quot;2&quot;/replicaTaskSessions/`) {
		t.Errorf("XML Href not escaped:\n%s", x)
	}
	if err := checkXML([]byte(x)); err != nil {
		t.Error(err)
	}
	j := encV12.TaskSession(nil, base, &ts[0], Entity)
	var v struct{ Href string }
	if err := json.Unmarshal(j, &v); err != nil {
		t.Fatal(err)
	}
	if want := base + "/replicaTaskSessions/" + ts[0].ID.String() + "?format=Entity"; v.Href != want {
		t.Errorf("JSON Href %q, want %q", v.Href, want)
	}
}

func TestContentTypeAndBOM(t *testing.T) {
	if got := encXML.ContentType(); got != "application/xml; charset=utf-8" {
		t.Errorf("XML content type %q", got)
	}
	if got := encV13.ContentType(); got != "application/json; charset=utf-8" {
		t.Errorf("JSON content type %q", got)
	}
	bom := Encoder{Format: JSON, BOM: true}
	if got := bom.Error(nil, 404, "x"); !bytes.HasPrefix(got, []byte("\xEF\xBB\xBF{")) {
		t.Errorf("JSON with BOM starts %q", got[:4])
	}
	if got := encV12.Error(nil, 404, "x"); got[0] != '{' {
		t.Errorf("JSON without BOM starts %q", got[:1])
	}
	if got := (Encoder{BOM: true}).Error(nil, 404, "x"); !bytes.HasPrefix(got, []byte("<?xml")) {
		t.Errorf("XML starts %q", got[:5])
	}
}

// TestAppends checks that every writer appends to what dst already holds.
func TestAppends(t *testing.T) {
	ts := exTaskSessions(t)
	for _, e := range []Encoder{encXML, encV12} {
		prefix := []byte("PREFIX")
		got := e.TaskSession(prefix, exBase, &ts[0], Entity)
		want := e.TaskSession(nil, exBase, &ts[0], Entity)
		if !bytes.Equal(got, append([]byte("PREFIX"), want...)) {
			t.Errorf("format %v: prefix not kept", e.Format)
		}
	}
}

// TestNothingToWrite checks that missing values and unknown kinds give a 500
// Error body instead of a panic.
func TestNothingToWrite(t *testing.T) {
	res := &emcdp.QueryResult{}
	for _, e := range []Encoder{encXML, encV12} {
		for name, b := range map[string][]byte{
			"server":     e.BackupServer(nil, exBase, nil, Entity),
			"policy":     e.CdpPolicy(nil, exBase, nil, Entity),
			"session":    e.PolicySession(nil, exBase, nil, Entity),
			"task":       e.TaskSession(nil, exBase, nil, Reference),
			"object":     e.Include(nil, exBase, emcdp.KindCdpPolicy, emcdp.ID{}, "", nil),
			"logon":      e.LogonSession(nil, exBase, nil),
			"list kind":  e.List(nil, exBase, emcdp.Kind(0), res, Entity),
			"list nil":   e.List(nil, exBase, emcdp.KindCdpPolicy, nil, Entity),
			"query kind": e.QueryResult(nil, exBase, emcdp.Kind(99), res, Entity, Paging{}),
		} {
			if !bytes.Contains(b, []byte("500")) || !bytes.Contains(b, []byte("Internal error")) {
				t.Errorf("%s (format %v): got %s", name, e.Format, b)
			}
		}
	}
}

// TestQuirks pins Q1 and Q2 and the difference between reference and entity
// Alternate links.
func TestQuirks(t *testing.T) {
	ts := exTaskSessions(t)
	ps := exPolicySession(t)
	id := ts[0].ID.String()

	ent := string(encXML.TaskSession(nil, exBase, &ts[0], Entity))
	if !strings.Contains(ent, `<CdpReplicaTaskSession Href="`+exBase+"/replicaTaskSessions/"+id+`?format=Entity"`) {
		t.Errorf("Q1: entity Href is not under /replicaTaskSessions/:\n%s", ent)
	}
	if !strings.Contains(ent, `Href="`+exBase+"/cdpReplicaTaskSessions/"+id+`" Name="`+ts[0].Name+`" Type="CdpReplicaTaskSessionReference" Rel="Alternate"`) {
		t.Errorf("entity Alternate wrong:\n%s", ent)
	}
	ref := string(encXML.TaskSession(nil, exBase, &ts[0], Reference))
	if !strings.Contains(ref, `Href="`+exBase+"/cdpReplicaTaskSessions/"+id+`?format=Entity" Name="`+ts[0].Name+`" Type="CdpReplicaTaskSession" Rel="Alternate"`) {
		t.Errorf("reference Alternate wrong:\n%s", ref)
	}

	res := &emcdp.QueryResult{Total: 1, PolicySessions: []emcdp.PolicySession{ps}}
	q := string(encXML.QueryResult(nil, exBase, emcdp.KindCdpReplicaSession, res, Entity, Paging{PageNum: 1, PageSize: 100, PagesCount: 1}))
	if !strings.Contains(q, "<CdpReplicaSessions>\n      <CdpPolicySession Href=") ||
		!strings.Contains(q, `Type="CdpReplicaSession"`) || !strings.Contains(q, "</CdpPolicySession>") {
		t.Errorf("Q2: query result does not write CdpPolicySession items:\n%s", q)
	}
	l := string(encXML.List(nil, exBase, emcdp.KindCdpReplicaSession, res, Entity))
	if strings.Contains(l, "CdpPolicySession") || !strings.Contains(l, "<CdpReplicaSession Href=") {
		t.Errorf("Q2: collection list must use CdpReplicaSession:\n%s", l)
	}
}

// TestTaskSessionAllocs checks that a task session entity is written
// without allocating once the buffer is large enough.
func TestTaskSessionAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes allocation counts")
	}
	ts := exTaskSessions(t)
	for _, e := range []Encoder{encXML, encV12, encV13} {
		buf := make([]byte, 0, 8192)
		n := testing.AllocsPerRun(100, func() {
			buf = e.TaskSession(buf[:0], exBase, &ts[1], Entity)
		})
		if n != 0 {
			t.Errorf("format %v profile %v: %v allocations per task session entity", e.Format, e.Profile, n)
		}
	}
}

// TestQueryPageAllocs checks that a page of task sessions, references and
// entities, is written without allocating once the buffer is large enough:
// the base is tested for escaping once per page, not copied.
func TestQueryPageAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes allocation counts")
	}
	ts := exTaskSessions(t)
	res := &emcdp.QueryResult{Total: 1000}
	for i := range 100 {
		res.TaskSessions = append(res.TaskSessions, ts[i%2])
	}
	p := exPaging()
	for _, e := range []Encoder{encXML, encV12, encV13} {
		for _, r := range []Rep{Reference, Entity} {
			buf := make([]byte, 0, 1<<20)
			n := testing.AllocsPerRun(20, func() {
				buf = e.QueryResult(buf[:0], exBase, emcdp.KindCdpReplicaTaskSession, res, r, p)
			})
			if n != 0 {
				t.Errorf("format %v profile %v rep %v: %v allocations per page", e.Format, e.Profile, r, n)
			}
		}
	}
}

func benchTaskSession(b *testing.B, e Encoder) {
	ts := exTaskSessions(b)
	buf := make([]byte, 0, 8192)
	b.ReportAllocs()
	for b.Loop() {
		buf = e.TaskSession(buf[:0], exBase, &ts[1], Entity)
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkTaskSessionEntityXML(b *testing.B)     { benchTaskSession(b, encXML) }
func BenchmarkTaskSessionEntityJSON(b *testing.B)    { benchTaskSession(b, encV12) }
func BenchmarkTaskSessionEntityJSONv13(b *testing.B) { benchTaskSession(b, encV13) }

// BenchmarkQueryPage writes a page of 100 task session entities, the
// default page size of the query service.
func BenchmarkQueryPage(b *testing.B) {
	ts := exTaskSessions(b)
	res := &emcdp.QueryResult{Total: 1000}
	for i := 0; i < 100; i++ {
		res.TaskSessions = append(res.TaskSessions, ts[i%2])
	}
	p := exPaging()
	for _, c := range []struct {
		name string
		e    Encoder
	}{{"XML", encXML}, {"JSON", encV12}} {
		b.Run(c.name, func(b *testing.B) {
			buf := make([]byte, 0, 1<<20)
			b.ReportAllocs()
			for b.Loop() {
				buf = c.e.QueryResult(buf[:0], exBase, emcdp.KindCdpReplicaTaskSession, res, Entity, p)
			}
			b.SetBytes(int64(len(buf)))
		})
	}
}

// BenchmarkReferenceList writes a collection of 1000 task session
// references, the shape of GET /api/cdpReplicaTaskSessions.
func BenchmarkReferenceList(b *testing.B) {
	ts := exTaskSessions(b)
	res := &emcdp.QueryResult{Total: 1000}
	for i := 0; i < 1000; i++ {
		res.TaskSessions = append(res.TaskSessions, ts[i%2])
	}
	for _, c := range []struct {
		name string
		e    Encoder
	}{{"XML", encXML}, {"JSON", encV12}} {
		b.Run(c.name, func(b *testing.B) {
			buf := make([]byte, 0, 1<<20)
			b.ReportAllocs()
			for b.Loop() {
				buf = c.e.List(buf[:0], exBase, emcdp.KindCdpReplicaTaskSession, res, Reference)
			}
			b.SetBytes(int64(len(buf)))
		})
	}
}
