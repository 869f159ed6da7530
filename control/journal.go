package control

import (
	"strings"
	"sync"
	"time"
)

// Entry is one request in the journal.
type Entry struct {
	ID       string    `json:"id"`
	Time     time.Time `json:"time"`
	Method   string    `json:"method"`
	Path     string    `json:"path"`
	Query    string    `json:"query"` // the raw query string, secrets redacted
	User     string    `json:"user,omitempty"`
	Status   int       `json:"status"` // 0 when the connection was dropped before an answer
	Bytes    int       `json:"bytes"`
	Duration float64   `json:"durationMs"`
	Fault    string    `json:"fault,omitempty"` // the id of the fault rule applied
}

// Journal keeps the last requests in a ring of fixed size.
type Journal struct {
	mu   sync.Mutex
	ring []Entry
	next int // where the next entry goes
	full bool
}

// DefaultJournalSize is the number of requests kept when none is configured.
const DefaultJournalSize = 1000

// NewJournal returns a journal keeping the last size requests.
func NewJournal(size int) *Journal {
	if size <= 0 {
		size = DefaultJournalSize
	}
	return &Journal{ring: make([]Entry, size)}
}

// Add records e, dropping the oldest entry when the journal is full.
func (j *Journal) Add(e Entry) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.ring[j.next] = e
	j.next++
	if j.next == len(j.ring) {
		j.next, j.full = 0, true
	}
}

// Clear forgets every entry.
func (j *Journal) Clear() {
	j.mu.Lock()
	defer j.mu.Unlock()
	clear(j.ring)
	j.next, j.full = 0, false
}

// Filter selects journal entries; zero fields select everything.
type Filter struct {
	Method string    // equal, case-insensitively
	Path   string    // contained in the path, case-insensitively
	Status int       // equal
	Since  time.Time // at or after
	Limit  int       // the newest Limit entries only
}

func (f Filter) match(e *Entry) bool {
	return (f.Method == "" || strings.EqualFold(f.Method, e.Method)) &&
		(f.Path == "" || strings.Contains(strings.ToLower(e.Path), strings.ToLower(f.Path))) &&
		(f.Status == 0 || f.Status == e.Status) &&
		(f.Since.IsZero() || !e.Time.Before(f.Since))
}

// Entries returns the entries that f selects, oldest first.
func (j *Journal) Entries(f Filter) []Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	var all []Entry
	if j.full {
		all = append(all, j.ring[j.next:]...)
	}
	all = append(all, j.ring[:j.next]...)
	out := []Entry{}
	for i := range all {
		if f.match(&all[i]) {
			out = append(out, all[i])
		}
	}
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[len(out)-f.Limit:]
	}
	return out
}
