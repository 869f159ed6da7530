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

// renewalSlots is the number of sessions whose last renewal by this process
// is remembered at once; sessions whose ids share a slot displace each
// other, which costs only a renewal more.
const renewalSlots = 256

// renewals remembers, for a few sessions, when this process last began to
// write their LastSeen. Requests that read a session while its renewal is on
// the way see the old LastSeen; without this every one of them would write
// it again. A session is still read from the store on every request, so
// skipping a renewal never keeps a session alive that was ended elsewhere,
// and the stored LastSeen is never more than TouchInterval behind the last
// request, as without it.
type renewals struct {
	slots [renewalSlots]struct {
		mu sync.Mutex
		id emcdp.ID
		at time.Time
	}
}

// claim reports whether the caller should renew session id at now: not when
// this process began to renew it less than interval before now.
func (r *renewals) claim(id emcdp.ID, now time.Time, interval time.Duration) bool {
	sl := &r.slots[id[0]]
	sl.mu.Lock()
	defer sl.mu.Unlock()
	if sl.id == id && now.Sub(sl.at) < interval {
		return false
	}
	sl.id, sl.at = id, now
	return true
}

// release forgets a renewal that failed, so that the next request renews.
func (r *renewals) release(id emcdp.ID) {
	sl := &r.slots[id[0]]
	sl.mu.Lock()
	if sl.id == id {
		sl.id = emcdp.ID{}
	}
	sl.mu.Unlock()
}
