package sim

import (
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
)

// checkAgents checks the agents and NAS world of a store at now: computers
// in known groups, mostly Online with an agent 6.3.x Installed; agent jobs
// over a known group, NAS jobs over 1–5 shares; every session of a known
// job of its type, started by now, daily, not overlapping the job's next
// run, running ones without an end, ended ones within the run lengths
// (agents 5–90 min, NAS 10 min – 5 h) and with a result.
func checkAgents(t testing.TB, s *vbrSnap, now time.Time) {
	t.Helper()
	fail := func(f string, a ...any) { t.Helper(); t.Errorf(f, a...) }
	groups := map[emcdp.ID]bool{}
	for _, g := range s.Groups {
		groups[g.ID] = true
	}
	online, installed := 0, 0
	for _, c := range s.Computers {
		if !groups[c.ProtectionGroupID] {
			fail("computer %s: unknown group", c.Name)
		}
		if c.HostStatus == "Online" {
			online++
		}
		if c.AgentStatus == "Installed" {
			installed++
			if !strings.HasPrefix(c.AgentVersion, "6.3.") {
				fail("computer %s: agent version %q", c.Name, c.AgentVersion)
			}
		}
		if c.HierarchyObjRef != emcdp.ComputerObjRef(c.ID) {
			fail("computer %s: HierarchyObjRef %q", c.Name, c.HierarchyObjRef)
		}
	}
	if n := len(s.Computers); n > 0 && (online*10 < n*7 || installed*10 < n*8) {
		fail("%d computers: %d online, %d installed", n, online, installed)
	}
	kinds := map[emcdp.ID]emcdp.JobType{}
	for _, j := range s.AgentJobs {
		kinds[j.ID] = emcdp.JobAgentBackup
		if len(j.Includes) != 1 || !groups[s.groupNamed(j.Includes[0].Name)] {
			fail("agent job %s: includes %v", j.Name, j.Includes)
		}
	}
	for _, j := range s.NasJobs {
		kinds[j.ID] = emcdp.JobNasBackup
		if len(j.Includes) < 1 || len(j.Includes) > 5 {
			fail("NAS job %s: %d shares", j.Name, len(j.Includes))
		}
	}
	byJob := map[emcdp.ID][]emcdp.JobSession{}
	for _, x := range s.AgentSess {
		typ, ok := kinds[x.JobID]
		if !ok || typ != x.JobType {
			fail("session %s: job %s of type %v unknown", x.Name, x.JobID, x.JobType)
		}
		if x.CreationTime.After(now) || x.Name != emcdp.SessionName(x.JobName, x.CreationTime) {
			fail("session %s created %v (now %v)", x.Name, x.CreationTime, now)
		}
		lo, hi := 5*time.Minute, 90*time.Minute
		if x.JobType == emcdp.JobNasBackup {
			lo, hi = 10*time.Minute, 5*time.Hour
		}
		if x.Running() {
			if x.State != emcdp.SessionWorking || x.Result != emcdp.ResultNone || now.Sub(x.CreationTime) > hi {
				fail("running session %s: %v %v since %v", x.Name, x.State, x.Result, x.CreationTime)
			}
		} else if d := x.EndTime.Sub(x.CreationTime); d < lo-time.Microsecond || d > hi || x.State != emcdp.SessionStopped ||
			x.Result == emcdp.ResultNone || x.EndTime.After(now) || x.Progress != 100 {
			fail("ended session %s: %v %v, %v long, ended %v", x.Name, x.State, x.Result, d, x.EndTime)
		}
		byJob[x.JobID] = append(byJob[x.JobID], x)
	}
	for _, list := range byJob {
		sort.Slice(list, func(a, b int) bool { return list[a].CreationTime.Before(list[b].CreationTime) })
		for k := 1; k < len(list); k++ {
			if d := list[k].CreationTime.Sub(list[k-1].CreationTime); d < 23*time.Hour || d > 25*time.Hour {
				fail("job %s: runs %s and %s are %v apart", list[k].JobName, list[k-1].Name, list[k].Name, d)
			}
		}
	}
}

func (s *vbrSnap) groupNamed(name string) emcdp.ID {
	for _, g := range s.Groups {
		if g.Name == name {
			return g.ID
		}
	}
	return emcdp.ID{}
}

// TestAgentsDemo seeds the demo world and checks that it has agents and NAS
// jobs on both servers, with sessions of each job, as checkAgents wants them.
func TestAgentsDemo(t *testing.T) {
	s := readVBR(seedMem(t, Demo(), t0))
	if len(s.Groups) < 2 || len(s.Computers) != 30 || len(s.AgentJobs) != 3 || len(s.NasJobs) != 2 {
		t.Fatalf("demo: %d groups, %d computers, %d agent jobs, %d NAS jobs", len(s.Groups), len(s.Computers),
			len(s.AgentJobs), len(s.NasJobs))
	}
	jobs := map[emcdp.ID]int{}
	for _, x := range s.AgentSess {
		jobs[x.JobID]++
	}
	if len(jobs) != 5 {
		t.Fatalf("sessions of %d of the 5 agent and NAS jobs", len(jobs))
	}
	for _, j := range s.NasJobs {
		if j.Name == "FS01 shares & homes" && len(j.Includes) != 3 {
			t.Errorf("%s: %d shares, declared 3", j.Name, len(j.Includes))
		}
	}
	checkAgents(t, s, t0)
}

// TestAgentsDeclared checks the declaration rules of agents and NAS jobs.
func TestAgentsDeclared(t *testing.T) {
	bad := []func(*ServerSpec){
		func(s *ServerSpec) { s.Agents = AgentsSpec{Computers: 5001} },
		func(s *ServerSpec) { s.Agents = AgentsSpec{Jobs: []string{"A"}} },
		func(s *ServerSpec) { s.Agents = AgentsSpec{Computers: 3, Jobs: []string{"A", "a"}} },
		func(s *ServerSpec) { s.NasJobs = []NasJobSpec{{Name: "N@1"}} },
		func(s *ServerSpec) { s.NasJobs = []NasJobSpec{{Name: "N", Shares: 6}} },
	}
	for i, f := range bad {
		cfg := Demo()
		f(&cfg.Catalog[0])
		if _, err := cfg.normalize(); err == nil {
			t.Errorf("declaration %d accepted", i)
		}
	}
}

const agentScenario = `{"seed": 3, "days": 5,
  "servers": [{"name": "vbr01.lab.local",
    "agents": {"computers": 60, "jobs": ["Agents - Windows servers", "Linux servers"]},
    "nasJobs": [{"name": "FS01 shares", "shares": 4}, {"name": "NAS homes"}]}]}`

// TestAgentsScenario declares agents and NAS jobs in a scenario file: 60
// computers in two groups, two agent jobs over one group each, two NAS jobs,
// and five days of their daily runs.
func TestAgentsScenario(t *testing.T) {
	cfg, err := ParseScenario([]byte(agentScenario))
	if err != nil {
		t.Fatal(err)
	}
	s := readVBR(seedMem(t, cfg, t0))
	if len(s.Groups) != 2 || len(s.Computers) != 60 || len(s.AgentJobs) != 2 || len(s.NasJobs) != 2 {
		t.Fatalf("%d groups, %d computers, %d agent jobs, %d NAS jobs", len(s.Groups), len(s.Computers),
			len(s.AgentJobs), len(s.NasJobs))
	}
	for _, j := range s.AgentJobs {
		if want := map[bool]string{true: "AgentForLinux", false: "AgentForWindows"}[strings.Contains(j.Name, "Linux")]; j.Platform != want {
			t.Errorf("%s: platform %s", j.Name, j.Platform)
		}
	}
	if n := len(s.AgentSess); n < 4*4 || n > 4*6 {
		t.Errorf("%d sessions of 4 daily jobs over 5 days", n)
	}
	checkAgents(t, s, t0)
	if _, err := ParseScenario([]byte(strings.Replace(agentScenario, `"shares": 4`, `"shares": 9`, 1))); err == nil {
		t.Error("9 shares accepted")
	}
}
