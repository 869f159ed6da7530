package sqlite

/*
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

// trim_freed hands the pages that the C allocator holds free back to the
// system and tells whether it could.
static int trim_freed(void) {
#ifdef __GLIBC__
	malloc_trim(0);
	return 1;
#else
	return 0;
#endif
}
*/
import "C"

import "time"

// SQLite allocates its page caches, statements and sorts with the C
// allocator, which keeps freed memory for reuse. glibc gives back to the
// system only the free space at the very top of a heap: pages freed below a
// block still in use stay resident, however much of them there is. Which
// case a release falls in depends on what was allocated after it, and on
// which of the allocator's per-thread heaps served it. So the 30 to 40 MB
// that the writer's page cache holds after the statistics read at open,
// freed by PRAGMA shrink_memory, stayed resident in some runs of the same
// server and not in others, and the readers' caches, which fill and empty
// again as they serve, left up to 10 MB more of free pages behind.
// malloc_trim releases free pages wherever they are.

// trimEvery is how often an open store hands the C allocator's free pages
// back to the system (see trimLoop). A trim costs 1.5 to 2 ms of CPU when
// nothing new is free, plus about 25 µs per 4 KiB page it hands back
// (measured on 2 shared cores).
const trimEvery = time.Second

// releaseFreed hands the C allocator's free pages back to the system. It
// reports false where the allocator offers no way to (not glibc).
func releaseFreed() bool { return C.trim_freed() != 0 }

// trimLoop calls trimTick every trimEvery until done is closed or the
// allocator offers no trim, so that memory freed by readers' caches and sorts
// does not stay resident.
func (db *DB) trimLoop(done <-chan struct{}) {
	t := time.NewTicker(trimEvery)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			if _, more := db.trimTick(); !more {
				return
			}
		}
	}
}

// trimTick hands the C allocator's free pages back to the system unless a
// bulk load is under way, and reports whether it did and whether trimming
// is possible at all. A bulk load frees and allocates again, within the
// second, the pages of its 128 MiB cache and of its sorts: handing them back
// each second only made the kernel zero and fault them in anew (a seed of
// 235,000 task sessions spent 15 % of its CPU in the trims' madvise, the
// TLB flushes they caused and the page faults after them); EndBulk trims
// once when it is over.
func (db *DB) trimTick() (trimmed, more bool) {
	if db.bulk.Load() {
		return false, true
	}
	ok := releaseFreed()
	return ok, ok
}
