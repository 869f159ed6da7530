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
// gives a store it is the sole writer of: 8,192 XML task-session entities
// (1.4 KB, six chunks each) or 12,288 references (1.0 KB, four chunks).
const DefaultBodyCacheBytes = 12 << 20

// bodyChunk is the unit of the cache's slab: an answer takes as many
// chunks as it needs, anywhere in the slab.
const bodyChunk = 256

// maxCachedBody is the longest answer kept.
const maxCachedBody = 16 << 10

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
	chunks     []int32 // the body, n bytes, in these chunks of the slab in order
	n          int
	created    time.Time // the task session's creation time (Change.Before)
	prev, next *bodyEntry
}

// bodyCache keeps the encoded answers of GET /cdpReplicaTaskSessions/{id}
// for task sessions that have ended, least recently used first out when
// its chunks are taken. The bodies are kept in a slab mapped outside the Go
// heap, so that the cache costs exactly its size: on the heap, its bytes
// would also raise the garbage collector's goal by as much again. Beside
// the slab, each entry takes about 180 bytes of heap (entry, chunk list,
// key and map slot): 1.5 MB for 8,192 entries.
//
// A task session that has ended changes only through the writes that
// emcdp.Change describes (an update of its row, the removal of old
// sessions, a cleared store), which the store reports to change as they
// happen; so a cached answer is the answer the store would give. The store
// reports only its own process's writes, so the cache is for a sole writer
// (serve on SQLite, where "emcdp seed" beside the server only adds sessions
// and ends running ones), never for replicas sharing a database.
//
// An answer is stored with the ticket taken before its row was read: a
// change reported in between raises the generation and the answer, which
// may have been read before the change committed, is not stored.
type bodyCache struct {
	mu   sync.Mutex
	slab []byte
	free []int32 // the chunks no entry holds
	gen  uint64
	m    map[bodyKey]*bodyEntry
	lru  bodyEntry // sentinel: lru.next is the most recent, lru.prev the least
}

// newBodyCache returns a cache of size bytes (at least one chunk).
func newBodyCache(size int) *bodyCache {
	chunks := max(1, size/bodyChunk)
	c := &bodyCache{m: make(map[bodyKey]*bodyEntry), free: make([]int32, chunks)}
	for i := range c.free {
		c.free[i] = int32(chunks - 1 - i)
	}
	slab, err := syscall.Mmap(-1, 0, chunks*bodyChunk, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		slab = make([]byte, chunks*bodyChunk) // on the heap, then
	} else {
		runtime.AddCleanup(c, func(b []byte) { _ = syscall.Munmap(b) }, slab)
	}
	c.slab = slab
	c.lru.next, c.lru.prev = &c.lru, &c.lru
	return c
}

// appendBody appends the body of e to dst.
func (c *bodyCache) appendBody(dst []byte, e *bodyEntry) []byte {
	n := e.n
	for _, ch := range e.chunks {
		k := min(n, bodyChunk)
		dst = append(dst, c.slab[int(ch)*bodyChunk:][:k]...)
		n -= k
	}
	return dst
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
	return c.appendBody(dst, e), true
}

// ticket returns the generation to pass to put for a row about to be read.
func (c *bodyCache) ticket() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// put stores a copy of body under k unless a change was reported since
// ticket t, or body is longer than maxCachedBody or the whole cache.
func (c *bodyCache) put(t uint64, k bodyKey, created time.Time, body []byte) {
	need := (len(body) + bodyChunk - 1) / bodyChunk
	if len(body) > maxCachedBody || need > len(c.slab)/bodyChunk {
		return
	}
	e := &bodyEntry{key: k, n: len(body), created: created, chunks: make([]int32, need)}
	c.mu.Lock()
	defer c.mu.Unlock()
	if t != c.gen {
		return
	}
	if old, ok := c.m[k]; ok {
		c.remove(old)
	}
	for len(c.free) < need {
		c.remove(c.lru.prev)
	}
	for i := range e.chunks {
		e.chunks[i] = c.free[len(c.free)-1]
		c.free = c.free[:len(c.free)-1]
		copy(c.slab[int(e.chunks[i])*bodyChunk:][:bodyChunk], body[i*bodyChunk:])
	}
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
	c.free = append(c.free, e.chunks...)
}

func (c *bodyCache) unlink(e *bodyEntry) {
	e.prev.next, e.next.prev = e.next, e.prev
}

func (c *bodyCache) pushFront(e *bodyEntry) {
	e.prev, e.next = &c.lru, c.lru.next
	c.lru.next.prev = e
	c.lru.next = e
}
