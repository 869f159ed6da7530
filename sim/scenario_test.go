package sim

import (
	"strings"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
)

func TestExamplesLoad(t *testing.T) {
	for _, name := range []string{"sql-rpo-night.json", "multi-site.json"} {
		cfg, err := LoadScenario("../examples/" + name)
		if err != nil {
			t.Fatal(err)
		}
		st := seedMem(t, cfg, t0)
		s := readAll(t, st)
		checkWorld(t, s, t0)
		if len(s.TSess) == 0 {
			t.Fatalf("%s: no task sessions", name)
		}
	}
}

// TestScriptedDailyEpisode checks that sql-01 fails from 02:00 to 03:00 every
// night of the history, in a task session of its own.
func TestScriptedDailyEpisode(t *testing.T) {
	cfg, err := LoadScenario("../examples/sql-rpo-night.json")
	if err != nil {
		t.Fatal(err)
	}
	s := readAll(t, seedMem(t, cfg, t0))
	byStart := map[time.Time]emcdp.TaskSession{}
	for _, ts := range s.TSess {
		if ts.VmDisplayName == "sql-01" {
			byStart[ts.CreationTime] = ts
		}
	}
	nights := 0
	for d := t0.Truncate(day).Add(-6 * day); d.Before(t0); d = d.Add(day) {
		from, to := d.Add(2*time.Hour), d.Add(3*time.Hour)
		ts, ok := byStart[from]
		if !ok {
			t.Errorf("no task session of sql-01 starts at %v", from)
			continue
		}
		if !ts.EndTime.Equal(to) || ts.Result != emcdp.ResultFailed || ts.Reason != "RPO was not met for 3 consecutive periods" {
			t.Errorf("episode task %s: ends %v, %v %q", ts.Name, ts.EndTime, ts.Result, ts.Reason)
		}
		nights++
	}
	if nights < 6 {
		t.Fatalf("only %d nights checked", nights)
	}
}

const absScenario = `{
  "seed": 5, "start": "2026-06-10T00:00:00Z", "randomEpisodes": false,
  "servers": [{"name": "vbr01.lab.local", "policies": [
    {"name": "CDP Tier-1 SQL", "vms": [{"name": "sql-01", "sizeGiB": 16}, {"name": "sql-02"}]}]}],
  "episodes": [
    {"vm": "sql-02", "result": "Warning", "from": "2026-06-12T10:00:00Z", "to": "2026-06-12T12:30:00Z"},
    {"vm": "sql-02", "result": "Failed", "reason": "CDP proxy cdp-proxy11.lab.local is unavailable",
     "from": "2026-06-13T23:00:00Z", "to": "2026-06-14T01:15:00Z"}
  ]}`

func TestScriptedAbsoluteEpisodes(t *testing.T) {
	cfg, err := ParseScenario([]byte(absScenario))
	if err != nil {
		t.Fatal(err)
	}
	s := readAll(t, seedMem(t, cfg, t0))
	checkWorld(t, s, t0)
	var got []string
	for _, ts := range s.TSess {
		if ts.Result != emcdp.ResultSuccess {
			got = append(got, ts.VmDisplayName+" "+ts.CreationTime.Format(time.RFC3339)+" "+ts.EndTime.Format(time.RFC3339)+
				" "+ts.Result.String()+" "+ts.Reason)
		}
	}
	want := []string{
		"sql-02 2026-06-12T10:00:00Z 2026-06-12T12:30:00Z Warning RPO was not met for 2 consecutive periods",
		"sql-02 2026-06-13T23:00:00Z 2026-06-14T01:15:00Z Failed CDP proxy cdp-proxy11.lab.local is unavailable",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("problem sessions:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestScenarioErrors(t *testing.T) {
	base := `"servers": [{"name": "vbr01", "policies": [{"name": "P", "vms": [{"name": "sql-01"}]}]}]`
	cases := []struct{ text, want string }{
		{`{` + base + `, "episodes": [{"vm": "sql-9", "result": "Failed", "from": "02:00", "to": "03:00", "daily": true}]}`, `unknown VM "sql-9"`},
		{`{` + base + `, "episodes": [{"vm": "sql-01", "result": "Failed", "from": "03:00", "to": "02:00", "daily": true}]}`, "must end after it starts"},
		{`{` + base + `, "episodes": [{"vm": "sql-01", "result": "Failed", "from": "2026-06-12T10:00:00Z", "to": "2026-06-12T10:00:30Z"}]}`, "minimum"},
		{`{` + base + `, "episodes": [{"vm": "sql-01", "result": "Failed", "from": "2026-06-12T10:00:00Z", "to": "2026-06-12T12:00:00Z"},
			{"vm": "sql-01", "result": "Warning", "from": "2026-06-12T11:00:00Z", "to": "2026-06-12T13:00:00Z"}]}`, "begins before episodes[0]"},
		{`{` + base + `, "episodes": [{"vm": "sql-01", "result": "Failed", "from": "2026-06-12T10:00:00Z", "to": "2026-06-12T12:00:00Z"},
			{"vm": "sql-01", "result": "Warning", "from": "2026-06-11T11:00:00Z", "to": "2026-06-11T13:00:00Z"}]}`, "begins before episodes[0]"},
		{`{` + base + `, "episodes": [{"vm": "sql-01", "result": "Failed", "from": "2026-06-12T02:30:00Z", "to": "2026-06-12T04:00:00Z"},
			{"vm": "sql-01", "result": "Warning", "from": "02:00", "to": "03:00", "daily": true}]}`, "overlaps its daily episode"},
		{`{` + base + `, "episodes": [{"vm": "sql-01", "result": "Success", "from": "02:00", "to": "03:00", "daily": true}]}`, "Warning or Failed"},
		{`{` + base + `, "episodes": [{"vm": "sql-01", "result": "Failed", "from": "2am", "to": "03:00", "daily": true}]}`, "time of day"},
		{`{` + base + `, "colour": 1}`, `unknown field "colour"`},
		{`{` + base + `, "days": "7"}`, "line 1"},
		{"{\n" + base + ",\n \"days\": 7,,}", "line 3"},
		{`{"servers": []}`, "no servers"},
		{`{` + base + `, "policyDefaults": {"rpo": "1s"}}`, "RPO must be"},
		{`{"servers": [{"name": "a", "policies": [{"name": "P", "vms": []}]}]}`, "1…50 VMs"},
	}
	for i, c := range cases {
		_, err := ParseScenario([]byte(c.text))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("case %d: error %v, want one containing %q", i, err, c.want)
		}
	}
	if _, err := LoadScenario("no-such-file.json"); err == nil {
		t.Error("missing file: no error")
	}
}

// TestScriptedJobEpisode loads examples/vbr-site.json and checks that every
// run of SQL Daily that starts on a Tuesday fails on its first three VMs
// with the quiescing error, retries included, and that every other
// scheduled run there is free of that failure.
func TestScriptedJobEpisode(t *testing.T) {
	cfg, err := LoadScenario("../examples/vbr-site.json")
	if err != nil {
		t.Fatal(err)
	}
	st := seedMem(t, cfg, t0)
	s := readVBR(st)
	checkVBR(t, worldOf(t, st, cfg), s, t0)
	tasks := map[emcdp.ID][]emcdp.JobTaskSession{}
	for _, x := range s.Tasks {
		tasks[x.JobSessionID] = append(tasks[x.JobSessionID], x)
	}
	tuesdays, retries := 0, 0
	first3 := map[string]bool{"sql-prd-01": true, "sql-prd-02": true, "sql-prd-03": true}
	for _, x := range s.Sess {
		if x.JobName != "SQL Daily" || x.Running() {
			continue
		}
		if x.CreationTime.Weekday() != time.Tuesday {
			continue
		}
		tuesdays++
		if x.IsRetry {
			retries++
		}
		if x.Result != emcdp.ResultFailed {
			t.Errorf("%s on a Tuesday: %v", x.Name, x.Result)
		}
		for _, tk := range tasks[x.ID] {
			if failed := tk.Result == emcdp.ResultFailed; failed != first3[tk.VmDisplayName] ||
				(failed && !strings.Contains(tk.Reason, "quiescing")) || (failed && tk.TotalSize != 0) {
				t.Errorf("%s: %s %v %q size %d", x.Name, tk.VmDisplayName, tk.Result, tk.Reason, tk.TotalSize)
			}
		}
	}
	// 30 days hold four Tuesdays, each with the run and its three retries
	if tuesdays != 16 || retries != 12 {
		t.Fatalf("%d Tuesday sessions of SQL Daily, %d of them retries; want 16 and 12", tuesdays, retries)
	}
}

func TestJobScenarioErrors(t *testing.T) {
	cases := map[string]string{
		`{"servers":[{"name":"a","jobs":[{"name":"j","type":"Nas","vms":[{"name":"x"}]}]}]}`:                                                           "type must be",
		`{"servers":[{"name":"a","jobs":[{"name":"j","at":"25:00","vms":[{"name":"x"}]}]}]}`:                                                           "at:",
		`{"servers":[{"name":"a","jobs":[{"name":"j","days":["Funday"],"vms":[{"name":"x"}]}]}]}`:                                                      "not a weekday",
		`{"servers":[{"name":"a","jobs":[{"name":"j","vms":[{"name":"x"}]}]}],"episodes":[{"job":"j","vm":"x","result":"Failed","weekdays":["Mon"]}]}`: "not both",
		`{"servers":[{"name":"a","jobs":[{"name":"j","vms":[{"name":"x"}]}]}],"episodes":[{"job":"k","result":"Failed","weekdays":["Mon"]}]}`:          "unknown job",
		`{"servers":[{"name":"a","jobs":[{"name":"j","vms":[{"name":"x"}]}]}],"episodes":[{"job":"j","result":"Failed"}]}`:                             "weekdays",
		`{"servers":[{"name":"a","repositories":[{"name":"r","kind":"Tape"}]}]}`:                                                                       "unknown kind",
		`{"servers":[{"name":"a","jobs":[{"name":"c","type":"ImmediateBackupCopy","sources":["j"]}]}]}`:                                                "not a backup job",
	}
	for text, want := range cases {
		_, err := ParseScenario([]byte(text))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one containing %q", text, err, want)
		}
	}
}
