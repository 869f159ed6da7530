package api

import (
	"sync"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/wire"
)

// DefaultBodyCacheBytes is the size of the body cache that "emcdp serve"
// gives a store it is the sole writer of: about 10,000 task-session
// entities (1.0–1.4 KB each, plus bodyEntryOverhead).
const DefaultBodyCacheBytes = 16 << 20

// bodyEntryOverhead is what an entry costs beyond its body and base URL:
// the entry, its key, its map slot and its list links, rounded up.
const bodyEntryOverhead = 192

// bodyKey names one encoded answer. Profile and BOM are the handler's own,
// so a cache belongs to one handler and they need no place in the key; the
// base URL does, since every Href of the body is built on it.
type bodyKey struct {
	id     emcdp.ID
	format wire.Format
	rep    wire.Rep
	base   string
}

type bodyEntry struct {
	key        bodyKey
	body       []byte
	created    time.Time // the task session's creation time (Change.Before)
	prev, next *bodyEntry
}

// bodyCache keeps the encoded answers of GET /cdpReplicaTaskSessions/{id}
// for task sessions that have ended, least recently used first out past max
// bytes. A task session that has ended changes only through the writes that
// emcdp.Change describes (an update of its row, the removal of old sessions,
// a cleared store), which the store reports to change as they happen; so a
// cached answer is the answer the store would give. The store reports only
// its own process's writes, so the cache is for a sole writer (serve on
// SQLite), never for replicas sharing a database.
//
// An answer is stored with the ticket taken before its row was read: a
// change reported in between raises the generation and the answer, which
// may have been read before the change committed, is not stored.
type bodyCache struct {
	mu   sync.Mutex
	max  int
	size int
	gen  uint64
	m    map[bodyKey]*bodyEntry
	lru  bodyEntry // sentinel: lru.next is the most recent, lru.prev the least
}

func newBodyCache(max int) *bodyCache {
	c := &bodyCache{max: max, m: make(map[bodyKey]*bodyEntry)}
	c.lru.next, c.lru.prev = &c.lru, &c.lru
	return c
}

// get appends the cached answer of k to dst.
func (c *bodyCache) get(k *bodyKey, dst []byte) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[*k]
	if !ok {
		return dst, false
	}
	c.unlink(e)
	c.pushFront(e)
	return append(dst, e.body...), true
}

// ticket returns the generation to pass to put for a row about to be read.
func (c *bodyCache) ticket() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// put stores a copy of body under k unless a change was reported since
// ticket t, or the entry alone would exceed the cache.
func (c *bodyCache) put(t uint64, k bodyKey, created time.Time, body []byte) {
	cost := len(body) + len(k.base) + bodyEntryOverhead
	if cost > c.max {
		return
	}
	e := &bodyEntry{key: k, body: append([]byte(nil), body...), created: created}
	c.mu.Lock()
	defer c.mu.Unlock()
	if t != c.gen {
		return
	}
	if old, ok := c.m[k]; ok {
		c.remove(old)
	}
	for c.size+cost > c.max {
		c.remove(c.lru.prev)
	}
	c.m[k] = e
	c.size += cost
	c.pushFront(e)
}

// change forgets every answer that ch may have made wrong.
func (c *bodyCache) change(ch emcdp.Change) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	switch {
	case ch.All:
		clear(c.m)
		c.lru.next, c.lru.prev, c.size = &c.lru, &c.lru, 0
		return
	case !ch.Before.IsZero():
		for e := c.lru.next; e != &c.lru; {
			next := e.next
			if e.created.Before(ch.Before) {
				c.remove(e)
			}
			e = next
		}
	}
	if len(ch.TaskSessions) == 0 {
		return
	}
	ids := make(map[emcdp.ID]bool, len(ch.TaskSessions))
	for _, id := range ch.TaskSessions {
		ids[id] = true
	}
	for e := c.lru.next; e != &c.lru; {
		next := e.next
		if ids[e.key.id] {
			c.remove(e)
		}
		e = next
	}
}

func (c *bodyCache) remove(e *bodyEntry) {
	c.unlink(e)
	delete(c.m, e.key)
	c.size -= len(e.body) + len(e.key.base) + bodyEntryOverhead
}

func (c *bodyCache) unlink(e *bodyEntry) {
	e.prev.next, e.next.prev = e.next, e.prev
}

func (c *bodyCache) pushFront(e *bodyEntry) {
	e.prev, e.next = &c.lru, c.lru.next
	c.lru.next.prev = e
	c.lru.next = e
}
