package auth

import (
	"sync"
	"time"

	"github.com/emcdp/emcdp"
)

// maxCachedSessions bounds the sessions a sole-writer Service remembers; past
// it, sessions are read from the store as without the cache.
const maxCachedSessions = 100000

// sessionCache remembers live logon sessions for a Service whose process is
// the only one that creates, renews and ends logon sessions in its store
// (Service.SoleWriter). Every change this process makes to a session goes
// through the Service, which keeps the cache in step, so a cached session is
// the stored one and a request by token needs no store read.
type sessionCache struct {
	mu sync.Mutex
	m  map[emcdp.ID]emcdp.LogonSession
}

func (c *sessionCache) get(id emcdp.ID) (emcdp.LogonSession, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ls, ok := c.m[id]
	return ls, ok
}

// put remembers ls, or drops the idle sessions to make room; when none is
// idle the session is simply not remembered.
func (c *sessionCache) put(ls emcdp.LogonSession, idleBefore time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[emcdp.ID]emcdp.LogonSession)
	}
	if _, ok := c.m[ls.ID]; !ok && len(c.m) >= maxCachedSessions {
		c.dropIdleLocked(idleBefore)
		if len(c.m) >= maxCachedSessions {
			return
		}
	}
	c.m[ls.ID] = ls
}

func (c *sessionCache) drop(id emcdp.ID) {
	c.mu.Lock()
	delete(c.m, id)
	c.mu.Unlock()
}

// dropIdle forgets the sessions last seen before t.
func (c *sessionCache) dropIdle(t time.Time) {
	c.mu.Lock()
	c.dropIdleLocked(t)
	c.mu.Unlock()
}

func (c *sessionCache) dropIdleLocked(t time.Time) {
	for id, ls := range c.m {
		if ls.LastSeen.Before(t) {
			delete(c.m, id)
		}
	}
}
