package api

import (
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/wire"
)

// DefaultBodyCacheBytes is the size of the body cache that "emcdp serve"
// gives a store it is the sole writer of: 8,192 answers of up to bodySlot
// bytes (a task-session entity is 1.0–1.4 KB).
const DefaultBodyCacheBytes = 16 << 20

// bodySlot is the room of one answer in the cache's slab; a longer answer
// is not kept.
const bodySlot = 2048

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
	slot, n    int32     // the body is slab[slot*bodySlot:][:n]
	created    time.Time // the task session's creation time (Change.Before)
	prev, next *bodyEntry
}

// bodyCache keeps the encoded answers of GET /cdpReplicaTaskSessions/{id}
// for task sessions that have ended, least recently used first out when
// its slots are taken. The bodies are kept in a slab of max bytes mapped
// outside the Go heap, so that the cache is exactly its size in memory: on
// the heap, its bytes would also raise the garbage collector's goal by as
// much again. Beside the slab, each entry takes about 150 bytes of heap
// (entry, key and map slot): 1.2 MB for the default's 8,192 slots. A task session that has ended changes only through the writes that
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
	slab []byte
	free []int32 // the slots no entry holds
	gen  uint64
	m    map[bodyKey]*bodyEntry
	lru  bodyEntry // sentinel: lru.next is the most recent, lru.prev the least
}

// newBodyCache returns a cache of size bytes (at least one slot).
func newBodyCache(size int) *bodyCache {
	slots := max(1, size/bodySlot)
	c := &bodyCache{m: make(map[bodyKey]*bodyEntry), free: make([]int32, slots)}
	for i := range c.free {
		c.free[i] = int32(slots - 1 - i)
	}
	slab, err := syscall.Mmap(-1, 0, slots*bodySlot, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		slab = make([]byte, slots*bodySlot) // on the heap, then
	} else {
		runtime.AddCleanup(c, func(b []byte) { _ = syscall.Munmap(b) }, slab)
	}
	c.slab = slab
	c.lru.next, c.lru.prev = &c.lru, &c.lru
	return c
}

func (c *bodyCache) body(e *bodyEntry) []byte {
	return c.slab[int(e.slot)*bodySlot:][:e.n]
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
	return append(dst, c.body(e)...), true
}

// ticket returns the generation to pass to put for a row about to be read.
func (c *bodyCache) ticket() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// put stores a copy of body under k unless a change was reported since
// ticket t, or body is longer than a slot.
func (c *bodyCache) put(t uint64, k bodyKey, created time.Time, body []byte) {
	if len(body) > bodySlot {
		return
	}
	e := &bodyEntry{key: k, n: int32(len(body)), created: created}
	c.mu.Lock()
	defer c.mu.Unlock()
	if t != c.gen {
		return
	}
	if old, ok := c.m[k]; ok {
		c.remove(old)
	}
	if len(c.free) == 0 {
		c.remove(c.lru.prev)
	}
	e.slot = c.free[len(c.free)-1]
	c.free = c.free[:len(c.free)-1]
	copy(c.slab[int(e.slot)*bodySlot:], body)
	c.m[k] = e
	c.pushFront(e)
}

// change forgets every answer that ch may have made wrong.
func (c *bodyCache) change(ch emcdp.Change) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	switch {
	case ch.All:
		for e := c.lru.next; e != &c.lru; {
			next := e.next
			c.remove(e)
			e = next
		}
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
	c.free = append(c.free, e.slot)
}

func (c *bodyCache) unlink(e *bodyEntry) {
	e.prev.next, e.next.prev = e.next, e.prev
}

func (c *bodyCache) pushFront(e *bodyEntry) {
	e.prev, e.next = &c.lru, c.lru.next
	c.lru.next.prev = e
	c.lru.next = e
}
