package emcdp

import (
	"context"
	"errors"
	"time"
)

// This file holds the write side's Task (actions.md §3): the resource every
// write answers with, kept in the store so that every replica sharing it
// can answer for it and apply it.

// OpState is the State of a Task, valued by its position in the
// documented order (the query service sorts State by it).
type OpState int8

// Task states. emcdp writes only Running and Finished (actions.md §3.4).
const (
	OpRunning OpState = iota
	OpOperationFinished
	OpFinished
)

// OpStateNames lists the names by value.
var OpStateNames = []string{"Running", "OperationFinished", "Finished"}

func (s OpState) String() string { return enumName(OpStateNames, int(s)) }

// Task is one write in flight or done. While Running it holds what to do
// (Action on Target, with Object and Params); once Finished, the verdict
// (Success, Message) and the object it made or changed (Related).
type Task struct {
	Num       int64  // TaskId is "task-<Num>"; from one counter of the store
	Owner     string // the logon session id, or "user:<name>" for Basic
	State     OpState
	Operation string // EditCdpPolicy, UpdateCdpPolicy, StartJob, …
	Action    string // the write: disable, enable, edit, include, exclude, start, stop, retry, toggle, clone
	Target    ID     // the policy or job written to; writes to one Target apply in Num order
	Object    ID     // the include of an exclude; the new object of an include or a clone
	Params    string // the validated request body, as JSON of the write's own type
	Created   time.Time
	ApplyAt   time.Time // when the write is due (wall clock)
	Finished  time.Time // when it was applied or failed; zero while Running
	Success   bool
	Message   string
	Related   TaskRelated
}

// TaskRelated is the object a finished task links to (actions.md §3.2).
// Name is a stored session name ("<owner>@<time>") for a session type.
type TaskRelated struct {
	Type string // Job, CdpPolicy, BackupJobSession, ReplicaJobSession; "" for none
	ID   ID
	Name string
}

// TaskStore keeps tasks. FinishTasks of a Batch finishes them in the
// transaction of the write's effect.
type TaskStore interface {
	// CreateTask stores t as Running and sets t.Num from the store's
	// counter. When its owner already holds max tasks, its oldest finished
	// ones are removed first; when they are all Running, nothing is stored
	// and the error is ErrTooManyTasks.
	CreateTask(ctx context.Context, t *Task, max int) error
	// Task returns the task numbered num; ErrNotFound when there is none.
	Task(ctx context.Context, num int64) (*Task, error)
	// Tasks lists the tasks of owner by Num.
	Tasks(ctx context.Context, owner string) ([]Task, error)
	// DeleteTask removes a task; ErrNotFound when there was none.
	DeleteTask(ctx context.Context, num int64) error
	// DueTasks returns up to limit Running tasks due at or before t, by Num.
	DueTasks(ctx context.Context, t time.Time, limit int) ([]Task, error)
	// PruneTasks removes the tasks of owners that are not logon sessions
	// any more and of "user:" owners finished before t; it returns how many.
	PruneTasks(ctx context.Context, finishedBefore time.Time) (int, error)
}

// ErrTooManyTasks is returned by CreateTask when the owner already holds
// the most tasks it may and none of them has finished: a task is dropped only
// once it has finished, so that is what bounds the tasks of one owner.
var ErrTooManyTasks = Errorf(EUnavailable, "Too many tasks of this session are running; retry when some have finished")

// ErrTaskGone is returned by Apply when a task of FinishTasks is no longer
// Running (cancelled, or applied by another replica), or when a task of the
// same Target with a lower Num is still Running: the batch wrote nothing.
var ErrTaskGone = errors.New("the task is not the next one to apply")

// WorldEvent is the effect of one applied write on the simulated world, kept
// in the store with the effect (Meta key WorldEventsKey(target), a JSON
// list in task order) so that the simulator replays it at its instant, on
// live steps and after a restart alike.
type WorldEvent struct {
	Task    int64         `json:"task"`
	At      time.Time     `json:"at"`
	Kind    string        `json:"kind"`              // disable, enable, include, exclude, edit, start, stop, retry, toggle, clone
	Policy  *CdpPolicy    `json:"policy,omitempty"`  // the policy row as the write left it
	Session ID            `json:"session,omitzero"`  // the policy or job session the write started or stopped
	Tasks   map[string]ID `json:"tasks,omitempty"`   // the task sessions it started, by VM display name
	VM      string        `json:"vm,omitempty"`      // the VM an include or exclude is about
	Enabled *bool         `json:"enabled,omitempty"` // a job's ScheduleEnabled after a toggle
}

// Meta keys of the world events.
const (
	// MetaWorldRev changes whenever an event is recorded: the number of
	// the task that recorded the last one.
	MetaWorldRev    = "world.rev"
	metaWorldEvents = "world.events."
)

// WorldEventsKey is the Meta key of the events of one policy or job.
func WorldEventsKey(target ID) string { return metaWorldEvents + target.String() }
