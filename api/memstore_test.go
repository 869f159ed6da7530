package api

import (
	"context"
	"sync"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/query"
)

// memStore is an in-memory emcdp.Store on the reference semantics of
// query.Run, so that the handler tests do not depend on a database.
type memStore struct {
	mu       sync.Mutex
	servers  []emcdp.BackupServer
	policies []emcdp.CdpPolicy
	psess    []emcdp.PolicySession
	tsess    []emcdp.TaskSession
	users    map[string]emcdp.User
	sessions map[emcdp.ID]emcdp.LogonSession
	failures map[string][]time.Time
	down     error // when set, every resource read fails with it
}

func newMemStore() *memStore {
	return &memStore{users: map[string]emcdp.User{}, sessions: map[emcdp.ID]emcdp.LogonSession{}, failures: map[string][]time.Time{}}
}

func (m *memStore) Apply(_ context.Context, b *emcdp.Batch) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.servers = append(m.servers, b.BackupServers...)
	m.policies = append(m.policies, b.CdpPolicies...)
	m.psess = append(m.psess, b.NewPolicySessions...)
	m.tsess = append(m.tsess, b.NewTaskSessions...)
	return nil
}

func (m *memStore) Meta(context.Context, string) (string, error) { return "", nil }
func (m *memStore) Close() error                                 { return nil }

func (m *memStore) BackupServer(_ context.Context, id emcdp.ID) (*emcdp.BackupServer, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down != nil {
		return nil, m.down
	}
	for _, v := range m.servers {
		if v.ID == id {
			return &v, nil
		}
	}
	return nil, emcdp.ErrNotFound
}

func (m *memStore) CdpPolicy(_ context.Context, id emcdp.ID) (*emcdp.CdpPolicy, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down != nil {
		return nil, m.down
	}
	for _, v := range m.policies {
		if v.ID == id {
			return &v, nil
		}
	}
	return nil, emcdp.ErrNotFound
}

func (m *memStore) PolicySession(_ context.Context, id emcdp.ID) (*emcdp.PolicySession, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down != nil {
		return nil, m.down
	}
	for _, v := range m.psess {
		if v.ID == id {
			return &v, nil
		}
	}
	return nil, emcdp.ErrNotFound
}

func (m *memStore) TaskSession(_ context.Context, id emcdp.ID) (*emcdp.TaskSession, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down != nil {
		return nil, m.down
	}
	for _, v := range m.tsess {
		if v.ID == id {
			return &v, nil
		}
	}
	return nil, emcdp.ErrNotFound
}

func (m *memStore) Query(_ context.Context, q *emcdp.Query) (*emcdp.QueryResult, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down != nil {
		return nil, m.down
	}
	var items []any
	switch q.Kind {
	case emcdp.KindBackupServer:
		for i := range m.servers {
			items = append(items, &m.servers[i])
		}
	case emcdp.KindCdpPolicy:
		for i := range m.policies {
			items = append(items, &m.policies[i])
		}
	case emcdp.KindCdpReplicaSession:
		for i := range m.psess {
			items = append(items, &m.psess[i])
		}
	case emcdp.KindCdpReplicaTaskSession:
		for i := range m.tsess {
			items = append(items, &m.tsess[i])
		}
	}
	page, total := query.Run(q, items)
	res := &emcdp.QueryResult{Total: total}
	for _, it := range page {
		switch v := it.(type) {
		case *emcdp.BackupServer:
			res.BackupServers = append(res.BackupServers, *v)
		case *emcdp.CdpPolicy:
			res.CdpPolicies = append(res.CdpPolicies, *v)
		case *emcdp.PolicySession:
			res.PolicySessions = append(res.PolicySessions, *v)
		case *emcdp.TaskSession:
			res.TaskSessions = append(res.TaskSessions, *v)
		}
	}
	return res, nil
}

func (m *memStore) PutUser(_ context.Context, u *emcdp.User) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.users[u.Name] = *u
	return nil
}

func (m *memStore) User(_ context.Context, name string) (*emcdp.User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, ok := m.users[name]
	if !ok {
		return nil, emcdp.ErrNotFound
	}
	return &u, nil
}

func (m *memStore) CountUsers(context.Context) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.users), nil
}

func (m *memStore) CreateLogonSession(_ context.Context, s *emcdp.LogonSession) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sessions[s.ID] = *s
	return nil
}

func (m *memStore) LogonSession(_ context.Context, id emcdp.ID) (*emcdp.LogonSession, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[id]
	if !ok {
		return nil, emcdp.ErrNotFound
	}
	return &s, nil
}

func (m *memStore) TouchLogonSession(_ context.Context, id emcdp.ID, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[id]
	if !ok {
		return emcdp.ErrNotFound
	}
	if s.LastSeen.Before(now) {
		s.LastSeen = now
		m.sessions[id] = s
	}
	return nil
}

func (m *memStore) LogonSessions(_ context.Context, userKey string, since time.Time) ([]emcdp.LogonSession, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []emcdp.LogonSession
	for _, s := range m.sessions {
		if s.UserKey == userKey && !s.LastSeen.Before(since) {
			out = append(out, s)
		}
	}
	return out, nil
}

func (m *memStore) DeleteLogonSession(_ context.Context, id emcdp.ID) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.sessions[id]; !ok {
		return emcdp.ErrNotFound
	}
	delete(m.sessions, id)
	return nil
}

func (m *memStore) DeleteLogonSessionsBefore(_ context.Context, t time.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for id, s := range m.sessions {
		if s.LastSeen.Before(t) {
			delete(m.sessions, id)
			n++
		}
	}
	return n, nil
}

func (m *memStore) AddLogonFailure(_ context.Context, userKey string, t, since time.Time) (int, error) {
	m.mu.Lock()
	m.failures[userKey] = append(m.failures[userKey], t)
	m.mu.Unlock()
	return m.LogonFailures(context.Background(), userKey, since)
}

func (m *memStore) LogonFailures(_ context.Context, userKey string, since time.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, t := range m.failures[userKey] {
		if !t.Before(since) {
			n++
		}
	}
	return n, nil
}

func (m *memStore) ClearLogonFailures(_ context.Context, userKey string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.failures, userKey)
	return nil
}
