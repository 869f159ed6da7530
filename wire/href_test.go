package wire

import (
	"bytes"
	"encoding/xml"
	"io"
	"regexp"
	"strings"
	"testing"
)

// servedHref matches the paths the server answers (resources.md,
// transport-and-auth.md, query.md): every Href written must be one of them.
var servedHref = regexp.MustCompile(`^(` + strings.Join([]string{
	`/`,
	`/logonSessions(/{id})?`,
	`/sessionMngr/\?v=\w+`,
	`/querySvc`,
	`/tasks(/task-\d+)?`,
	`/query\?type=\w+&.*pageSize=\d+&page=\d+`,
	`/backupServers(/{id})?(\?format=Entity)?`,
	`/cdpPolicies(/{id})?(\?format=Entity|\?action=(disable|enable))?`,
	`/cdpPolicies/{id}/includes(/{id})?`,
	`/cdpPolicies/{id}/cdpReplicaSessions`,
	`/cdpReplicaSessions(/{id})?(\?format=Entity)?`,
	`/cdpReplicaSessions/{id}/cdpReplicaTaskSessions`,
	`/cdpReplicaTaskSessions(/{id})?(\?format=Entity)?`,
	`/replicaTaskSessions(/{id})?(\?format=Entity)?`,
	`/backupServers/{id}/(jobs|repositories)`,
	`/jobs(/{id})?(\?format=Entity|\?action=(clone|toggleScheduleEnabled|start|stop|retry))?`,
	`/jobs/{id}/(includes(/{id})?|backupSessions|replicaSessions)`,
	`/repositories(/{id})?(\?format=Entity)?`,
	`/backupSessions(/{id})?(\?format=Entity|\?action=stop)?`,
	`/backupSessions/{id}/taskSessions`,
	`/backupTaskSessions(/{id})?(\?format=Entity)?`,
	`/replicaSessions(/{id})?(\?format=Entity)?`,
	`/replicaSessions/{id}/replicaTaskSessions`,
	`/(backups|restorePoints|vmRestorePoints|backupFiles)(\?format=Entity)?`,
	`/reports/summary(/(overview|vms_overview|job_statistics|processed_vms|repository))?`,
}, "|") + `)$`)

var guid = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// TestHrefsAreServed reads every Href attribute of every XML body and checks
// that it lies under the base and names a served path.
func TestHrefsAreServed(t *testing.T) {
	seen := 0
	for _, c := range goldenCases(t) {
		d := xml.NewDecoder(bytes.NewReader(c.render(encXML)))
		for {
			tok, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			se, ok := tok.(xml.StartElement)
			if !ok {
				continue
			}
			for _, a := range se.Attr {
				if a.Name.Local != "Href" {
					continue
				}
				seen++
				path, ok := strings.CutPrefix(a.Value, exBase)
				if !ok {
					t.Errorf("%s: Href %q is not under the base", c.name, a.Value)
					continue
				}
				if p := guid.ReplaceAllString(path, "{id}"); !servedHref.MatchString(p) {
					t.Errorf("%s: <%s> Href %q is not a served path", c.name, se.Name.Local, a.Value)
				}
			}
		}
	}
	if seen < 100 {
		t.Fatalf("only %d Hrefs checked", seen)
	}
}

func TestParseProfile(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Profile
		ok   bool
	}{{"v12", V12, true}, {"V13", V13, true}, {"v13", V13, true}, {"", V12, false}, {"v14", V12, false}} {
		p, ok := ParseProfile(c.in)
		if p != c.want || ok != c.ok {
			t.Errorf("ParseProfile(%q) = %v, %v", c.in, p, ok)
		}
		if ok && p.String() != strings.ToLower(c.in) {
			t.Errorf("%v.String() = %q", p, p.String())
		}
	}
}
