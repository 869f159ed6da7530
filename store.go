package emcdp

import (
	"context"
	"time"
)

// Store persists the CDP world, the users and the logon sessions. Every method
// is one transaction. Methods that read one row return ErrNotFound when it does
// not exist. Stores translate and persist; validation and business rules live
// above them, so that all stores behave alike (package storetest checks it).
type Store interface {
	ResourceStore
	AuthStore
	TaskStore
	ReportStore
	// Apply writes a batch in one transaction: all of it or none of it.
	Apply(ctx context.Context, b *Batch) error
	// Meta returns a value written by a Batch, or "" when the key is unset.
	Meta(ctx context.Context, key string) (string, error)
	// Close releases the store's connections.
	Close() error
}

// ResourceStore reads the CDP resources.
type ResourceStore interface {
	BackupServer(ctx context.Context, id ID) (*BackupServer, error)
	// CdpPolicy returns the policy with its Includes.
	CdpPolicy(ctx context.Context, id ID) (*CdpPolicy, error)
	PolicySession(ctx context.Context, id ID) (*PolicySession, error)
	TaskSession(ctx context.Context, id ID) (*TaskSession, error)
	// Resource reads one item of a described kind (DescOf(k) is not nil):
	// a pointer to its struct, a Job with its Includes.
	Resource(ctx context.Context, k Kind, id ID) (any, error)
	// Query runs a filtered, sorted, paged read. Sorting on q.Sort (or the
	// kind's default) is followed by id ascending; absent values sort first
	// in ascending order. Total counts every row that matches the filter.
	Query(ctx context.Context, q *Query) (*QueryResult, error)
}

// QueryResult holds one page of a query: the slice of q.Kind is filled
// (CdpPolicy items carry their Includes), and Total is the number of rows
// matching the filter across all pages.
type QueryResult struct {
	Total          int
	BackupServers  []BackupServer
	CdpPolicies    []CdpPolicy
	PolicySessions []PolicySession
	TaskSessions   []TaskSession
	Items          []any // the items of a described kind, pointers to their structs
}

// Len returns the number of items on the page.
func (r *QueryResult) Len() int {
	return len(r.BackupServers) + len(r.CdpPolicies) + len(r.PolicySessions) + len(r.TaskSessions) + len(r.Items)
}

// AuthStore keeps users, logon sessions and failed-logon records, so that
// several server processes sharing one store share them too. A logon session
// is kept under LogonSessionKey(ID), never under its id, so it can be found
// by id but not listed by one.
type AuthStore interface {
	// PutUser creates a user or replaces the one with the same Name.
	PutUser(ctx context.Context, u *User) error
	User(ctx context.Context, name string) (*User, error)
	CountUsers(ctx context.Context) (int, error)

	CreateLogonSession(ctx context.Context, s *LogonSession) error
	LogonSession(ctx context.Context, id ID) (*LogonSession, error)
	// TouchLogonSession sets LastSeen to now when the stored LastSeen is
	// older than now.
	TouchLogonSession(ctx context.Context, id ID, now time.Time) error
	// DeleteLogonSession removes a session; ErrNotFound when there was none.
	DeleteLogonSession(ctx context.Context, id ID) error
	// DeleteLogonSessionsBefore removes sessions last seen before t.
	DeleteLogonSessionsBefore(ctx context.Context, t time.Time) (int, error)

	// AddLogonFailure records a failed logon for userKey at t and returns how
	// many failures are recorded for it at or after since (including this one).
	AddLogonFailure(ctx context.Context, userKey string, t, since time.Time) (int, error)
	// LogonFailures counts the failures recorded for userKey at or after since.
	LogonFailures(ctx context.Context, userKey string, since time.Time) (int, error)
	// ClearLogonFailures forgets the failures of userKey (after a good logon).
	ClearLogonFailures(ctx context.Context, userKey string) error
	// PruneLogonFailures removes the failures (and reservations) recorded
	// before t and then, while more than keep remain, the oldest; it returns
	// how many it removed.
	PruneLogonFailures(ctx context.Context, before time.Time, keep int) (int, error)
	// ReserveLogonFailure takes one of userKey's max failure slots at t
	// before its password is checked, so that checks running at once (in
	// this process or another sharing the store) never test more than max
	// wrong passwords per window. It counts the failures and the open
	// reservations at or after since and, when fewer than max, records a
	// reservation at t, atomically; failures is the number of failures
	// alone. A reservation counts as a failure until it is settled, or until
	// it leaves the window when its check never ends. t must be after 1970.
	ReserveLogonFailure(ctx context.Context, userKey string, t, since time.Time, max int) (failures int, reserved bool, err error)
	// SettleLogonFailure ends one reservation of userKey made at t: failed
	// turns it into a failure, otherwise it is removed.
	SettleLogonFailure(ctx context.Context, userKey string, t time.Time, failed bool) error
}

// Batch is a set of writes applied in one transaction. Upserts replace the
// row with the same ID; a policy's or a job's Includes replace the stored ones.
// Inserts of sessions fail on an existing ID; updates of sessions overwrite
// the mutable columns (end time, state, result, progress, messages).
type Batch struct {
	BackupServers        []BackupServer
	CdpPolicies          []CdpPolicy
	NewPolicySessions    []PolicySession
	UpdPolicySessions    []PolicySession
	NewTaskSessions      []TaskSession
	UpdTaskSessions      []TaskSession
	Repositories         []Repository
	Jobs                 []Job // agent backup jobs too (JobType JobAgentBackup)
	ProtectionGroups     []AgentProtectionGroup
	DiscoveredComputers  []DiscoveredComputer
	NasJobs              []NasJob
	NewJobSessions       []JobSession
	UpdJobSessions       []JobSession
	NewJobTaskSessions   []JobTaskSession
	UpdJobTaskSessions   []JobTaskSession
	Backups              []Backup
	BackupFiles          []BackupFile
	RestorePoints        []RestorePoint
	VmRestorePoints      []VmRestorePoint
	Retired              []Retired // points and files removed by retention
	Meta                 map[string]string
	FinishTasks          []Task    // set Finished with their verdict; each must be Running and the lowest Num of its Target
	DeleteSessionsBefore time.Time // when not zero, sessions and task sessions of every kind created before it are removed
}

// Len returns the number of rows the batch writes.
func (b *Batch) Len() int {
	return len(b.BackupServers) + len(b.CdpPolicies) + len(b.NewPolicySessions) + len(b.UpdPolicySessions) +
		len(b.NewTaskSessions) + len(b.UpdTaskSessions) + len(b.Repositories) + len(b.Jobs) +
		len(b.NewJobSessions) + len(b.UpdJobSessions) + len(b.NewJobTaskSessions) + len(b.UpdJobTaskSessions) +
		len(b.ProtectionGroups) + len(b.DiscoveredComputers) + len(b.NasJobs) +
		len(b.Backups) + len(b.BackupFiles) + len(b.RestorePoints) + len(b.VmRestorePoints) + len(b.Retired) +
		len(b.Meta) + len(b.FinishTasks)
}

// LogonTaskSessionReader is implemented by a store that can read a logon
// session and a CDP task session in one round trip. Where replicas share the
// store, every request by token reads its logon session, so that a logoff or
// an expiry at one replica ends it at all; reading the task session a GET
// asks for in the same round trip halves the round trips of that request
// without remembering anything between requests.
type LogonTaskSessionReader interface {
	// TaskSessionWithLogon reads the logon session logon (nil when there is
	// none) and the task session id (nil when there is none) together.
	TaskSessionWithLogon(ctx context.Context, logon, id ID) (*LogonSession, *TaskSession, error)
}

// VersionedPage is a page of a query read by VersionedQuerier.QueryVersioned.
type VersionedPage struct {
	IDs  []ID    // the page's items in order
	Vers []int64 // their versions
	// Res holds Total, and the items the caller did not have, in page
	// order.
	Res *QueryResult
}

// VersionedQuerier is a store that versions the items of some kinds: an
// item's version changes in the transaction of every write that changes
// what its entity holds, and never comes back to an earlier number,
// whichever process writes. So an entity made from an item at one version
// is the entity of every later read that finds the item at that version,
// and a caller may keep what it encoded of it under the version.
type VersionedQuerier interface {
	// Versioned reports whether the items of kind k are versioned.
	Versioned(k Kind) bool
	// QueryVersioned runs q, a query of entities of a versioned kind, like
	// Query, but reads in full only the items for which have, called in
	// page order with each item's id and version, returns false.
	QueryVersioned(ctx context.Context, q *Query, have func(id ID, ver int64) bool) (*VersionedPage, error)
}
