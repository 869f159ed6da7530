package auth

import (
	"context"
	"sync"
	"time"

	"github.com/emcdp/emcdp"
)

// memStore is an in-memory emcdp.AuthStore with the documented semantics,
// enough to test the service without a database.
type memStore struct {
	mu       sync.Mutex
	users    map[string]emcdp.User
	sessions map[emcdp.ID]emcdp.LogonSession
	failures map[string][]time.Time
	touches  int
}

func newMemStore() *memStore {
	return &memStore{users: map[string]emcdp.User{}, sessions: map[emcdp.ID]emcdp.LogonSession{}, failures: map[string][]time.Time{}}
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
	m.touches++
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
