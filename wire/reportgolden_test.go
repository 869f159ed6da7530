package wire

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	emcdp "github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/report"
	"github.com/emcdp/emcdp/sqlite"
)

// TestReportGolden stores the whole fixture of testdata/vbr2/README.md
// (with its agent and NAS runs, which no figure may count) in a SQLite
// store, computes the report at the README's request time through the
// store's maintained figures and package report, and compares every frame
// with its golden file byte for byte.
func TestReportGolden(t *testing.T) {
	w := newVBRWorld(t)
	b := newBackupWorld(t, w)
	a := newAgentWorld(t)
	srv := w.srv
	srv.ProxyCount = 3
	batch := &emcdp.Batch{BackupServers: []emcdp.BackupServer{srv}, Repositories: w.repos,
		Jobs: append(append([]emcdp.Job(nil), w.jobs...), a.ajob), NasJobs: []emcdp.NasJob{a.njob},
		ProtectionGroups: []emcdp.AgentProtectionGroup{a.pg}, DiscoveredComputers: a.dcs,
		NewJobSessions: append(append([]emcdp.JobSession(nil), w.js...), a.abjs, a.nbjs), NewJobTaskSessions: w.ts,
		Backups: []emcdp.Backup{b.backup}, BackupFiles: b.files, RestorePoints: b.rps, VmRestorePoints: b.vrps}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "report.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Apply(ctx, batch); err != nil {
		t.Fatal(err)
	}
	r, err := report.Compute(ctx, st, mustTime(t, "2026-06-15T22:01:00Z"), emcdp.AllFrames)
	if err != nil {
		t.Fatal(err)
	}
	cases := []vbrCase{
		{"report.summary", func(e Encoder) []byte { return e.SummaryReport(nil, exBase) }},
		{"report.overview", func(e Encoder) []byte { return e.OverviewReport(nil, &r.Overview) }},
		{"report.vmsOverview", func(e Encoder) []byte { return e.VmsOverviewReport(nil, &r.VmsOverview) }},
		{"report.jobStatistics", func(e Encoder) []byte { return e.JobStatisticsReport(nil, &r.JobStatistics) }},
		{"report.processedVms", func(e Encoder) []byte { return e.ProcessedVmsReport(nil, r.ProcessedVms) }},
		{"report.repository", func(e Encoder) []byte { return e.RepositoryReport(nil, r.Repositories) }},
	}
	checkVBR2Goldens(t, cases)
}

// checkVBR2Goldens encodes every case in XML and both JSON profiles and
// compares each answer with its golden file in testdata/vbr2 byte for byte.
func checkVBR2Goldens(t *testing.T, cs []vbrCase) {
	t.Helper()
	for _, c := range cs {
		for _, ge := range goldenEncoders {
			name := c.name + ge.suffix + ".golden"
			t.Run(name, func(t *testing.T) {
				want, err := os.ReadFile(filepath.Join("testdata", "vbr2", name))
				if err != nil {
					t.Fatal(err)
				}
				if got := c.enc(ge.enc); !bytes.Equal(got, want) {
					t.Errorf("%s differs from its golden file\n got: %s\nwant: %s", name, got, want)
				}
			})
		}
	}
}

// TestLogonSessionGolden compares the logon session with
// testdata/vbr2/logonSession.tasks.*, its form now that the write side is
// served, and checks that logonSession.monitoring.* is that form without
// the TaskList link (monitoring.md §11 row 19, served with the write side).
func TestLogonSessionGolden(t *testing.T) {
	w := newVBRWorld(t)
	for _, ge := range goldenEncoders {
		read := func(form string) string {
			b, err := os.ReadFile(filepath.Join("testdata", "vbr2", "logonSession."+form+ge.suffix+".golden"))
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
		tasks, monitoring := read("tasks"), read("monitoring")
		if got := string(ge.enc.LogonSession(nil, exBase, &w.logon)); got != tasks {
			t.Errorf("logonSession%s differs from logonSession.tasks\n got: %s\nwant: %s", ge.suffix, got, tasks)
		}
		link := `    <Link Href="https://em.lab.local:9398/api/tasks" Type="TaskList" Rel="Down" />` + "\n"
		if ge.enc.Format == JSON {
			link = `{"Rel":"Down","Href":"https://em.lab.local:9398/api/tasks","Name":null,"Type":"TaskList"},`
			if ge.enc.Profile == V13 {
				link = `{"rel":"Down","href":"https://em.lab.local:9398/api/tasks","name":null,"type":"TaskList"},`
			}
		}
		if strings.Count(tasks, link) != 1 || strings.Replace(tasks, link, "", 1) != monitoring {
			t.Errorf("logonSession.monitoring%s is not logonSession.tasks without its TaskList link", ge.suffix)
		}
	}
}
