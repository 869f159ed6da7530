package auth

import (
	"sync"
	"time"

	"github.com/emcdp/emcdp"
)

// maxCachedSessions bounds the sessions a Service remembers; past it,
// sessions are read from the store as without the cache.
const maxCachedSessions = 100000

// sessionCache remembers live logon sessions, each as the Caller that a
// request by token authenticates as, so that such a request needs no store
// read and makes no copy: a kept Caller and its session never change (a
// renewal keeps a new one). It is used by a Service that hears of every change
// to the store's logon sessions: either its process is the only one that
// creates, renews and ends them (Service.SoleWriter), so that every change
// goes through the Service, which keeps the cache in step; or the store
// tells it of the changes that other processes make (emcdp.ChangeFeed),
// which reach change.
//
// A session read from the store is kept only with the ticket taken before
// it was read: a change heard in between raises the generation, and the
// session, which may have been read before a logoff committed, is not kept.
// A kept session's LastSeen is never later than the stored one (a renewal
// elsewhere moves only the stored one), so it may expire sooner here, never
// later; the Service then reads it again from the store.
type sessionCache struct {
	mu  sync.Mutex
	m   map[emcdp.ID]*Caller
	gen uint64
	// byKey finds a kept session by its LogonSessionKey, the name under
	// which a feed reports a logoff; only a fed cache (keyed) fills it.
	keyed bool
	byKey map[[32]byte]emcdp.ID
}

func (c *sessionCache) get(id emcdp.ID) (*Caller, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.m[id]
	return k, ok
}

// ticket returns the generation to pass to put for a session about to be
// read from the store.
func (c *sessionCache) ticket() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// put remembers k, the caller of a session, unless a change was heard since
// ticket t, or drops the idle sessions to make room; when none is idle the
// session is simply not remembered. Neither k nor its session may change
// after.
func (c *sessionCache) put(t uint64, k *Caller, idleBefore time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t != c.gen {
		return
	}
	if c.m == nil {
		c.m = make(map[emcdp.ID]*Caller)
		c.byKey = make(map[[32]byte]emcdp.ID)
	}
	id := k.Session.ID
	if _, ok := c.m[id]; !ok && len(c.m) >= maxCachedSessions {
		c.dropIdleLocked(idleBefore)
		if len(c.m) >= maxCachedSessions {
			return
		}
	}
	c.m[id] = k
	if c.keyed {
		c.byKey[[32]byte(emcdp.LogonSessionKey(id))] = id
	}
}

// keyByHash makes the cache findable by LogonSessionKey from now on (a fed
// cache); it forgets what it held, which was not indexed.
func (c *sessionCache) keyByHash() {
	c.mu.Lock()
	c.gen++
	c.keyed, c.m, c.byKey = true, nil, nil
	c.mu.Unlock()
}

// drop forgets session id, and that a read of it may be under way.
func (c *sessionCache) drop(id emcdp.ID) {
	c.mu.Lock()
	c.gen++
	c.dropLocked(id)
	c.mu.Unlock()
}

func (c *sessionCache) dropLocked(id emcdp.ID) {
	if _, ok := c.m[id]; !ok {
		return
	}
	delete(c.m, id)
	if c.keyed {
		delete(c.byKey, [32]byte(emcdp.LogonSessionKey(id)))
	}
}

// forget drops every session.
func (c *sessionCache) forget() {
	c.mu.Lock()
	c.gen++
	c.m, c.byKey = nil, nil
	c.mu.Unlock()
}

// change applies a change heard from the store's feed: a cleared store or
// a feed that stopped or started hearing drops everything, a logoff the
// session, a removal of idle sessions those last seen before its bound.
func (c *sessionCache) change(ch emcdp.Change) {
	if !ch.All && len(ch.Logons) == 0 && ch.LogonsBefore.IsZero() {
		return
	}
	if ch.All {
		c.forget()
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for _, k := range ch.Logons {
		if id, ok := c.byKey[k]; ok {
			c.dropLocked(id)
		}
	}
	if !ch.LogonsBefore.IsZero() {
		c.dropIdleLocked(ch.LogonsBefore)
	}
}

// dropIdle forgets the sessions last seen before t.
func (c *sessionCache) dropIdle(t time.Time) {
	c.mu.Lock()
	c.dropIdleLocked(t)
	c.mu.Unlock()
}

func (c *sessionCache) dropIdleLocked(t time.Time) {
	for id, k := range c.m {
		if k.Session.LastSeen.Before(t) {
			c.dropLocked(id)
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
// it again. Skipping a renewal never keeps a session alive that was ended
// elsewhere (the session is still read from the store, or kept only while
// every logoff is heard, see sessionCache), and the stored LastSeen is never
// more than TouchInterval behind the last request, as without it. Where the
// session is kept in memory, each renewal also moves the kept LastSeen, so
// that the requests within the interval neither read nor write: one renewal
// per session, process and interval.
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
