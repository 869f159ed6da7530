package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
)

// testIncludes checks that a policy's objects come back ordered by name
// (case-insensitively) then id, and that writing the policy again replaces
// them.
func testIncludes(t *testing.T, st emcdp.Store) {
	ctx := context.Background()
	srv := emcdp.BackupServer{ID: emcdp.NewID(), Name: "vbr01", Port: 9392, Version: "12.3.1.1139"}
	p := emcdp.CdpPolicy{ID: emcdp.NewID(), Name: "CDP", BackupServerID: srv.ID, BackupServerName: srv.Name, Platform: "VMware",
		NextRun: Base, Options: emcdp.DefaultCdpScheduleOptions()}
	for _, n := range []string{"web01", "SQL01", "app01", "sql01", "Web01"} {
		p.Includes = append(p.Includes, emcdp.ObjectInJob{ID: emcdp.NewID(), PolicyID: p.ID, Name: n, DisplayName: n,
			HierarchyObjRef: "urn:VMware:Vm:x.vm-1", TotalSize: 1 << 34, Guest: emcdp.GuestProcessingOptions{VssSnapshotMode: "Disabled"}})
	}
	if err := st.Apply(ctx, &emcdp.Batch{BackupServers: []emcdp.BackupServer{srv}, CdpPolicies: []emcdp.CdpPolicy{p}}); err != nil {
		t.Fatal(err)
	}
	want := p
	want.Includes = append([]emcdp.ObjectInJob(nil), p.Includes...)
	SortIncludes(want.Includes)
	got, err := st.CdpPolicy(ctx, p.ID)
	if err != nil || !reflect.DeepEqual(got, &want) {
		t.Fatalf("CdpPolicy:\n got %+v, %v\nwant %+v", got, err, want)
	}
	res, err := st.Query(ctx, &emcdp.Query{Kind: emcdp.KindCdpPolicy})
	if err != nil || len(res.CdpPolicies) != 1 || !reflect.DeepEqual(res.CdpPolicies[0], want) {
		t.Fatalf("Query CdpPolicy carries no or other includes: %+v, %v", res, err)
	}
	// Writing the policy again with two objects replaces the five.
	p.Includes = p.Includes[3:]
	if err := st.Apply(ctx, &emcdp.Batch{CdpPolicies: []emcdp.CdpPolicy{p}}); err != nil {
		t.Fatal(err)
	}
	got, err = st.CdpPolicy(ctx, p.ID)
	if err != nil || len(got.Includes) != 2 {
		t.Fatalf("after replace: %+v, %v", got, err)
	}
	// And with none, removes them.
	p.Includes = nil
	if err := st.Apply(ctx, &emcdp.Batch{CdpPolicies: []emcdp.CdpPolicy{p}}); err != nil {
		t.Fatal(err)
	}
	if got, err = st.CdpPolicy(ctx, p.ID); err != nil || len(got.Includes) != 0 {
		t.Fatalf("after removing includes: %+v, %v", got, err)
	}
}

// testUpserts checks that servers and policies are replaced by id.
func testUpserts(t *testing.T, st emcdp.Store) {
	ctx := context.Background()
	d := load(t, st, standard())
	s := d.Servers[0]
	s.Name, s.Description, s.Port, s.Version = "renamed.lab.local", "", 1, "13.0"
	p := d.Policies[0]
	p.Name, p.Description, p.ScheduleEnabled, p.NextRun = "Renamed", "now described", !p.ScheduleEnabled, time.Time{}
	p.Options.RPOMinutes = 7
	p.Guest.LinuxCredentialsID = "lx"
	if err := st.Apply(ctx, &emcdp.Batch{BackupServers: []emcdp.BackupServer{s}, CdpPolicies: []emcdp.CdpPolicy{p}}); err != nil {
		t.Fatal(err)
	}
	if got, err := st.BackupServer(ctx, s.ID); err != nil || !reflect.DeepEqual(got, &s) {
		t.Errorf("server after upsert:\n got %+v, %v\nwant %+v", got, err, s)
	}
	if got, err := st.CdpPolicy(ctx, p.ID); err != nil || !reflect.DeepEqual(got, &p) {
		t.Errorf("policy after upsert:\n got %+v, %v\nwant %+v", got, err, p)
	}
	res, err := st.Query(ctx, &emcdp.Query{Kind: emcdp.KindBackupServer, PageSize: 1, Page: 1})
	if err != nil || res.Total != len(d.Servers) {
		t.Errorf("server count after upsert: %+v, %v", res, err)
	}
}

// testAtomicity checks that a failing batch writes nothing.
func testAtomicity(t *testing.T, st emcdp.Store) {
	ctx := context.Background()
	d := load(t, st, standard())
	before := snapshot(t, st)
	newSrv := emcdp.BackupServer{ID: emcdp.NewID(), Name: "new", Port: 1, Version: "1"}
	dup := d.Tasks[1]
	dup.ID = emcdp.NewID()
	upd := d.Sessions[0]
	upd.State, upd.FailureMessage = emcdp.SessionStopped, "changed"
	batches := map[string]*emcdp.Batch{
		"duplicate within the batch": {BackupServers: []emcdp.BackupServer{newSrv}, UpdPolicySessions: []emcdp.PolicySession{upd},
			NewTaskSessions: []emcdp.TaskSession{dup, dup}, Meta: map[string]string{"k": "v"}},
		"task id already stored": {BackupServers: []emcdp.BackupServer{newSrv}, NewTaskSessions: []emcdp.TaskSession{dup, d.Tasks[0]}},
		"policy session id already stored": {NewPolicySessions: []emcdp.PolicySession{d.Sessions[0]}, Meta: map[string]string{"k": "v"},
			DeleteSessionsBefore: Base.AddDate(1, 0, 0)},
		"update of a missing session": {UpdPolicySessions: []emcdp.PolicySession{upd, {ID: emcdp.NewID()}}, NewTaskSessions: []emcdp.TaskSession{dup}},
		"update of a missing task":    {UpdTaskSessions: []emcdp.TaskSession{{ID: emcdp.NewID()}}, BackupServers: []emcdp.BackupServer{newSrv}},
		"job session id already stored": {Repositories: d.Repositories[:1], Jobs: d.Jobs[:1],
			NewJobSessions: []emcdp.JobSession{d.JobSessions[0]}, Meta: map[string]string{"k": "v"}},
		"update of a missing job task": {NewJobTaskSessions: []emcdp.JobTaskSession{{ID: emcdp.NewID(), JobSessionID: d.JobSessions[0].ID}},
			UpdJobTaskSessions: []emcdp.JobTaskSession{{ID: emcdp.NewID(), JobType: emcdp.JobReplica}}},
	}
	for name, b := range batches {
		if err := st.Apply(ctx, b); err == nil {
			t.Errorf("%s: Apply succeeded", name)
		} else if code := emcdp.ErrorCode(err); code == emcdp.EInvalid {
			t.Errorf("%s: a write failure must not read as a client error: %v", name, err)
		}
		if after := snapshot(t, st); !reflect.DeepEqual(before, after) {
			t.Errorf("%s: the failed batch changed the store", name)
		}
	}
	if err := st.Apply(ctx, &emcdp.Batch{NewTaskSessions: []emcdp.TaskSession{dup}}); err != nil {
		t.Errorf("a good batch after failed ones: %v", err)
	}
	if res, err := st.Query(ctx, &emcdp.Query{Kind: emcdp.KindCdpReplicaTaskSession, PageSize: 1, Page: 1}); err != nil || res.Total != len(d.Tasks)+1 {
		t.Errorf("Total after one insert: %+v, %v", res, err)
	}
}

// state is everything a store holds of the CDP world, for before/after checks.
type state struct {
	Res  []*emcdp.QueryResult
	Meta string
}

func snapshot(t *testing.T, st emcdp.Store) state {
	t.Helper()
	var s state
	for _, k := range emcdp.Kinds {
		res, err := st.Query(context.Background(), &emcdp.Query{Kind: k})
		if err != nil {
			t.Fatal(err)
		}
		s.Res = append(s.Res, res)
	}
	s.Meta, _ = st.Meta(context.Background(), "k")
	return s
}

// testUpdates ends running sessions and checks what changes and what stays.
func testUpdates(t *testing.T, st emcdp.Store) {
	ctx := context.Background()
	d := load(t, st, standard())
	var ps *emcdp.PolicySession
	for i := range d.Sessions {
		if d.Sessions[i].Running() {
			ps = &d.Sessions[i]
			break
		}
	}
	var ts *emcdp.TaskSession
	for i := range d.Tasks {
		if d.Tasks[i].Running() && d.Tasks[i].Reason == "" {
			ts = &d.Tasks[i]
			break
		}
	}
	if ps == nil || ts == nil {
		t.Fatal("the dataset has no running sessions")
	}
	end := emcdp.Ticks(Base.Add(100 * time.Hour))
	ups, uts := *ps, *ts
	ups.EndTime, ups.State, ups.Result, ups.Progress, ups.FailureMessage = end, emcdp.SessionStopped, emcdp.ResultFailed, 100, "CDP proxy px01 is unavailable"
	uts.EndTime, uts.State, uts.Result, uts.Reason = end, emcdp.TaskCompleted, emcdp.ResultWarning, "RPO was not met"
	// Columns that do not change are ignored by an update.
	pin, tin := ups, uts
	pin.Name, pin.PolicyName = "ignored", "ignored"
	tin.VmDisplayName, tin.Name = "ignored", "ignored"
	if err := st.Apply(ctx, &emcdp.Batch{UpdPolicySessions: []emcdp.PolicySession{pin}, UpdTaskSessions: []emcdp.TaskSession{tin}}); err != nil {
		t.Fatal(err)
	}
	if got, err := st.PolicySession(ctx, ps.ID); err != nil || !reflect.DeepEqual(got, &ups) {
		t.Errorf("ended policy session:\n got %+v, %v\nwant %+v", got, err, ups)
	}
	if got, err := st.TaskSession(ctx, ts.ID); err != nil || !reflect.DeepEqual(got, &uts) {
		t.Errorf("ended task session:\n got %+v, %v\nwant %+v", got, err, uts)
	}
	*ps, *ts = ups, uts
	check(t, st, d, emcdp.Query{Kind: emcdp.KindCdpReplicaTaskSession, Filter: &emcdp.Term{
		Field: mustField(t, emcdp.KindCdpReplicaTaskSession, "EndTimeUTC"), Op: emcdp.OpEq, Value: emcdp.Value{Time: end}}}, "ended at")
	// An update may also clear a message.
	ups.FailureMessage = ""
	if err := st.Apply(ctx, &emcdp.Batch{UpdPolicySessions: []emcdp.PolicySession{ups}}); err != nil {
		t.Fatal(err)
	}
	if got, err := st.PolicySession(ctx, ps.ID); err != nil || got.FailureMessage != "" {
		t.Errorf("cleared message: %+v, %v", got, err)
	}
}

// testPrune removes old sessions and checks counts and reads.
func testPrune(t *testing.T, st emcdp.Store) {
	ctx := context.Background()
	d := load(t, st, standard())
	cut := Base
	if err := st.Apply(ctx, &emcdp.Batch{DeleteSessionsBefore: cut}); err != nil {
		t.Fatal(err)
	}
	keep := &Dataset{Servers: d.Servers, Policies: d.Policies, Repositories: d.Repositories, Jobs: d.Jobs,
		Backups: d.Backups, BackupFiles: d.BackupFiles, RestorePoints: d.RestorePoints, VmRestorePoints: d.VmRestorePoints,
		ProtectionGroups: d.ProtectionGroups, Computers: d.Computers, NasJobs: d.NasJobs}
	for _, s := range d.JobSessions {
		if !s.CreationTime.Before(cut) {
			keep.JobSessions = append(keep.JobSessions, s)
		}
	}
	for _, s := range d.JobTasks {
		if !s.CreationTime.Before(cut) {
			keep.JobTasks = append(keep.JobTasks, s)
		}
	}
	if len(keep.JobTasks) == len(d.JobTasks) || len(keep.JobTasks) == 0 || len(keep.JobSessions) == len(d.JobSessions) {
		t.Fatal("the job sessions do not straddle the cut")
	}
	keep.Sessions, keep.Tasks = d.cdpSessionsSince(cut)
	if len(keep.Tasks) == len(d.Tasks) || len(keep.Tasks) == 0 || len(keep.Sessions) == len(d.Sessions) {
		t.Fatal("the dataset does not straddle the cut")
	}
	for _, k := range emcdp.Kinds {
		check(t, st, keep, emcdp.Query{Kind: k}, k.String()+" after prune")
		check(t, st, keep, emcdp.Query{Kind: k, PageSize: 1, Page: 1}, k.String()+" count after prune")
	}
	for _, s := range d.Tasks {
		if s.CreationTime.Before(cut) {
			if _, err := st.TaskSession(ctx, s.ID); !isNotFound(err) {
				t.Errorf("pruned task %s: %v", s.ID, err)
			}
			break
		}
	}
}

func testMeta(t *testing.T, st emcdp.Store) {
	ctx := context.Background()
	if err := st.Apply(ctx, &emcdp.Batch{Meta: map[string]string{"seed": "42", "seeded_until": "2026-06-15T06:00:00Z"}}); err != nil {
		t.Fatal(err)
	}
	if err := st.Apply(ctx, &emcdp.Batch{Meta: map[string]string{"seed": "43"}}); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{"seed": "43", "seeded_until": "2026-06-15T06:00:00Z", "Seed": "", "other": ""} {
		if got, err := st.Meta(ctx, k); got != want || err != nil {
			t.Errorf("Meta(%q) = %q, %v; want %q", k, got, err, want)
		}
	}
}
