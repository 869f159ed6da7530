package action

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/sqlite"
)

// TestTaskThatCannotApplyBlocksOnlyItsObject: a task whose effect fails
// for good (here: parameters that do not parse, as only another release or
// a hand-made row leaves) is retried at every pass, but the due tasks of
// other objects still apply.
func TestTaskThatCannotApplyBlocksOnlyItsObject(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "emcdp.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	srv := emcdp.BackupServer{ID: emcdp.NewID(), Name: "vbr01", Port: 9392}
	b := &emcdp.Batch{BackupServers: []emcdp.BackupServer{srv}}
	for _, name := range []string{"A", "B"} {
		b.CdpPolicies = append(b.CdpPolicies, emcdp.CdpPolicy{ID: emcdp.NewID(), Name: name, BackupServerID: srv.ID,
			BackupServerName: srv.Name, Platform: "VMware", ScheduleConfigured: true, ScheduleEnabled: true,
			NextRun: at.Add(time.Hour), Options: emcdp.DefaultCdpScheduleOptions()})
	}
	if err := st.Apply(ctx, b); err != nil {
		t.Fatal(err)
	}
	clock := emcdp.NewManualClock(at)
	s := &Service{Store: st, World: clock, Wall: clock, Delay: DefaultDelay}
	broken := emcdp.Task{Owner: "user:operator", Operation: OpEditCdpPolicy, Action: "edit", Target: b.CdpPolicies[0].ID,
		Params: "{not json"}
	disable := emcdp.Task{Owner: "user:operator", Operation: OpUpdateCdpPolicy, Action: "disable", Target: b.CdpPolicies[1].ID}
	for _, tk := range []*emcdp.Task{&broken, &disable} {
		if err := s.Submit(ctx, tk); err != nil {
			t.Fatal(err)
		}
	}
	clock.Advance(DefaultDelay)
	for range 2 {
		if err := s.ApplyDue(ctx); err == nil {
			t.Error("a pass with a task that cannot apply reported no error")
		}
	}
	got, err := st.Task(ctx, disable.Num)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != emcdp.OpFinished || !got.Success {
		t.Errorf("the task of the other policy is %v (success %v), want Finished with success", got.State, got.Success)
	}
	if got, err := st.Task(ctx, broken.Num); err != nil || got.State != emcdp.OpRunning {
		t.Errorf("the broken task: %+v, %v; want it Running, to be tried again", got, err)
	}
	if p, err := st.CdpPolicy(ctx, b.CdpPolicies[1].ID); err != nil || p.ScheduleEnabled {
		t.Errorf("the other policy after its disable: %+v, %v; want it disabled", p, err)
	}
}
