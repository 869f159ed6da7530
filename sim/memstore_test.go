package sim

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/emcdp/emcdp"
)

// memStore is a minimal in-memory emcdp.Store for the generator's tests: it
// keeps the rows, enforces the Batch rules the simulator relies on (inserts
// fail on an existing id, updates need one, all or nothing) and answers
// unfiltered queries. failAfter, when positive, makes the n-th Apply fail,
// as a crash between two transactions would.
type memStore struct {
	mu        sync.Mutex
	servers   map[emcdp.ID]emcdp.BackupServer
	policies  map[emcdp.ID]emcdp.CdpPolicy
	psess     map[emcdp.ID]emcdp.PolicySession
	tsess     map[emcdp.ID]emcdp.TaskSession
	repos     map[emcdp.ID]emcdp.Repository
	jobs      map[emcdp.ID]emcdp.Job
	jsess     map[emcdp.ID]emcdp.JobSession
	jtsess    map[emcdp.ID]emcdp.JobTaskSession
	backups   map[emcdp.ID]emcdp.Backup
	files     map[emcdp.ID]emcdp.BackupFile
	rps       map[emcdp.ID]emcdp.RestorePoint
	vrps      map[emcdp.ID]emcdp.VmRestorePoint
	nasJobs   map[emcdp.ID]emcdp.NasJob
	groups    map[emcdp.ID]emcdp.AgentProtectionGroup
	computers map[emcdp.ID]emcdp.DiscoveredComputer
	meta      map[string]string
	applies   int
	failAfter int
}

var errCrash = errors.New("memstore: simulated crash")

func newMemStore() *memStore {
	return &memStore{servers: map[emcdp.ID]emcdp.BackupServer{}, policies: map[emcdp.ID]emcdp.CdpPolicy{},
		psess: map[emcdp.ID]emcdp.PolicySession{}, tsess: map[emcdp.ID]emcdp.TaskSession{}, meta: map[string]string{},
		repos: map[emcdp.ID]emcdp.Repository{}, jobs: map[emcdp.ID]emcdp.Job{}, jsess: map[emcdp.ID]emcdp.JobSession{},
		jtsess: map[emcdp.ID]emcdp.JobTaskSession{}, backups: map[emcdp.ID]emcdp.Backup{},
		files: map[emcdp.ID]emcdp.BackupFile{}, rps: map[emcdp.ID]emcdp.RestorePoint{}, vrps: map[emcdp.ID]emcdp.VmRestorePoint{},
		nasJobs: map[emcdp.ID]emcdp.NasJob{},
		groups:  map[emcdp.ID]emcdp.AgentProtectionGroup{}, computers: map[emcdp.ID]emcdp.DiscoveredComputer{}}
}

func (m *memStore) Apply(ctx context.Context, b *emcdp.Batch) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.applies++
	if m.failAfter > 0 && m.applies >= m.failAfter {
		return errCrash
	}
	for _, s := range b.NewPolicySessions {
		if _, ok := m.psess[s.ID]; ok {
			return fmt.Errorf("duplicate policy session %s", s.Name)
		}
		if _, ok := m.policies[s.PolicyID]; !ok {
			return fmt.Errorf("policy session %s: unknown policy", s.Name)
		}
	}
	seen := map[emcdp.ID]bool{}
	for _, s := range b.NewTaskSessions {
		if _, ok := m.tsess[s.ID]; ok || seen[s.ID] {
			return fmt.Errorf("duplicate task session %s", s.Name)
		}
		seen[s.ID] = true
	}
	for _, s := range b.UpdPolicySessions {
		if _, ok := m.psess[s.ID]; !ok {
			return fmt.Errorf("update of unknown policy session %s", s.Name)
		}
	}
	for _, s := range b.UpdTaskSessions {
		if _, ok := m.tsess[s.ID]; !ok {
			return fmt.Errorf("update of unknown task session %s", s.Name)
		}
	}
	if err := m.checkVBR(b); err != nil {
		return err
	}
	for _, s := range b.BackupServers {
		m.servers[s.ID] = s
	}
	for _, r := range b.Repositories {
		m.repos[r.ID] = r
	}
	for _, j := range b.Jobs {
		m.jobs[j.ID] = j
	}
	for _, j := range b.NasJobs {
		m.nasJobs[j.ID] = j
	}
	for _, g := range b.ProtectionGroups {
		m.groups[g.ID] = g
	}
	for _, c := range b.DiscoveredComputers {
		m.computers[c.ID] = c
	}
	for _, s := range b.NewJobSessions {
		m.jsess[s.ID] = s
	}
	for _, s := range b.UpdJobSessions {
		m.jsess[s.ID] = s
	}
	for _, s := range b.NewJobTaskSessions {
		m.jtsess[s.ID] = s
	}
	for _, s := range b.UpdJobTaskSessions {
		m.jtsess[s.ID] = s
	}
	for _, v := range b.Backups {
		m.backups[v.ID] = v
	}
	for _, v := range b.BackupFiles {
		m.files[v.ID] = v
	}
	for _, v := range b.RestorePoints {
		m.rps[v.ID] = v
	}
	for _, v := range b.VmRestorePoints {
		m.vrps[v.ID] = v
	}
	for _, r := range b.Retired {
		if v, ok := m.vrps[r.ID]; ok {
			if ts, ok := m.jtsess[v.TaskSessionID]; ok && ts.VmRestorePointID == r.ID {
				ts.VmRestorePointID, ts.VmRestorePointName = emcdp.ID{}, ""
				m.jtsess[ts.ID] = ts
			}
		}
		delete(m.files, r.ID)
		delete(m.rps, r.ID)
		delete(m.vrps, r.ID)
	}
	for _, p := range b.CdpPolicies {
		m.policies[p.ID] = p
	}
	for _, s := range b.NewPolicySessions {
		m.psess[s.ID] = s
	}
	for _, s := range b.UpdPolicySessions {
		m.psess[s.ID] = s
	}
	for _, s := range b.NewTaskSessions {
		if _, ok := m.psess[s.PolicySessionID]; !ok {
			return fmt.Errorf("task session %s: unknown policy session", s.Name)
		}
		m.tsess[s.ID] = s
	}
	for _, s := range b.UpdTaskSessions {
		m.tsess[s.ID] = s
	}
	for k, v := range b.Meta {
		m.meta[k] = v
	}
	return nil
}

// checkVBR enforces the Batch rules on the regular VBR rows before anything
// of the batch is applied: repositories and jobs name known servers (and
// jobs known repositories), job sessions known jobs, task sessions known
// job sessions; inserts need a new id, updates an existing one that keeps
// its parents and creation time.
func (m *memStore) checkVBR(b *emcdp.Batch) error {
	servers := func(id emcdp.ID) bool {
		if _, ok := m.servers[id]; ok {
			return true
		}
		for _, s := range b.BackupServers {
			if s.ID == id {
				return true
			}
		}
		return false
	}
	repos := map[emcdp.ID]bool{}
	for id := range m.repos {
		repos[id] = true
	}
	for _, r := range b.Repositories {
		if !servers(r.BackupServerID) {
			return fmt.Errorf("repository %s: unknown backup server", r.Name)
		}
		repos[r.ID] = true
	}
	jobs := map[emcdp.ID]bool{}
	for id := range m.jobs {
		jobs[id] = true
	}
	for _, j := range b.Jobs {
		if !servers(j.BackupServerID) {
			return fmt.Errorf("job %s: unknown backup server", j.Name)
		}
		if !j.RepositoryID.IsZero() && !repos[j.RepositoryID] {
			return fmt.Errorf("job %s: unknown repository", j.Name)
		}
		for _, o := range j.Includes {
			if o.PolicyID != j.ID {
				return fmt.Errorf("job %s: include %s names another job", j.Name, o.Name)
			}
		}
		jobs[j.ID] = true
	}
	for id := range m.nasJobs {
		jobs[id] = true
	}
	for _, j := range b.NasJobs {
		if !servers(j.BackupServerID) {
			return fmt.Errorf("NAS job %s: unknown backup server", j.Name)
		}
		if !j.RepositoryID.IsZero() && !repos[j.RepositoryID] {
			return fmt.Errorf("NAS job %s: unknown repository", j.Name)
		}
		jobs[j.ID] = true
	}
	groups := map[emcdp.ID]bool{}
	for id := range m.groups {
		groups[id] = true
	}
	for _, g := range b.ProtectionGroups {
		if !servers(g.BackupServerID) {
			return fmt.Errorf("protection group %s: unknown backup server", g.Name)
		}
		groups[g.ID] = true
	}
	for _, c := range b.DiscoveredComputers {
		if !groups[c.ProtectionGroupID] {
			return fmt.Errorf("computer %s: unknown protection group", c.Name)
		}
	}
	sess := map[emcdp.ID]bool{}
	for _, s := range b.NewJobSessions {
		if _, ok := m.jsess[s.ID]; ok || sess[s.ID] {
			return fmt.Errorf("duplicate job session %s", s.Name)
		}
		if !jobs[s.JobID] {
			return fmt.Errorf("job session %s: unknown job", s.Name)
		}
		sess[s.ID] = true
	}
	for _, s := range b.UpdJobSessions {
		old, ok := m.jsess[s.ID]
		if !ok {
			return fmt.Errorf("update of unknown job session %s", s.Name)
		}
		if old.JobID != s.JobID || !old.CreationTime.Equal(s.CreationTime) || old.Name != s.Name {
			return fmt.Errorf("update of job session %s changes its identity", s.Name)
		}
	}
	tasks := map[emcdp.ID]bool{}
	for _, s := range b.NewJobTaskSessions {
		if _, ok := m.jtsess[s.ID]; ok || tasks[s.ID] {
			return fmt.Errorf("duplicate job task session %s", s.Name)
		}
		if _, ok := m.jsess[s.JobSessionID]; !ok && !sess[s.JobSessionID] {
			return fmt.Errorf("job task session %s: unknown job session", s.Name)
		}
		tasks[s.ID] = true
	}
	for _, s := range b.UpdJobTaskSessions {
		old, ok := m.jtsess[s.ID]
		if !ok {
			return fmt.Errorf("update of unknown job task session %s", s.Name)
		}
		if old.JobSessionID != s.JobSessionID || !old.CreationTime.Equal(s.CreationTime) || old.TotalSize != s.TotalSize {
			return fmt.Errorf("update of job task session %s changes its identity or size", s.Name)
		}
	}
	return nil
}

func (m *memStore) Meta(ctx context.Context, key string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.meta[key], nil
}

func (m *memStore) Close() error { return nil }

func (m *memStore) Query(ctx context.Context, q *emcdp.Query) (*emcdp.QueryResult, error) {
	if q.Filter != nil {
		return nil, errors.New("memstore: filters are not supported")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	r := &emcdp.QueryResult{}
	switch q.Kind {
	case emcdp.KindBackupServer:
		for _, v := range m.servers {
			r.BackupServers = append(r.BackupServers, v)
		}
		r.Total = len(r.BackupServers)
	case emcdp.KindCdpPolicy:
		for _, v := range m.policies {
			r.CdpPolicies = append(r.CdpPolicies, v)
		}
		r.Total = len(r.CdpPolicies)
	case emcdp.KindCdpReplicaSession:
		for _, v := range m.psess {
			r.PolicySessions = append(r.PolicySessions, v)
		}
		sort.Slice(r.PolicySessions, func(i, j int) bool {
			return lessByTime(r.PolicySessions[i].CreationTime, r.PolicySessions[j].CreationTime, r.PolicySessions[i].ID, r.PolicySessions[j].ID)
		})
		r.Total = len(r.PolicySessions)
	case emcdp.KindCdpReplicaTaskSession:
		for _, v := range m.tsess {
			r.TaskSessions = append(r.TaskSessions, v)
		}
		sort.Slice(r.TaskSessions, func(i, j int) bool {
			return lessByTime(r.TaskSessions[i].CreationTime, r.TaskSessions[j].CreationTime, r.TaskSessions[i].ID, r.TaskSessions[j].ID)
		})
		r.Total = len(r.TaskSessions)
	default:
		return nil, fmt.Errorf("memstore: kind %d", q.Kind)
	}
	return r, nil
}

func lessByTime(a, b time.Time, x, y emcdp.ID) bool {
	if !a.Equal(b) {
		return a.Before(b)
	}
	return string(x[:]) < string(y[:])
}

func (m *memStore) BackupServer(ctx context.Context, id emcdp.ID) (*emcdp.BackupServer, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if v, ok := m.servers[id]; ok {
		return &v, nil
	}
	return nil, emcdp.ErrNotFound
}

func (m *memStore) CdpPolicy(ctx context.Context, id emcdp.ID) (*emcdp.CdpPolicy, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if v, ok := m.policies[id]; ok {
		return &v, nil
	}
	return nil, emcdp.ErrNotFound
}

func (m *memStore) PolicySession(ctx context.Context, id emcdp.ID) (*emcdp.PolicySession, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if v, ok := m.psess[id]; ok {
		return &v, nil
	}
	return nil, emcdp.ErrNotFound
}

func (m *memStore) TaskSession(ctx context.Context, id emcdp.ID) (*emcdp.TaskSession, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if v, ok := m.tsess[id]; ok {
		return &v, nil
	}
	return nil, emcdp.ErrNotFound
}

var errNoAuth = errors.New("memstore: no auth storage")

func (m *memStore) PutUser(ctx context.Context, u *emcdp.User) error           { return errNoAuth }
func (m *memStore) User(ctx context.Context, name string) (*emcdp.User, error) { return nil, errNoAuth }
func (m *memStore) CountUsers(ctx context.Context) (int, error)                { return 0, errNoAuth }
func (m *memStore) CreateLogonSession(ctx context.Context, s *emcdp.LogonSession) error {
	return errNoAuth
}
func (m *memStore) LogonSession(ctx context.Context, id emcdp.ID) (*emcdp.LogonSession, error) {
	return nil, errNoAuth
}
func (m *memStore) TouchLogonSession(ctx context.Context, id emcdp.ID, now time.Time) error {
	return errNoAuth
}
func (m *memStore) DeleteLogonSession(ctx context.Context, id emcdp.ID) error { return errNoAuth }
func (m *memStore) DeleteLogonSessionsBefore(ctx context.Context, t time.Time) (int, error) {
	return 0, errNoAuth
}
func (m *memStore) AddLogonFailure(ctx context.Context, userKey string, t, since time.Time) (int, error) {
	return 0, errNoAuth
}
func (m *memStore) LogonFailures(ctx context.Context, userKey string, since time.Time) (int, error) {
	return 0, errNoAuth
}
func (m *memStore) ClearLogonFailures(ctx context.Context, userKey string) error { return errNoAuth }
func (m *memStore) PruneLogonFailures(ctx context.Context, before time.Time, keep int) (int, error) {
	return 0, errNoAuth
}
func (m *memStore) ReserveLogonFailure(ctx context.Context, userKey string, t, since time.Time, max int) (int, bool, error) {
	return 0, false, errNoAuth
}
func (m *memStore) SettleLogonFailure(ctx context.Context, userKey string, t time.Time, failed bool) error {
	return errNoAuth
}

// The simulator writes no tasks: the task methods refuse, like the auth ones.
func (m *memStore) CreateTask(ctx context.Context, t *emcdp.Task, max int) error { return errNoAuth }
func (m *memStore) Task(ctx context.Context, num int64) (*emcdp.Task, error)     { return nil, errNoAuth }
func (m *memStore) Tasks(ctx context.Context, owner string) ([]emcdp.Task, error) {
	return nil, errNoAuth
}
func (m *memStore) DeleteTask(ctx context.Context, num int64) error { return errNoAuth }
func (m *memStore) DueTasks(ctx context.Context, t time.Time, limit int) ([]emcdp.Task, error) {
	return nil, errNoAuth
}
func (m *memStore) PruneTasks(ctx context.Context, finishedBefore time.Time) (int, error) {
	return 0, errNoAuth
}

// The simulator reads no report: the store's report figures are checked
// against the collections in e2e.
func (m *memStore) ReportFacts(ctx context.Context, p emcdp.ReportPeriod) (*emcdp.ReportFacts, error) {
	return nil, errNoAuth
}
