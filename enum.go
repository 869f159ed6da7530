package emcdp

import "strings"

// SessionState is the state of a CDP policy session (CdpReplicaSession).
// The numeric values are the positions in the documented list, which is the
// order that the query service compares them by ("<", ">").
type SessionState int8

// Policy session states, in documented order.
const (
	SessionStarting SessionState = iota
	SessionStopping
	SessionWorking
	SessionPausing
	SessionResuming
	SessionStopped
)

// SessionStateNames lists the names by value.
var SessionStateNames = []string{"Starting", "Stopping", "Working", "Pausing", "Resuming", "Stopped"}

func (s SessionState) String() string { return enumName(SessionStateNames, int(s)) }

// TaskState is the state of a CDP task session (CdpReplicaTaskSession), valued
// by its position in the documented list.
type TaskState int8

// Task session states, in documented order.
const (
	TaskInProgress TaskState = iota
	TaskPending
	TaskCompleted
)

// TaskStateNames lists the names by value.
var TaskStateNames = []string{"InProgress", "Pending", "Completed"}

func (s TaskState) String() string { return enumName(TaskStateNames, int(s)) }

// Result is the outcome of a session. None is what a running policy session
// shows; it sorts first. Failed is "greater than" Success, as the reference
// says.
type Result int8

// Results, in comparison order.
const (
	ResultNone Result = iota
	ResultSuccess
	ResultWarning
	ResultFailed
)

// ResultNames lists the names by value.
var ResultNames = []string{"None", "Success", "Warning", "Failed"}

func (r Result) String() string { return enumName(ResultNames, int(r)) }

// Worse returns the worse of two results (the larger).
func (r Result) Worse(o Result) Result {
	if o > r {
		return o
	}
	return r
}

func enumName(names []string, v int) string {
	if v < 0 || v >= len(names) {
		return "Unknown"
	}
	return names[v]
}

// ParseEnum finds name (in any case) in names and returns its position.
func ParseEnum(names []string, name string) (int, bool) {
	for i, n := range names {
		if strings.EqualFold(n, name) {
			return i, true
		}
	}
	return -1, false
}
