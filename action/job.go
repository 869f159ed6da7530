package action

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/emcdp/emcdp"
)

// Clone is the body of W10 (JobCloneSpec), validated: Kind names the child
// element (BackupJobCloneInfo, ReplicaJobCloneInfo, …).
type Clone struct {
	Kind          string
	JobName       string
	FolderName    string
	RepositoryUID string
	VmSuffix      string
	JobFileName   string
	Description   *string
}

// StoppedReason is the reason of a task ended by a stop (vbr-domain.md §4).
const StoppedReason = "Job has been stopped by user"

// job applies a job action (W6–W10).
func (e *effect) job() error {
	v, err := e.s.Store.Resource(e.ctx, emcdp.KindJob, e.t.Target)
	if errors.Is(err, emcdp.ErrNotFound) {
		return e.fail(fmt.Sprintf("Job %q no longer exists.", e.t.Target.String()))
	}
	if err != nil {
		return err
	}
	j := v.(*emcdp.Job)
	switch e.t.Action {
	case "toggle":
		j.ScheduleEnabled = !j.ScheduleEnabled
		j.NextRun = time.Time{}
		if j.ScheduleEnabled {
			j.NextRun = NextScheduled(j, e.at)
		}
		e.b.Jobs = append(e.b.Jobs, *j)
		on := j.ScheduleEnabled
		if err := e.event(emcdp.WorldEvent{Kind: "toggle", Enabled: &on}); err != nil {
			return err
		}
		e.t.Related = emcdp.TaskRelated{Type: "Job", ID: j.ID, Name: j.Name}
		return e.ok("Ok")
	case "clone":
		return e.clone(j)
	}
	last, tasks, err := e.lastSession(j)
	if err != nil {
		return err
	}
	running := last != nil && last.Running()
	switch e.t.Action {
	case "start":
		switch {
		case running:
			return e.fail(fmt.Sprintf("Job %q is already running.", j.Name))
		case !j.ScheduleEnabled:
			return e.fail(fmt.Sprintf("Job %q is disabled.", j.Name))
		case len(j.Includes) == 0:
			return e.fail(fmt.Sprintf("Job %q has no objects to process.", j.Name))
		}
		if err := e.run(j, j.Includes, false); err != nil {
			return err
		}
		return e.ok(fmt.Sprintf("Job %q triggered to start.", j.Name))
	case "retry":
		if running {
			return e.fail(fmt.Sprintf("Job %q is already running.", j.Name))
		}
		if last == nil || last.Result != emcdp.ResultFailed {
			return e.fail(fmt.Sprintf("Job %q cannot be retried: its last session did not fail.", j.Name))
		}
		var vms []emcdp.ObjectInJob
		for _, o := range j.Includes {
			for _, ts := range tasks {
				if ts.Result == emcdp.ResultFailed && strings.EqualFold(ts.VmDisplayName, o.DisplayName) {
					vms = append(vms, o)
					break
				}
			}
		}
		if len(vms) == 0 {
			return e.fail(fmt.Sprintf("Job %q has no objects to process.", j.Name))
		}
		if err := e.run(j, vms, true); err != nil {
			return err
		}
		return e.ok(fmt.Sprintf("Job %q triggered to retry.", j.Name))
	case "stop":
		if !running {
			return e.fail(fmt.Sprintf("Job %q is not running.", j.Name))
		}
		if err := e.stop(last, tasks); err != nil {
			return err
		}
		return e.ok(fmt.Sprintf("Job %q triggered to stop.", j.Name))
	}
	return fmt.Errorf("action: unknown job action %q", e.t.Action)
}

// sessionKinds returns the session and task session kinds of a job's runs.
func sessionKinds(j *emcdp.Job) (emcdp.Kind, emcdp.Kind, string) {
	if j.JobType.IsReplica() {
		return emcdp.KindReplicaJobSession, emcdp.KindReplicaTaskSession, "ReplicaJobSession"
	}
	return emcdp.KindBackupJobSession, emcdp.KindBackupTaskSession, "BackupJobSession"
}

// lastSession reads the job's newest session and its task sessions.
func (e *effect) lastSession(j *emcdp.Job) (*emcdp.JobSession, []emcdp.JobTaskSession, error) {
	sk, tk, _ := sessionKinds(j)
	res, err := e.query(sk, idIs(sk, "JobUid", j.ID), "CreationTimeUTC", true, 1)
	if err != nil || len(res.Items) == 0 {
		return nil, nil, err
	}
	s := res.Items[0].(*emcdp.JobSession)
	tr, err := e.query(tk, idIs(tk, "JobSessionUid", s.ID), "", false, 0)
	if err != nil {
		return nil, nil, err
	}
	ts := make([]emcdp.JobTaskSession, 0, len(tr.Items))
	for _, it := range tr.Items {
		ts = append(ts, *it.(*emcdp.JobTaskSession))
	}
	return s, ts, nil
}

// run starts a job session at the effect's time with one Pending task per
// VM (actions.md §7.2); the event names them, so that the simulator carries
// the run on to its end.
func (e *effect) run(j *emcdp.Job, vms []emcdp.ObjectInJob, retry bool) error {
	_, _, typ := sessionKinds(j)
	s := emcdp.JobSession{ID: e.newID(), Name: emcdp.JobSessionName(j.Name, e.at), JobID: j.ID, JobName: j.Name,
		JobType: j.JobType, BackupServerID: j.BackupServerID, BackupServerName: j.BackupServerName, CreationTime: e.at,
		State: emcdp.SessionWorking, Result: emcdp.ResultNone, IsRetry: retry}
	e.b.NewJobSessions = append(e.b.NewJobSessions, s)
	tasks := map[string]emcdp.ID{}
	for _, o := range vms {
		size := o.TotalSize // the VM's provisioned size, as scheduled runs write it
		if size == 0 {
			size = VMSize(o.HierarchyObjRef)
		}
		tasks[o.DisplayName] = e.newID()
		e.b.NewJobTaskSessions = append(e.b.NewJobTaskSessions, emcdp.JobTaskSession{ID: tasks[o.DisplayName],
			Name: emcdp.JobSessionName(o.DisplayName, e.at), JobSessionID: s.ID, JobSessionName: s.Name, JobID: j.ID,
			JobName: j.Name, JobType: j.JobType, BackupServerID: j.BackupServerID, BackupServerName: j.BackupServerName,
			VmDisplayName: o.DisplayName, VmUID: o.HierarchyObjRef, CreationTime: e.at, State: emcdp.TaskPending,
			Result: emcdp.ResultSuccess, TotalSize: size}) // Success until something goes wrong (monitoring.md §3)
	}
	kind := "start"
	if retry {
		kind = "retry"
	}
	e.t.Related = emcdp.TaskRelated{Type: typ, ID: s.ID, Name: s.Name}
	return e.event(emcdp.WorldEvent{Kind: kind, Session: s.ID, Tasks: tasks})
}

// stop ends a running session Failed at the effect's time; its unfinished
// tasks end Failed, stopped by the user (actions.md §7.2).
func (e *effect) stop(s *emcdp.JobSession, tasks []emcdp.JobTaskSession) error {
	for _, ts := range tasks {
		if ts.Running() {
			ts.EndTime, ts.State, ts.Result, ts.Reason = e.at, emcdp.TaskCompleted, emcdp.ResultFailed, StoppedReason
			e.b.UpdJobTaskSessions = append(e.b.UpdJobTaskSessions, ts)
		}
	}
	s.EndTime, s.State, s.Result = e.at, emcdp.SessionStopped, emcdp.ResultFailed
	s.FailureMessage = StoppedReason
	e.b.UpdJobSessions = append(e.b.UpdJobSessions, *s)
	_, _, typ := sessionKinds(&emcdp.Job{JobType: s.JobType})
	e.t.Related = emcdp.TaskRelated{Type: typ, ID: s.ID, Name: s.Name}
	return e.event(emcdp.WorldEvent{Kind: "stop", Session: s.ID})
}

// clone makes a new, disabled job with the source's settings and includes
// (actions.md §5.4).
func (e *effect) clone(j *emcdp.Job) error {
	var c Clone
	if err := json.Unmarshal([]byte(e.t.Params), &c); err != nil {
		return fmt.Errorf("action: task-%d params: %w", e.t.Num, err)
	}
	res, err := e.query(emcdp.KindJob, idIs(emcdp.KindJob, "BackupServerUid", j.BackupServerID), "", false, 0)
	if err != nil {
		return err
	}
	for _, it := range res.Items {
		if strings.EqualFold(it.(*emcdp.Job).Name, c.JobName) {
			return e.fail(fmt.Sprintf("Job %q already exists on backup server %q.", c.JobName, j.BackupServerName))
		}
	}
	n := *j
	n.ID, n.Name, n.ScheduleEnabled, n.NextRun = e.t.Object, c.JobName, false, time.Time{}
	if c.Description != nil {
		n.Description = *c.Description
	}
	if id, ok := emcdp.ParseID(strings.TrimPrefix(c.RepositoryUID, "urn:veeam:Repository:")); ok && c.RepositoryUID != "" {
		n.RepositoryID = id
	}
	n.Includes = make([]emcdp.ObjectInJob, len(j.Includes))
	for i, o := range j.Includes {
		o.ID, o.PolicyID = e.newID(), n.ID
		n.Includes[i] = o
	}
	e.b.Jobs = append(e.b.Jobs, n)
	if err := e.event(emcdp.WorldEvent{Kind: "clone", Session: n.ID}); err != nil {
		return err
	}
	e.t.Related = emcdp.TaskRelated{Type: "Job", ID: n.ID, Name: n.Name}
	return e.ok("Ok")
}

// NextScheduled is when a job's schedule next starts it after t: a daily
// or monthly job at its time of day on the next day it runs, a periodic
// one at the next period boundary, any other a day later.
func NextScheduled(j *emcdp.Job, t time.Time) time.Time {
	s := &j.Schedule
	switch s.Kind {
	case emcdp.ScheduleDaily, emcdp.ScheduleMonthly:
		d := t.Truncate(day).Add(s.At)
		for i := 0; i < 8; i++ {
			if d.After(t) && (s.DailyKind != "SelectedDays" || containsDay(s.DailyDays, d.Weekday())) &&
				(s.DailyKind != "WeekDays" || (d.Weekday() != time.Saturday && d.Weekday() != time.Sunday)) {
				return d
			}
			d = d.Add(day)
		}
		return d
	case emcdp.SchedulePeriodically:
		if s.PeriodMinutes > 0 {
			p := time.Duration(s.PeriodMinutes) * time.Minute
			return t.Truncate(p).Add(p)
		}
	}
	return t.Add(day)
}

func containsDay(ds []time.Weekday, d time.Weekday) bool {
	for _, x := range ds {
		if x == d {
			return true
		}
	}
	return false
}
