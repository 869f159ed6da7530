package sqlite

import (
	"sync"

	"github.com/emcdp/emcdp/sqlgen"
)

// anchors remembers where deep pages in creation order started inside a day
// of a bucketed table: the key of the row that came k rows after the day's
// first row in that order, under the version of the day's count
// (sqlgen.CountVersions). A deep page starts inside one day (see seek);
// without an anchor it skips every row of the day before it over the index,
// about 22,000 entries for the middle page of a million task sessions, half
// the instructions of the request. With one it starts at the remembered row
// and skips only the rows between.
//
// An anchor holds while the day's count keeps its version: every write that
// adds rows to that day or removes rows from it writes the count, and with
// it a new version, in the same transaction, so the rows of the day, and
// the k-th of them, are those the anchor was taken from. The version is read
// in the transaction that reads the page, and an anchor of another version
// is never used. Writes to other days (today's, where new sessions arrive,
// and the oldest, which the trim shortens) leave a day's anchors in place;
// the rows before the day are counted from the counts as before.
type anchors struct {
	mu   sync.Mutex
	days map[anchorDay]*dayAnchors
}

// anchorDay names one day of one table, in one direction of the order.
type anchorDay struct {
	table  string
	bucket int64
	desc   bool
}

// dayAnchors are the anchors of one day at one version of its count.
type dayAnchors struct {
	ver int64
	at  []anchor
}

// anchor is the key of the row k rows after the first of its day.
type anchor struct {
	k   int64
	key sqlgen.Key
}

// Bounds of what is remembered: anchors per day, and days. A day past its
// bound forgets its oldest anchor, and a new day past the bound forgets an
// arbitrary one: either only costs a walk inside a day.
const (
	maxDayAnchors = 16
	maxAnchorDays = 256
)

// find returns the anchor of day at version ver that comes last at or
// before row k of the day, and false when there is none.
func (a *anchors) find(day anchorDay, ver, k int64) (anchor, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	da := a.days[day]
	if da == nil || da.ver != ver {
		return anchor{}, false
	}
	best, ok := anchor{}, false
	for _, x := range da.at {
		if x.k <= k && (!ok || x.k > best.k) {
			best, ok = x, true
		}
	}
	return best, ok
}

// add remembers that row k of day at version ver has key.
func (a *anchors) add(day anchorDay, ver, k int64, key sqlgen.Key) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.days == nil {
		a.days = map[anchorDay]*dayAnchors{}
	}
	da := a.days[day]
	switch {
	case da == nil:
		if len(a.days) >= maxAnchorDays {
			for d := range a.days {
				delete(a.days, d)
				break
			}
		}
		da = &dayAnchors{ver: ver}
		a.days[day] = da
	case da.ver < ver:
		// The day changed since: its anchors name other rows.
		da.ver, da.at = ver, da.at[:0]
	case da.ver > ver:
		// A reader of an older snapshot: keep the newer anchors.
		return
	}
	for _, x := range da.at {
		if x.k == k {
			return
		}
	}
	if len(da.at) >= maxDayAnchors {
		da.at = append(da.at[:0], da.at[1:]...)
	}
	da.at = append(da.at, anchor{k: k, key: key})
}
