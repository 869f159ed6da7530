package query

import (
	"errors"
	"html"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/emcdp/emcdp"
)

const base = "https://em.lab.local:9398/api"

// exampleFilter is the filter of the spec's query-task-sessions-entities
// example, and exampleHref its paging link for page 1.
const (
	exampleFilter = `CreationTimeUTC>="2026-06-15";State==Completed,Result>=Warning`
	exampleHref   = base + "/query?type=CdpReplicaTaskSession&format=Entities&filter=CreationTimeUTC%3e%3d%222026-06-15%22%3bState%3d%3dCompleted%2cResult%3e%3dWarning&pageSize=2&page="
)

func mustRequest(t *testing.T, raw string) *Request {
	t.Helper()
	r, err := ParseRequest(raw, 0)
	if err != nil {
		t.Fatalf("ParseRequest(%q): %v", raw, err)
	}
	return r
}

// TestClientEncodings sends the same query in every encoding that real
// clients use (clients.md row 10); all must parse to the same request.
func TestClientEncodings(t *testing.T) {
	want, err := Parse(kTask, exampleFilter)
	if err != nil {
		t.Fatal(err)
	}
	for _, raw := range []string{
		`type=CdpReplicaTaskSession&format=Entities&filter=CreationTimeUTC>="2026-06-15";State==Completed,Result>=Warning&pageSize=2`,
		`type=CdpReplicaTaskSession&format=Entities&filter=CreationTimeUTC%3e%3d%222026-06-15%22%3bState%3d%3dCompleted%2cResult%3e%3dWarning&pageSize=2`,
		`type=CdpReplicaTaskSession&format=Entities&filter=CreationTimeUTC%3E%3D%222026-06-15%22%3BState%3D%3DCompleted%2CResult%3E%3DWarning&pageSize=2`,
		`type=CdpReplicaTaskSession&format=Entities&filter=CreationTimeUTC%3e%3D"2026-06-15"%3bState==Completed,Result>%3dWarning&pageSize=2`,
		`type=CdpReplicaTaskSession&format=Entities&filter=CreationTimeUTC+>=+"2026-06-15"+;+State+==+Completed+,+Result+>=+Warning&pageSize=2`,
		`type=CdpReplicaTaskSession&format=Entities&filter=CreationTimeUTC%20>=%202026-06-15T00:00:00;State==Completed,Result>=Warning&pageSize=2`,
		`type=CdpReplicaTaskSession&format=Entities&filter=creationtime>=2026-06-15T00:00:00;state==completed,RESULT>=warning&pageSize=2`,
		`TYPE=cdpreplicatasksession&FORMAT=entities&Filter=CreationTimeUTC>=2026-06-15T00:00:00Z;State==Completed,Result>=Warning&PageSize=2&v=latest`,
		`type=CdpReplicaTaskSession&format=entities&filter=CreationTimeUTC>=2026-06-15T02:00:00%2B02:00;State==Completed,Result>=Warning&pagesize=2`,
	} {
		r := mustRequest(t, raw)
		if r.Query.Kind != kTask || !r.Entities || r.Query.PageSize != 2 || r.Query.Page != 1 || r.Query.Sort != nil {
			t.Errorf("%s: got %+v entities=%v", raw, r.Query, r.Entities)
		}
		if !reflect.DeepEqual(r.Query.Filter, want) {
			t.Errorf("%s:\n filter %s\n want   %s", raw, Format(r.Query.Filter), Format(want))
		}
	}
}

func TestRequestParameters(t *testing.T) {
	r := mustRequest(t, "type=CdpPolicy")
	if r.Query.Kind != kPolicy || r.Entities || !r.Query.Refs || r.Query.Filter != nil || r.Query.Sort != nil ||
		r.Query.PageSize != 100 || r.Query.Page != 1 || r.Query.Desc {
		t.Errorf("defaults: %+v", r.Query)
	}
	// References ask the store for a reference's columns only; entities
	// for every column.
	if r = mustRequest(t, "type=CdpReplicaTaskSession&format=entities"); !r.Entities || r.Query.Refs {
		t.Errorf("entities: Entities %v, Refs %v", r.Entities, r.Query.Refs)
	}
	r = mustRequest(t, "type=cdpPolicy&format=REFERENCES&sortdesc=name&page=3&pageSize=10")
	if r.Entities || !r.Query.Refs || r.Query.Sort == nil || r.Query.Sort.Name != "Name" || !r.Query.Desc || r.Query.Page != 3 || r.Query.PageSize != 10 {
		t.Errorf("got %+v", r.Query)
	}
	r = mustRequest(t, "SORTASC=CreationTime&type=CdpReplicaSession")
	if r.Query.Sort == nil || r.Query.Sort.Name != "CreationTimeUTC" || r.Query.Desc {
		t.Errorf("sortAsc: %+v", r.Query)
	}
	r = mustRequest(t, "type=BackupServer&pageSize=10000")
	if r.Query.PageSize != 10000 {
		t.Errorf("pageSize: %+v", r.Query)
	}
	r = mustRequest(t, "type=BackupServer&filter=&&x&v=latest&=")
	if r.Query.Filter != nil {
		t.Errorf("empty filter: %s", Format(r.Query.Filter))
	}
}

// TestExtraTerms checks that a segment that is a comparison on a field of
// the type is ANDed to the filter, in every spelling of its operator.
func TestExtraTerms(t *testing.T) {
	working := term(t, kPolSes, "State", emcdp.OpEq, enum(emcdp.SessionStateNames, "Working"))
	tests := []struct {
		raw  string
		want emcdp.Expr
	}{
		{"type=CdpReplicaTaskSession&filter=State==Completed&VmDisplayName==sql01",
			and(term(t, kTask, "State", emcdp.OpEq, enum(emcdp.TaskStateNames, "Completed")),
				term(t, kTask, "VmDisplayName", emcdp.OpEq, str("sql01")))},
		{"type=CdpReplicaTaskSession&VmDisplayName%3D%3Dsql01", term(t, kTask, "VmDisplayName", emcdp.OpEq, str("sql01"))},
		{"type=CdpReplicaTaskSession&vmdisplayname!=sql01", term(t, kTask, "VmDisplayName", emcdp.OpNe, str("sql01"))},
		{"type=CdpReplicaTaskSession&TotalSize>=5", term(t, kTask, "TotalSize", emcdp.OpGe, num(5))},
		{"type=CdpReplicaTaskSession&TotalSize<=5", term(t, kTask, "TotalSize", emcdp.OpLe, num(5))},
		{"type=CdpReplicaTaskSession&TotalSize<5", term(t, kTask, "TotalSize", emcdp.OpLt, num(5))},
		{"type=CdpReplicaTaskSession&TotalSize>5", term(t, kTask, "TotalSize", emcdp.OpGt, num(5))},
		{"type=CdpReplicaTaskSession&TotalSize%3E5&v=latest", term(t, kTask, "TotalSize", emcdp.OpGt, num(5))},
		{`type=CdpReplicaSession&filter=Name=="a";Name=="b"&State==Working&filter=Result>Success`,
			and(term(t, kPolSes, "Name", emcdp.OpEq, str("a")), term(t, kPolSes, "Name", emcdp.OpEq, str("b")),
				term(t, kPolSes, "Result", emcdp.OpGt, enum(emcdp.ResultNames, "Success")), working)},
		{`type=CdpReplicaSession&filter=Name==a,Name==b&State==Working`,
			and(or(term(t, kPolSes, "Name", emcdp.OpEq, str("a")), term(t, kPolSes, "Name", emcdp.OpEq, str("b"))), working)},
		// not a comparison on a field of the type: ignored
		{"type=CdpReplicaSession&Name=x&Colour==red&v=latest&VmDisplayName==x", nil},
	}
	for _, tc := range tests {
		r := mustRequest(t, tc.raw)
		if !reflect.DeepEqual(r.Query.Filter, tc.want) {
			t.Errorf("%s:\n got  %s\n want %s", tc.raw, Format(r.Query.Filter), Format(tc.want))
		}
	}
}

func TestRequestErrors(t *testing.T) {
	tests := []struct{ raw, msg string }{
		{"", "Query parameter 'type' is required"},
		{"format=Entities", "Query parameter 'type' is required"},
		{"type=", "Query parameter 'type' is required"},
		{"type=Replica", "Query type 'Replica' is not served by this server"},
		{"type=vAppRestorePoint", "Query type 'vAppRestorePoint' is not served by this server"},
		{"type=Colour", "Unknown query type 'Colour'"},
		{"type=CdpPolicy&type=CdpPolicy", "Query parameter 'type' is given more than once"},
		{"type=CdpPolicy&format=Entity", "Query parameter 'format' must be References or Entities: 'Entity'"},
		{"type=CdpPolicy&format=", "Query parameter 'format' must be References or Entities: ''"},
		{"type=CdpPolicy&sortAsc=Name&sortDesc=Name", "Query parameters sortAsc and sortDesc cannot be combined or repeated"},
		{"type=CdpPolicy&sortAsc=Colour", "Cannot sort: unknown field 'Colour' for type CdpPolicy"},
		{"type=CdpPolicy&pageSize=0", "Query parameter 'pageSize' must be an integer from 1 to 10000: '0'"},
		{"type=CdpPolicy&pageSize=10001", "Query parameter 'pageSize' must be an integer from 1 to 10000: '10001'"},
		{"type=CdpPolicy&pageSize=-1", "Query parameter 'pageSize' must be an integer from 1 to 10000: '-1'"},
		{"type=CdpPolicy&pageSize=ten", "Query parameter 'pageSize' must be an integer from 1 to 10000: 'ten'"},
		{"type=CdpPolicy&pageSize=", "Query parameter 'pageSize' must be an integer from 1 to 10000: ''"},
		{"type=CdpPolicy&page=0", "Query parameter 'page' must be an integer of 1 or more: '0'"},
		{"type=CdpPolicy&page=99999999999999999999", "Query parameter 'page' must be an integer of 1 or more: '99999999999999999999'"},
		{"type=CdpPolicy&page=1&Page=2", "Query parameter 'Page' is given more than once"},
		{"type=CdpPolicy&filter=Name%3", "Malformed percent-encoding in query string: '%3'"},
		{"type=CdpPolicy&filter=Name%zz", "Malformed percent-encoding in query string: '%zz'"},
		{"type=CdpPolicy%", "Malformed percent-encoding in query string: '%'"},
		{"type=CdpPolicy&filter=Colour==1", "Query filter is invalid: unknown field 'Colour' for type CdpPolicy at position 1"},
		{"type=CdpPolicy&filter=Name%3D%3D%22a", "Query filter is invalid: unterminated quote at position 7"},
		{"type=CdpReplicaTaskSession&State==Bogus", "Query filter is invalid: unknown value 'Bogus' for field 'State' (expected one of InProgress, Pending, Completed) at position 8"},
	}
	for _, tc := range tests {
		r, err := ParseRequest(tc.raw, 0)
		if err == nil {
			t.Errorf("ParseRequest(%q) = %+v, want error %q", tc.raw, r.Query, tc.msg)
			continue
		}
		var ee *emcdp.Error
		if !errors.As(err, &ee) || ee.Code != emcdp.EInvalid {
			t.Errorf("ParseRequest(%q): %#v is not an EInvalid *emcdp.Error", tc.raw, err)
			continue
		}
		if ee.Message != tc.msg {
			t.Errorf("ParseRequest(%q)\n got: %s\nwant: %s", tc.raw, ee.Message, tc.msg)
		}
	}
	if _, err := ParseRequest("type=CdpPolicy&pageSize=51", 50); err == nil ||
		err.Error() != "Query parameter 'pageSize' must be an integer from 1 to 50: '51'" {
		t.Errorf("max page size 50: %v", err)
	}
}

// TestPageHrefExample reproduces the paging links of the spec's example
// byte for byte, whatever encoding the client sent the filter in.
func TestPageHrefExample(t *testing.T) {
	for _, raw := range []string{
		"type=CdpReplicaTaskSession&format=Entities&filter=" + exampleFilter + "&pageSize=2",
		"type=CdpReplicaTaskSession&format=Entities&filter=CreationTimeUTC%3E%3D%222026-06-15%22%3BState%3D%3DCompleted%2CResult%3E%3DWarning&pageSize=2&page=1",
		"type=CdpReplicaTaskSession&format=Entities&page=1&filter=CreationTimeUTC%3e%3d%222026-06-15%22%3bState%3d%3dCompleted%2cResult%3e%3dWarning&pageSize=2",
	} {
		r := mustRequest(t, raw)
		n, links := r.Links(base, 5, LowerHex)
		want := []Link{{"First", exampleHref + "1"}, {"Next", exampleHref + "2"}, {"Last", exampleHref + "3"}}
		if n != 3 || !reflect.DeepEqual(links, want) {
			t.Errorf("%s:\n got %d %v\nwant 3 %v", raw, n, links, want)
		}
	}
	r := mustRequest(t, "type=CdpReplicaTaskSession")
	n, links := r.Links(base, 0, LowerHex)
	want := []Link{{"First", base + "/query?type=CdpReplicaTaskSession&pageSize=100&page=1"},
		{"Last", base + "/query?type=CdpReplicaTaskSession&pageSize=100&page=1"}}
	if n != 1 || !reflect.DeepEqual(links, want) {
		t.Errorf("no results: %d %v", n, links)
	}
}

// TestPageHrefSpecExamples finds every query link in the contract's example
// query answers (copied into testdata/examples), parses its query string and
// checks that PageHref writes it back unchanged.
func TestPageHrefSpecExamples(t *testing.T) {
	files, err := filepath.Glob("testdata/examples/*")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples in testdata/examples (%v)", err)
	}
	re := regexp.MustCompile(`(https://[^"/]+/api)/query\?([^" ]*)`)
	seen := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			href := html.UnescapeString(m[0])
			qs := html.UnescapeString(m[2])
			r := mustRequest(t, qs)
			if got := r.PageHref(m[1], r.Query.Page, LowerHex); got != href {
				t.Errorf("%s:\n got %s\nwant %s", filepath.Base(f), got, href)
			}
			seen++
		}
	}
	if seen < 4 {
		t.Errorf("found only %d query links in the examples", seen)
	}
}

func TestPageHrefKeepsParameters(t *testing.T) {
	r := mustRequest(t, `TYPE=cdpReplicaSession&v=latest&sortdesc=EndTime&filter=Name=="a b";State!=Stopped&PageSize=5&page=2&VmDisplayName==x&State==Working&TotalSize>3&flag`)
	got := r.PageHref(base, 7, LowerHex)
	want := base + `/query?TYPE=cdpReplicaSession&v=latest&sortdesc=EndTime&filter=Name%3d%3d%22a+b%22%3bState!%3dStopped&VmDisplayName=%3dx&State=%3dWorking&TotalSize%3e3&flag&pageSize=5&page=7`
	if got != want {
		t.Errorf("\n got %s\nwant %s", got, want)
	}
	// The link reads back to the same request.
	r2 := mustRequest(t, strings.TrimPrefix(got, base+"/query?"))
	if r2.Query.Page != 7 || !reflect.DeepEqual(r2.Query.Filter, r.Query.Filter) || !reflect.DeepEqual(r2.Query.Sort, r.Query.Sort) {
		t.Errorf("link does not read back: %+v", r2.Query)
	}
	if n, links := r.Links(base, 11, LowerHex); n != 3 || len(links) != 4 || links[1].Rel != "Previous" || links[2].Rel != "Next" ||
		!strings.HasSuffix(links[1].Href, "&page=1") || !strings.HasSuffix(links[2].Href, "&page=3") || !strings.HasSuffix(links[3].Href, "&page=3") {
		t.Errorf("links: %d %v", n, links)
	}
	if n, links := r.Links(base, 10, LowerHex); n != 2 || len(links) != 3 || links[1].Rel != "Previous" || links[2].Rel != "Last" {
		t.Errorf("last page links: %d %v", n, links)
	}
}

func TestEscape(t *testing.T) {
	tests := map[string]string{
		"abcXYZ019":              "abcXYZ019",
		"-_.!*()":                "-_.!*()",
		" ":                      "+",
		`"=;,<>&+%#/?:~`:         "%22%3d%3b%2c%3c%3e%26%2b%25%23%2f%3f%3a%7e",
		"2026-06-15T06:00:00.5Z": "2026-06-15T06%3a00%3a00.5Z",
		"é":                      "%c3%a9",
	}
	for in, want := range tests {
		if got := Escape(in, LowerHex); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
		if back, err := unescape(want); err != nil || back != in {
			t.Errorf("unescape(%q) = %q, %v", want, back, err)
		}
		// The v13 form differs only in the case of the hex digits.
		upper := regexp.MustCompile(`%[0-9a-f]{2}`).ReplaceAllStringFunc(want, strings.ToUpper)
		if got := Escape(in, UpperHex); got != upper {
			t.Errorf("Escape(%q, UpperHex) = %q, want %q", in, got, upper)
		}
		if back, err := unescape(upper); err != nil || back != in {
			t.Errorf("unescape(%q) = %q, %v", upper, back, err)
		}
	}
}

func TestPagesCount(t *testing.T) {
	for _, tc := range []struct{ total, size, want int }{
		{0, 100, 1}, {1, 100, 1}, {100, 100, 1}, {101, 100, 2}, {5, 2, 3}, {6, 2, 3}, {7, 1, 7},
	} {
		if got := PagesCount(tc.total, tc.size); got != tc.want {
			t.Errorf("PagesCount(%d, %d) = %d, want %d", tc.total, tc.size, got, tc.want)
		}
	}
}
