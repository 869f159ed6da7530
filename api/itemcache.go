package api

import (
	"sync"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/wire"
)

// DefaultItemCacheBytes is the size of the item cache that "emcdp serve"
// gives a store that versions items (emcdp.VersionedQuerier): a backup job
// session with its restore-point links takes about 2.3 KB as JSON and
// 3.5 KB as XML, so it holds some 1,500 of them, the 24 hours of job
// sessions of a large installation several times over.
const DefaultItemCacheBytes = 4 << 20

// maxItemShapes bounds the shapes (format and base URL) that the item cache
// keeps items of, as maxBodyShapes does for the body cache.
const maxItemShapes = 64

// itemOverhead is what an entry costs beside its bytes (entry, map slot),
// counted against the cache's size.
const itemOverhead = 128

// itemShape is what every cached item of one encoding has in common beside
// the item: the format and the base URL (from the request's Host) of the
// answer. A cache belongs to one handler, whose profile and BOM are fixed,
// and holds entities of query answers only.
type itemShape struct {
	format wire.Format
	base   string
}

// itemKey names one cached item: its id and the number of its shape.
type itemKey struct {
	id    emcdp.ID
	shape uint16
}

type itemEntry struct {
	key        itemKey
	ver        int64
	b          []byte // never changed once stored
	prev, next *itemEntry
}

// itemCache keeps the encoded entities of query answers of the versioned
// kinds (emcdp.VersionedQuerier: the backup job sessions with their restore
// points), each under the version its row had when it was read, least
// recently used first out past its size. A store's version changes with
// every write that changes what the entity holds, by any process, and never
// comes back, so an item found at the version the page's read gives is the
// item that read would encode: the cache needs no report of changes and is
// never stale. An entry of an older version is replaced when its item is
// next encoded, or falls out by age. Whole answers are not kept: clients
// move their filters' bounds on every poll, while the items repeat.
type itemCache struct {
	mu     sync.Mutex
	shapes map[itemShape]uint16
	m      map[itemKey]*itemEntry
	lru    itemEntry // sentinel: lru.next is the most recent, lru.prev the least
	size   int       // the bytes held, itemOverhead included
	max    int
}

// newItemCache returns a cache of size bytes.
func newItemCache(size int) *itemCache {
	c := &itemCache{shapes: map[itemShape]uint16{}, m: map[itemKey]*itemEntry{}, max: size}
	c.lru.next, c.lru.prev = &c.lru, &c.lru
	return c
}

// shape returns the number of shape s, and false when the cache holds
// maxItemShapes others.
func (c *itemCache) shape(s itemShape) (uint16, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.shapes[s]
	if !ok && len(c.shapes) < maxItemShapes {
		n, ok = uint16(len(c.shapes)), true
		c.shapes[s] = n
	}
	return n, ok
}

// get returns the item id of shape at version ver, nil when the cache has
// none. The bytes are the cache's: never written.
func (c *itemCache) get(shape uint16, id emcdp.ID, ver int64) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.m[itemKey{id: id, shape: shape}]
	if e == nil || e.ver != ver {
		return nil
	}
	c.unlink(e)
	c.pushFront(e)
	return e.b
}

// put stores a copy of b as the item id of shape at version ver, in place
// of any other version, unless it is larger than the whole cache.
func (c *itemCache) put(shape uint16, id emcdp.ID, ver int64, b []byte) {
	n := len(b) + itemOverhead
	if n > c.max {
		return
	}
	e := &itemEntry{key: itemKey{id: id, shape: shape}, ver: ver, b: append([]byte(nil), b...)}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.m[e.key]; old != nil {
		c.remove(old)
	}
	for c.size+n > c.max {
		c.remove(c.lru.prev)
	}
	c.m[e.key] = e
	c.size += n
	c.pushFront(e)
}

func (c *itemCache) remove(e *itemEntry) {
	c.unlink(e)
	delete(c.m, e.key)
	c.size -= len(e.b) + itemOverhead
}

func (c *itemCache) unlink(e *itemEntry) {
	e.prev.next, e.next.prev = e.next, e.prev
}

func (c *itemCache) pushFront(e *itemEntry) {
	e.prev, e.next = &c.lru, c.lru.next
	c.lru.next.prev = e
	c.lru.next = e
}
