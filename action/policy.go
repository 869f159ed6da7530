package action

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"time"

	"github.com/emcdp/emcdp"
)

const day = 24 * time.Hour

// Include is the body of W4 (CreateObjectInJobSpec), validated.
type Include struct {
	HierarchyObjRef  string
	HierarchyObjName string
	Guest            *emcdp.GuestProcessingOptions // nil: the policy's own
}

// Threshold is one RPOReporting item of a PUT; nil fields are not sent.
type Threshold struct {
	Enabled    *bool
	Secs, Mins *int
}

// PolicyEdit is the body of W1 (a partial CdpPolicy), validated; nil fields
// were not sent and keep their value.
type PolicyEdit struct {
	Description        *string
	ScheduleConfigured *bool
	ScheduleEnabled    *bool
	NextRun            *time.Time
	RPOSeconds         *int // set together with RPOMinutes (a missing one is 0)
	RPOMinutes         *int
	RPOScheduleEnabled *bool
	RPOSchedule        *emcdp.WeekSchedule
	Warn, Fail         Threshold
	ShortMinutes       *int // set together with ShortHours
	ShortHours         *int
	LongHours          *int
	LongKeepDays       *int
	LongSchedEnabled   *bool
	LongSchedule       *emcdp.WeekSchedule
}

// Merge returns o with the edit's sent values.
func (pe *PolicyEdit) Merge(o emcdp.CdpScheduleOptions) emcdp.CdpScheduleOptions {
	set := func(dst *int, v *int) {
		if v != nil {
			*dst = *v
		}
	}
	setB := func(dst *bool, v *bool) {
		if v != nil {
			*dst = *v
		}
	}
	set(&o.RPOSeconds, pe.RPOSeconds)
	set(&o.RPOMinutes, pe.RPOMinutes)
	setB(&o.RPOScheduleEnabled, pe.RPOScheduleEnabled)
	if pe.RPOSchedule != nil {
		o.RPOSchedule = *pe.RPOSchedule
	}
	setB(&o.WarnEnabled, pe.Warn.Enabled)
	set(&o.WarnThresholdSecs, pe.Warn.Secs)
	set(&o.WarnThresholdMins, pe.Warn.Mins)
	setB(&o.FailEnabled, pe.Fail.Enabled)
	set(&o.FailThresholdSecs, pe.Fail.Secs)
	set(&o.FailThresholdMins, pe.Fail.Mins)
	set(&o.ShortTermRetMinutes, pe.ShortMinutes)
	set(&o.ShortTermRetHours, pe.ShortHours)
	set(&o.LongTermRetHours, pe.LongHours)
	set(&o.LongTermRetKeepDays, pe.LongKeepDays)
	setB(&o.LongTermSchedEnable, pe.LongSchedEnabled)
	if pe.LongSchedule != nil {
		o.LongTermSchedule = *pe.LongSchedule
	}
	return o
}

// Check validates the options an edit leads to (actions.md §4.1); the
// message names the element.
func CheckOptions(o *emcdp.CdpScheduleOptions) error {
	if rpo := emcdp.Span(o.RPOMinutes, 60, o.RPOSeconds); rpo < 2 || rpo > 3600 {
		return fmt.Errorf("RecoveryPointObjectiveSeconds must be between 2 and 3600 seconds (RPO), got %d", rpo)
	}
	warn := emcdp.Span(o.WarnThresholdMins, 60, o.WarnThresholdSecs)
	fail := emcdp.Span(o.FailThresholdMins, 60, o.FailThresholdSecs)
	if o.WarnEnabled && warn <= 0 {
		return errors.New("MarkAsWarning must have a threshold above 0 when enabled")
	}
	if o.FailEnabled && fail <= 0 {
		return errors.New("MarkAsFailed must have a threshold above 0 when enabled")
	}
	if o.WarnEnabled && o.FailEnabled && warn > fail {
		return fmt.Errorf("MarkAsWarning threshold (%d) must not exceed the MarkAsFailed threshold (%d)", warn, fail)
	}
	if st := emcdp.Span(o.ShortTermRetHours, 60, o.ShortTermRetMinutes); st < 1 || st > 7*24*60 {
		return fmt.Errorf("ShortTermRetentionMinutes must give a short-term retention between 1 minute and 7 days, got %d minutes", st)
	}
	if o.LongTermRetHours < 1 || o.LongTermRetHours > 24 {
		return fmt.Errorf("LongTermRetentionHours must be between 1 and 24, got %d", o.LongTermRetHours)
	}
	if o.LongTermRetKeepDays < 1 {
		return fmt.Errorf("LongTermRetentionKeepDays must be at least 1, got %d", o.LongTermRetKeepDays)
	}
	return nil
}

// policy applies a CDP policy write (W1–W5).
func (e *effect) policy() error {
	p, err := e.s.Store.CdpPolicy(e.ctx, e.t.Target)
	if errors.Is(err, emcdp.ErrNotFound) {
		return e.fail(fmt.Sprintf("CDP policy %q no longer exists.", e.t.Target.String()))
	}
	if err != nil {
		return err
	}
	e.t.Related = emcdp.TaskRelated{Type: "CdpPolicy", ID: p.ID, Name: p.Name}
	switch e.t.Action {
	case "disable":
		return e.setEnabled(p, false)
	case "enable":
		return e.setEnabled(p, true)
	case "include":
		return e.include(p)
	case "exclude":
		return e.exclude(p)
	case "edit":
		return e.edit(p)
	}
	return fmt.Errorf("action: unknown CDP policy action %q", e.t.Action)
}

// event records the write's effect as a world event, appended to the
// target's event list in the same batch as the effect.
func (e *effect) event(ev emcdp.WorldEvent) error {
	key := emcdp.WorldEventsKey(e.t.Target)
	if e.events == nil {
		v, err := e.s.Store.Meta(e.ctx, key)
		if err != nil {
			return err
		}
		if v != "" {
			if err := json.Unmarshal([]byte(v), &e.events); err != nil {
				return fmt.Errorf("action: the world events of %s: %w", e.t.Target, err)
			}
		}
	}
	ev.Task, ev.At = e.t.Num, e.at
	e.events = append(e.events, ev)
	b, err := json.Marshal(e.events)
	if err != nil {
		return err
	}
	if e.b.Meta == nil {
		e.b.Meta = map[string]string{}
	}
	e.b.Meta[key] = string(b)
	e.b.Meta[emcdp.MetaWorldRev] = fmt.Sprint(e.t.Num)
	return nil
}

// setEnabled disables or enables a policy (actions.md §4.2, §7.1).
// Idempotent: setting the state it has is a success with no effect.
func (e *effect) setEnabled(p *emcdp.CdpPolicy, on bool) error {
	if p.ScheduleEnabled == on {
		return e.ok("Ok")
	}
	if err := e.applyEnabled(p, on); err != nil {
		return err
	}
	e.b.CdpPolicies = append(e.b.CdpPolicies, *p)
	return e.ok("Ok")
}

func (e *effect) applyEnabled(p *emcdp.CdpPolicy, on bool) error {
	p.ScheduleEnabled = on
	if !on {
		p.NextRun = time.Time{}
		if err := e.endRunning(p, ""); err != nil {
			return err
		}
		return e.event(emcdp.WorldEvent{Kind: "disable", Policy: p})
	}
	p.NextRun = e.at.Add(day)
	ps := emcdp.PolicySession{ID: e.newID(), Name: emcdp.SessionName(p.Name, e.at), PolicyID: p.ID, PolicyName: p.Name,
		BackupServerID: p.BackupServerID, BackupServerName: p.BackupServerName, CreationTime: e.at,
		State: emcdp.SessionWorking, Result: emcdp.ResultNone}
	e.b.NewPolicySessions = append(e.b.NewPolicySessions, ps)
	tasks := map[string]emcdp.ID{}
	for i := range p.Includes {
		ts := e.taskSession(p, &ps, &p.Includes[i])
		e.b.NewTaskSessions = append(e.b.NewTaskSessions, ts)
		tasks[ts.VmDisplayName] = ts.ID
	}
	return e.event(emcdp.WorldEvent{Kind: "enable", Policy: p, Session: ps.ID, Tasks: tasks})
}

// taskSession is a new running task session of one VM under ps.
func (e *effect) taskSession(p *emcdp.CdpPolicy, ps *emcdp.PolicySession, o *emcdp.ObjectInJob) emcdp.TaskSession {
	return emcdp.TaskSession{ID: e.newID(), Name: emcdp.SessionName(o.DisplayName, e.at), PolicySessionID: ps.ID,
		PolicySessionName: ps.Name, PolicyID: p.ID, BackupServerID: p.BackupServerID, BackupServerName: p.BackupServerName,
		VmDisplayName: o.DisplayName, CreationTime: e.at, State: emcdp.TaskInProgress, Result: emcdp.ResultSuccess,
		TotalSize: VMSize(o.HierarchyObjRef)}
}

// VMSize is the size of a VM added by a write: a stable hash of its
// reference picks 20 to 500 GiB, the same on every run.
func VMSize(ref string) int64 {
	h := fnv.New64a()
	h.Write([]byte(strings.ToLower(ref)))
	return int64(20+h.Sum64()%481) << 30
}

// endRunning ends, at the effect's time, the running sessions of the policy
// and their running task sessions; with vm set, only that VM's task.
func (e *effect) endRunning(p *emcdp.CdpPolicy, vm string) error {
	res, err := e.query(emcdp.KindCdpReplicaSession, idIs(emcdp.KindCdpReplicaSession, "PolicyUid", p.ID), "CreationTimeUTC", true, 5)
	if err != nil {
		return err
	}
	for _, ps := range res.PolicySessions {
		if !ps.Running() {
			continue
		}
		tr, err := e.query(emcdp.KindCdpReplicaTaskSession, idIs(emcdp.KindCdpReplicaTaskSession, "PolicySessionUid", ps.ID), "", false, 0)
		if err != nil {
			return err
		}
		worst, failure := emcdp.ResultSuccess, ""
		for _, ts := range tr.TaskSessions {
			if ts.Running() && (vm == "" || strings.EqualFold(ts.VmDisplayName, vm)) {
				ts.EndTime, ts.State = e.at, emcdp.TaskCompleted
				e.b.UpdTaskSessions = append(e.b.UpdTaskSessions, ts)
			}
			worst = worst.Worse(ts.Result)
			if ts.Result == emcdp.ResultFailed && failure == "" {
				failure = ts.VmDisplayName + ": " + ts.Reason
			}
		}
		if vm != "" {
			continue
		}
		ps.EndTime, ps.State, ps.Result, ps.Progress = e.at, emcdp.SessionStopped, worst, 100
		if worst == emcdp.ResultFailed {
			ps.FailureMessage = failure
		}
		e.b.UpdPolicySessions = append(e.b.UpdPolicySessions, ps)
	}
	return nil
}

// include adds a VM (W4, actions.md §4.3, §7.1).
func (e *effect) include(p *emcdp.CdpPolicy) error {
	var in Include
	if err := json.Unmarshal([]byte(e.t.Params), &in); err != nil {
		return fmt.Errorf("action: task-%d params: %w", e.t.Num, err)
	}
	all, err := e.query(emcdp.KindCdpPolicy, nil, "", false, 0)
	if err != nil {
		return err
	}
	for _, other := range all.CdpPolicies {
		for _, o := range other.Includes {
			if strings.EqualFold(o.HierarchyObjRef, in.HierarchyObjRef) {
				return e.fail(fmt.Sprintf("VM %q is already processed by CDP policy %q.", in.HierarchyObjName, other.Name))
			}
		}
	}
	o := emcdp.ObjectInJob{ID: e.t.Object, PolicyID: p.ID, HierarchyObjRef: in.HierarchyObjRef, Name: in.HierarchyObjName,
		DisplayName: in.HierarchyObjName, Guest: p.Guest, TotalSize: VMSize(in.HierarchyObjRef)}
	if in.Guest != nil {
		o.Guest = *in.Guest
	}
	p.Includes = append(p.Includes, o)
	slices.SortFunc(p.Includes, func(a, b emcdp.ObjectInJob) int {
		if c := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
			return c
		}
		return strings.Compare(a.ID.String(), b.ID.String())
	})
	e.b.CdpPolicies = append(e.b.CdpPolicies, *p)
	ev := emcdp.WorldEvent{Kind: "include", Policy: p, VM: o.DisplayName}
	if p.ScheduleEnabled {
		res, err := e.query(emcdp.KindCdpReplicaSession, idIs(emcdp.KindCdpReplicaSession, "PolicyUid", p.ID), "CreationTimeUTC", true, 1)
		if err != nil {
			return err
		}
		if len(res.PolicySessions) == 1 && res.PolicySessions[0].Running() {
			ts := e.taskSession(p, &res.PolicySessions[0], &o)
			e.b.NewTaskSessions = append(e.b.NewTaskSessions, ts)
			ev.Session, ev.Tasks = ts.PolicySessionID, map[string]emcdp.ID{o.DisplayName: ts.ID}
		}
	}
	if err := e.event(ev); err != nil {
		return err
	}
	return e.ok("Ok")
}

// exclude removes a VM (W5).
func (e *effect) exclude(p *emcdp.CdpPolicy) error {
	i := slices.IndexFunc(p.Includes, func(o emcdp.ObjectInJob) bool { return o.ID == e.t.Object })
	if i < 0 {
		return e.fail(fmt.Sprintf("Object %q is not processed by CDP policy %q.", e.t.Object.String(), p.Name))
	}
	o := p.Includes[i]
	p.Includes = slices.Delete(p.Includes, i, i+1)
	e.b.CdpPolicies = append(e.b.CdpPolicies, *p)
	if err := e.endRunning(p, o.DisplayName); err != nil {
		return err
	}
	if err := e.event(emcdp.WorldEvent{Kind: "exclude", Policy: p, VM: o.DisplayName}); err != nil {
		return err
	}
	return e.ok("Ok")
}

// edit applies a partial PUT (W1).
func (e *effect) edit(p *emcdp.CdpPolicy) error {
	var pe PolicyEdit
	if err := json.Unmarshal([]byte(e.t.Params), &pe); err != nil {
		return fmt.Errorf("action: task-%d params: %w", e.t.Num, err)
	}
	if pe.Description != nil {
		p.Description = *pe.Description
	}
	if pe.ScheduleConfigured != nil {
		p.ScheduleConfigured = *pe.ScheduleConfigured
	}
	p.Options = pe.Merge(p.Options)
	if err := CheckOptions(&p.Options); err != nil {
		return e.fail(fmt.Sprintf("CDP policy %q was not changed: %s", p.Name, err))
	}
	if pe.ScheduleEnabled != nil && *pe.ScheduleEnabled != p.ScheduleEnabled {
		if err := e.applyEnabled(p, *pe.ScheduleEnabled); err != nil {
			return err
		}
	}
	if pe.NextRun != nil && p.ScheduleEnabled {
		p.NextRun = pe.NextRun.UTC()
	}
	e.b.CdpPolicies = append(e.b.CdpPolicies, *p)
	if err := e.event(emcdp.WorldEvent{Kind: "edit", Policy: p}); err != nil {
		return err
	}
	return e.ok("Ok")
}
