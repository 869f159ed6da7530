package api

import (
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/wire"
)

// DefaultBodyCacheBytes is the size of the body cache that "emcdp serve"
// gives a store it is the sole writer of: packed (bodypack.go), an XML
// task-session entity takes about 300 bytes (five chunks), a reference
// about 250 (four), so it holds about 26,000 answers.
const DefaultBodyCacheBytes = 8 << 20

// bodyChunk is the unit of the cache's slab: a packed answer takes as many
// chunks as it needs, anywhere in the slab.
const bodyChunk = 64

// maxCachedBody is the longest answer kept.
const maxCachedBody = 16 << 10

// maxBodyShapes bounds the shapes (format, representation, base URL) that
// the cache keeps answers of: each has its dictionary, and the base URL
// comes from the request's Host. Answers of further shapes are not kept.
const maxBodyShapes = 64

// bodyShape is what every answer of one dictionary has in common. Profile
// and BOM are the handler's own, so a cache belongs to one handler and they
// need no place here; the base URL does, since every Href of the body is
// built on it.
type bodyShape struct {
	format wire.Format
	rep    wire.Rep
	base   string
}

// bodyKey names one encoded answer: the task session and the number of its
// shape's dictionary.
type bodyKey struct {
	id    emcdp.ID
	shape uint16
}

type bodyEntry struct {
	key        bodyKey
	n          int32   // the packed body's length
	size       int32   // the body's length
	chunks     []int32 // the packed body, in these chunks of the slab in order
	created    int64   // the task session's creation time in Unix nanoseconds (Change.Before)
	prev, next *bodyEntry
}

// bodyCache keeps the encoded answers of GET /cdpReplicaTaskSessions/{id}
// for task sessions that have ended, least recently used first out when
// its chunks are taken. The answers are packed against their shape's
// dictionary (bodypack.go) and kept in a slab mapped outside the Go heap,
// so that the cache costs exactly its size: on the heap, its bytes would
// also raise the garbage collector's goal by as much again. Beside the
// slab, each entry takes about 150 bytes of heap (entry, chunk list, map
// slot), and each shape about 18 KB (its dictionary and hash table).
//
// A task session that has ended changes only through the writes that
// emcdp.Change describes (an update of its row, the removal of old
// sessions, a cleared store), which the store reports to change as they
// happen; so a cached answer is the answer the store would give. The store
// reports only its own process's writes, so the cache is for a sole writer
// (serve on SQLite, where "emcdp seed" beside the server only adds sessions
// and ends running ones), never for replicas sharing a database. The
// dictionaries are not answers: a change leaves them.
//
// An answer is stored with the ticket taken before its row was read: a
// change reported in between raises the generation and the answer, which
// may have been read before the change committed, is not stored.
type bodyCache struct {
	// shapes is read without a lock; a new shape replaces the map under mu.
	shapes atomic.Pointer[map[bodyShape]*bodyDict]

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
	c.shapes.Store(&map[bodyShape]*bodyDict{})
	return c
}

// packed appends the packed body of e to dst.
func (c *bodyCache) packed(dst []byte, e *bodyEntry) []byte {
	n := int(e.n)
	for _, ch := range e.chunks {
		k := min(n, bodyChunk)
		dst = append(dst, c.slab[int(ch)*bodyChunk:][:k]...)
		n -= k
	}
	return dst
}

// get appends the cached answer of id in shape s to dst.
func (c *bodyCache) get(s *bodyShape, id emcdp.ID, dst []byte) ([]byte, bool) {
	d := (*c.shapes.Load())[*s]
	if d == nil {
		return dst, false
	}
	var buf [1024]byte
	c.mu.Lock()
	e, ok := c.m[bodyKey{id: id, shape: d.idx}]
	if !ok {
		c.mu.Unlock()
		return dst, false
	}
	c.unlink(e)
	c.pushFront(e)
	p := c.packed(buf[:0], e)
	c.mu.Unlock()
	return d.unpack(dst, p, int(e.size)), true
}

// ticket returns the generation to pass to put for a row about to be read.
func (c *bodyCache) ticket() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// dict returns the dictionary of shape s, made of body if s has none yet;
// nil when the cache has maxBodyShapes already.
func (c *bodyCache) dict(s *bodyShape, body []byte) *bodyDict {
	if d := (*c.shapes.Load())[*s]; d != nil {
		return d
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	old := *c.shapes.Load()
	if d := old[*s]; d != nil || len(old) >= maxBodyShapes {
		return d
	}
	d := newBodyDict(body, uint16(len(old)))
	m := make(map[bodyShape]*bodyDict, len(old)+1)
	for k, v := range old {
		m[k] = v
	}
	m[*s] = d
	c.shapes.Store(&m)
	return d
}

// put stores body, the answer of id in shape s, packed, unless a change was
// reported since ticket t, or body is longer than maxCachedBody or its
// packed form than the whole cache, or s is a shape too many.
func (c *bodyCache) put(t uint64, s *bodyShape, id emcdp.ID, created time.Time, body []byte) {
	if len(body) > maxCachedBody {
		return
	}
	d := c.dict(s, body)
	if d == nil {
		return
	}
	p := d.pack(make([]byte, 0, len(body)/2), body)
	need := (len(p) + bodyChunk - 1) / bodyChunk
	if need > len(c.slab)/bodyChunk {
		return
	}
	k := bodyKey{id: id, shape: d.idx}
	e := &bodyEntry{key: k, n: int32(len(p)), size: int32(len(body)), created: created.UnixNano(), chunks: make([]int32, need)}
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
		copy(c.slab[int(e.chunks[i])*bodyChunk:][:bodyChunk], p[i*bodyChunk:])
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
		before := ch.Before.UnixNano()
		for e := c.lru.next; e != &c.lru; {
			next := e.next
			if e.created < before {
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
