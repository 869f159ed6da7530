package api

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emcdp/emcdp"
)

// request reads a hand-written request body of testdata/vbr2 into a call.
func request(t *testing.T, name, ctype string) *call {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "wire", "testdata", "vbr2", name))
	if err != nil {
		t.Fatal(err)
	}
	r, _ := http.NewRequest("PUT", "/api/x", strings.NewReader(string(b)))
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	return &call{r: r}
}

// TestRequestBodies parses the request bodies of testdata/vbr2 (actions.md
// §4.1, §4.3, §5.4) and checks the values read.
func TestRequestBodies(t *testing.T) {
	for _, f := range []struct{ name, ctype string }{
		{"request.cdpPolicy.put.xml", "application/xml"}, {"request.cdpPolicy.put.json", "application/json"},
		{"request.cdpPolicy.put-lenient.json", ""},
	} {
		pe, err := parsePolicyEdit(request(t, f.name, f.ctype))
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		if pe.Description == nil || !strings.HasPrefix(*pe.Description, "Tier-1, RPO raised for month end") ||
			pe.RPOSeconds == nil || *pe.RPOSeconds != 30 || pe.RPOMinutes == nil || *pe.RPOMinutes != 0 {
			t.Errorf("%s: read %+v", f.name, pe)
		}
		if f.name == "request.cdpPolicy.put-lenient.json" {
			if pe.ScheduleEnabled == nil || !*pe.ScheduleEnabled || pe.RPOSchedule == nil || pe.RPOSchedule[0][3] != 0 || pe.RPOSchedule[0][4] != 1 {
				t.Errorf("%s: the lenient forms were not read: %+v", f.name, pe)
			}
		}
	}
	if _, err := parsePolicyEdit(request(t, "request.cdpPolicy.put-outoforder.xml", "text/xml")); err == nil ||
		!strings.Contains(err.Error(), "element 'Description' of CdpPolicy is out of order; it must come before 'ScheduleConfigured'") {
		t.Errorf("out of order: %v", err)
	}
	for _, n := range []string{"request.createObjectInJobSpec.xml", "request.createObjectInJobSpec.json"} {
		in, err := parseInclude(request(t, n, ""), "VMware")
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		if in.HierarchyObjName != "sql-prod-03" || in.Guest == nil || in.Guest.VssSnapshotMode != "RequireSuccess" ||
			in.Guest.WindowsCredentialsID != "5d1c5a3e-2b0f-4c8e-9a77-1f2e3d4c5b6a" || in.Guest.LinuxCredentialsID != "" {
			t.Errorf("%s: read %+v %+v", n, in, in.Guest)
		}
	}
	for _, c := range []struct {
		name string
		typ  emcdp.JobType
		kind string
	}{
		{"request.jobCloneSpec.backup", emcdp.JobBackup, "BackupJobCloneInfo"},
		{"request.jobCloneSpec.replica", emcdp.JobReplica, "ReplicaJobCloneInfo"},
		{"request.jobCloneSpec.immediatecopy", emcdp.JobImmediateBackupCopy, "ImmediateBackupCopyJobCloneInfo"},
	} {
		for _, ext := range []string{".xml", ".json"} {
			n, err := readBody(request(t, c.name+ext, ""), cloneShape)
			if err != nil {
				t.Fatalf("%s%s: %v", c.name, ext, err)
			}
			if len(n.kids) != 1 || n.kids[0].s.name != c.kind || n.kids[0].kid("JobName") == nil {
				t.Errorf("%s%s: read %d children", c.name, ext, len(n.kids))
			}
			if cloneInfo[c.typ] != c.kind {
				t.Errorf("a %s job clones with %s, the file sends %s", c.typ, cloneInfo[c.typ], c.kind)
			}
		}
	}
}

// TestBodyErrors checks the 400s of malformed and misplaced bodies.
func TestBodyErrors(t *testing.T) {
	for _, c := range []struct{ body, ctype, want string }{
		{`<CdpPolicy><Description>a</Description><Description>b</Description></CdpPolicy>`, "text/xml", "element 'Description' of CdpPolicy appears twice"},
		{`<CdpPolicy><Colour /></CdpPolicy>`, "", "unknown element 'Colour' in CdpPolicy"},
		{`<Job />`, "application/xml", "the root element must be 'CdpPolicy', got 'Job'"},
		{`<CdpPolicy xmlns="urn:other" />`, "application/xml", "namespace"},
		{`{"Description":"a",}`, "application/json", "malformed JSON"},
		{`{"description":"a","Description":"b"}`, "application/json", "appears twice"},
		{`{"Colour":1}`, "application/json", "unknown element 'Colour' in CdpPolicy"},
		{`{"ScheduleEnabled":"maybe"}`, "application/json", "ScheduleEnabled must be true or false"},
		{`{"PolicyScheduleOptions":{"CdpReplica":{"LongTermRetentionHours":"x"}}}`, "application/json", "LongTermRetentionHours must be a whole number"},
		{`{}`, "text/plain", "Unsupported Content-Type 'text/plain'"},
		{"{\"Description\":\"\xff\xfe\"}", "application/json", "not valid UTF-8"},
		{`{"Description":"a\u0000b"}`, "application/json", "element 'Description' holds a NUL character"},
		{`{"PolicyScheduleOptions":{"CdpReplica":{"LongTermRetentionHours":"1\u0000"}}}`, "application/json", "NUL"},
		{`<CdpPolicy>` + strings.Repeat(" ", maxBody) + `</CdpPolicy>`, "text/xml", "too large"},
	} {
		r, _ := http.NewRequest("PUT", "/api/x", strings.NewReader(c.body))
		if c.ctype != "" {
			r.Header.Set("Content-Type", c.ctype)
		}
		_, err := parsePolicyEdit(&call{r: r})
		var e *emcdp.Error
		if err == nil || !strings.Contains(err.Error(), c.want) || !errors.As(err, &e) || e.Code != emcdp.EInvalid {
			t.Errorf("%.60s: %v; want a 400 with %q", c.body, err, c.want)
		}
	}
}
