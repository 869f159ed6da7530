package sim

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
)

// snapshot is everything a store holds, read through the Store interface.
type snapshot struct {
	Servers  []emcdp.BackupServer
	Policies []emcdp.CdpPolicy
	PSess    []emcdp.PolicySession
	TSess    []emcdp.TaskSession
}

func readAll(t testing.TB, st emcdp.Store) *snapshot {
	t.Helper()
	ctx := context.Background()
	s := &snapshot{}
	for _, k := range emcdp.Kinds {
		if emcdp.DescOf(k) != nil {
			continue // the snapshot holds the CDP world
		}
		r, err := st.Query(ctx, &emcdp.Query{Kind: k})
		if err != nil {
			t.Fatalf("query %v: %v", k, err)
		}
		s.Servers = append(s.Servers, r.BackupServers...)
		s.Policies = append(s.Policies, r.CdpPolicies...)
		s.PSess = append(s.PSess, r.PolicySessions...)
		s.TSess = append(s.TSess, r.TaskSessions...)
	}
	idLess := func(a, b emcdp.ID) bool { return string(a[:]) < string(b[:]) }
	sort.Slice(s.Servers, func(i, j int) bool { return idLess(s.Servers[i].ID, s.Servers[j].ID) })
	sort.Slice(s.Policies, func(i, j int) bool { return idLess(s.Policies[i].ID, s.Policies[j].ID) })
	sort.Slice(s.PSess, func(i, j int) bool { return idLess(s.PSess[i].ID, s.PSess[j].ID) })
	sort.Slice(s.TSess, func(i, j int) bool { return idLess(s.TSess[i].ID, s.TSess[j].ID) })
	for i := range s.Policies {
		s.Policies[i].NextRun = s.Policies[i].NextRun.UTC()
	}
	return s
}

// maxGap is the longest pause between one task session of a VM and the next.
const maxGap = 1200 * time.Millisecond

// checkWorld checks the invariants of a simulated world read at instant now.
func checkWorld(t testing.TB, s *snapshot, now time.Time) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Errorf(format, args...)
	}
	policies := map[emcdp.ID]*emcdp.CdpPolicy{}
	for i := range s.Policies {
		policies[s.Policies[i].ID] = &s.Policies[i]
	}
	psByID := map[emcdp.ID]*emcdp.PolicySession{}
	byPolicy := map[emcdp.ID][]*emcdp.PolicySession{}
	for i := range s.PSess {
		ps := &s.PSess[i]
		psByID[ps.ID] = ps
		byPolicy[ps.PolicyID] = append(byPolicy[ps.PolicyID], ps)
		p := policies[ps.PolicyID]
		if p == nil {
			fail("policy session %s: unknown policy", ps.Name)
			continue
		}
		if ps.Name != emcdp.SessionName(p.Name, ps.CreationTime) || ps.PolicyName != p.Name ||
			ps.BackupServerID != p.BackupServerID || ps.BackupServerName != p.BackupServerName {
			fail("policy session %s: names do not match its policy %s / creation time %v", ps.Name, p.Name, ps.CreationTime)
		}
		if ps.CreationTime.After(now) {
			fail("policy session %s created after now", ps.Name)
		}
		if ps.Running() {
			if ps.State != emcdp.SessionWorking || ps.Result != emcdp.ResultNone || ps.Progress != 0 || ps.FailureMessage != "" {
				fail("running policy session %s: state %v result %v progress %d", ps.Name, ps.State, ps.Result, ps.Progress)
			}
		} else {
			if ps.State != emcdp.SessionStopped || ps.Result < emcdp.ResultSuccess {
				fail("ended policy session %s: state %v result %v", ps.Name, ps.State, ps.Result)
			}
			if ps.EndTime.Sub(ps.CreationTime) != day {
				fail("ended policy session %s lasted %v", ps.Name, ps.EndTime.Sub(ps.CreationTime))
			}
			if ps.EndTime.After(now) {
				fail("policy session %s ended after now", ps.Name)
			}
			if (ps.Result == emcdp.ResultFailed) != (ps.FailureMessage != "") {
				fail("policy session %s: result %v with failure message %q", ps.Name, ps.Result, ps.FailureMessage)
			}
		}
	}
	for pid, list := range byPolicy {
		sort.Slice(list, func(i, j int) bool { return list[i].CreationTime.Before(list[j].CreationTime) })
		for i, ps := range list {
			last := i == len(list)-1
			if ps.Running() != last {
				fail("policy %s: session %s running=%v but it is %d of %d", pid, ps.Name, ps.Running(), i+1, len(list))
			}
			if !last && !list[i+1].CreationTime.Equal(ps.EndTime) {
				fail("policy session %s ends %v, the next starts %v", ps.Name, ps.EndTime, list[i+1].CreationTime)
			}
		}
		if p := policies[pid]; p != nil {
			if want := list[len(list)-1].CreationTime.Add(day); !p.NextRun.Equal(want) {
				fail("policy %s: NextRun %v, want %v", p.Name, p.NextRun, want)
			}
		}
	}
	worst := map[emcdp.ID]emcdp.Result{}
	failed := map[emcdp.ID]bool{}
	byVM := map[string][]*emcdp.TaskSession{}
	for i := range s.TSess {
		ts := &s.TSess[i]
		byVM[ts.VmDisplayName] = append(byVM[ts.VmDisplayName], ts)
		ps := psByID[ts.PolicySessionID]
		if ps == nil {
			fail("task session %s: unknown policy session", ts.Name)
			continue
		}
		if ts.CreationTime.Before(ps.CreationTime) || (!ps.Running() && !ts.CreationTime.Before(ps.EndTime)) {
			fail("task session %s started %v, outside its policy session %s", ts.Name, ts.CreationTime, ps.Name)
		}
		if ts.Name != emcdp.SessionName(ts.VmDisplayName, ts.CreationTime) || ts.PolicySessionName != ps.Name ||
			ts.PolicyID != ps.PolicyID || ts.BackupServerID != ps.BackupServerID || ts.BackupServerName != ps.BackupServerName {
			fail("task session %s: names or parents do not match (%s)", ts.Name, ps.Name)
		}
		if ts.CreationTime.After(now) {
			fail("task session %s created after now", ts.Name)
		}
		if ts.TotalSize <= 0 || ts.TotalSize%(1<<30) != 0 {
			fail("task session %s: TotalSize %d", ts.Name, ts.TotalSize)
		}
		r := ts.Result
		if ts.Running() {
			if ts.State != emcdp.TaskInProgress || ts.Result != emcdp.ResultSuccess || ts.Reason != "" {
				fail("running task session %s: %v %v %q", ts.Name, ts.State, ts.Result, ts.Reason)
			}
		} else {
			if ts.State != emcdp.TaskCompleted || ts.Result < emcdp.ResultSuccess || !ts.EndTime.After(ts.CreationTime) || ts.EndTime.After(now) {
				fail("ended task session %s: %v %v %v", ts.Name, ts.State, ts.Result, ts.EndTime)
			}
			if (ts.Result != emcdp.ResultSuccess) != (ts.Reason != "") {
				fail("task session %s: result %v with reason %q", ts.Name, ts.Result, ts.Reason)
			}
		}
		worst[ps.ID] = worst[ps.ID].Worse(r)
		if r == emcdp.ResultFailed {
			failed[ps.ID] = true
		}
	}
	for i := range s.PSess {
		ps := &s.PSess[i]
		if ps.Running() {
			continue
		}
		w := worst[ps.ID].Worse(emcdp.ResultSuccess)
		// a task still running carries Success until it ends; its final
		// result already counts for the policy session it belongs to
		if w != ps.Result && !(ps.Result > w && hasRunningTask(s, ps.ID)) {
			fail("policy session %s: result %v, worst of its tasks %v", ps.Name, ps.Result, w)
		}
	}
	for vm, list := range byVM {
		sort.Slice(list, func(i, j int) bool { return list[i].CreationTime.Before(list[j].CreationTime) })
		for i, ts := range list {
			last := i == len(list)-1
			if ts.Running() && !last {
				fail("VM %s: task session %s is running but not the last", vm, ts.Name)
			}
			if ts.TotalSize != list[0].TotalSize {
				fail("VM %s: TotalSize changes from %d to %d", vm, list[0].TotalSize, ts.TotalSize)
			}
			if !last {
				next := list[i+1]
				if gap := next.CreationTime.Sub(ts.EndTime); gap < 0 || gap > maxGap {
					fail("VM %s: %s ends %v, next %s starts %v", vm, ts.Name, ts.EndTime, next.Name, next.CreationTime)
				}
			}
		}
	}
}

func hasRunningTask(s *snapshot, psID emcdp.ID) bool {
	for i := range s.TSess {
		if s.TSess[i].PolicySessionID == psID && s.TSess[i].Running() {
			return true
		}
	}
	return false
}
