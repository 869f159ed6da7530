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
