package emcdp

import (
	"sync"
	"time"
)

// Change describes what a write did to CDP task sessions that existed
// before it, or to logon sessions: a cache of what was read earlier forgets
// what a Change names. New task sessions and new logon sessions are not
// changes (they were not there to be read).
type Change struct {
	// All: anything may have changed (the store was cleared, or a
	// ChangeFeed started or stopped hearing the changes).
	All bool
	// Before, when not zero: the sessions of every kind created before it
	// were removed (Batch.DeleteSessionsBefore).
	Before time.Time
	// TaskSessions are the CDP task sessions whose row was overwritten
	// (Batch.UpdTaskSessions).
	TaskSessions []ID
	// Logons are the keys (LogonSessionKey) of the logon sessions ended by
	// a logoff, and LogonsBefore, when not zero, removed the logon sessions
	// last seen before it. Only a ChangeFeed reports them: the process
	// that ends a logon session forgets it by itself (auth.Service).
	Logons       [][32]byte
	LogonsBefore time.Time
}

// ChangeOf returns the change that b makes to existing CDP task sessions,
// and false when it makes none.
func ChangeOf(b *Batch) (Change, bool) {
	if b == nil || len(b.UpdTaskSessions) == 0 && b.DeleteSessionsBefore.IsZero() {
		return Change{}, false
	}
	ch := Change{Before: b.DeleteSessionsBefore}
	for i := range b.UpdTaskSessions {
		ch.TaskSessions = append(ch.TaskSessions, b.UpdTaskSessions[i].ID)
	}
	return ch, true
}

// ChangeNotifier is a store that tells listeners in its own process about
// the changes its writes make (see Changes). It says nothing about writes
// that other processes make to a shared database, so only a process that is
// its store's sole writer may rely on it.
type ChangeNotifier interface {
	OnChange(fn func(Change))
}

// ChangeFeed is a ChangeNotifier of a store that several processes share:
// it tells its listeners of every process's changes, soon after each
// commits, logon sessions' included (see Change), for as long as Listening
// reports true. While it reports false, changes may go unheard, and a
// listener must not use what it remembers. Before Listening turns true, and
// again when it turns false, the feed reports Change{All: true}.
type ChangeFeed interface {
	ChangeNotifier
	Listening() bool
}

// Changes keeps the listeners of a store's changes; a store embeds it and
// calls Changed once each write that makes a change has ended (committed or
// not: telling of a change that did not happen only costs a cache entry).
type Changes struct {
	mu  sync.Mutex
	fns []func(Change)
}

// OnChange adds a listener. It is called synchronously after each write,
// possibly from several goroutines at once.
func (c *Changes) OnChange(fn func(Change)) {
	c.mu.Lock()
	c.fns = append(c.fns, fn)
	c.mu.Unlock()
}

// Changed tells every listener about ch.
func (c *Changes) Changed(ch Change) {
	c.mu.Lock()
	fns := c.fns
	c.mu.Unlock()
	for _, fn := range fns {
		fn(ch)
	}
}

// Applied tells every listener about the change that batch b made, if any.
func (c *Changes) Applied(b *Batch) {
	if ch, ok := ChangeOf(b); ok {
		c.Changed(ch)
	}
}
