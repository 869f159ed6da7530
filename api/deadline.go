package api

import (
	"context"
	"sync"
	"time"
)

// deadlineCtx is the context of one request's work: the request's own
// context (its values, and its cancellation when the client goes away)
// with the request's deadline. It is context.WithDeadline made on first
// use: the timer behind the deadline, and the links to the parent, are set
// up only once something waits on the context (Done, Err, AfterFunc), as
// every store read and every wait for a scanning slot does. A request that
// waits on nothing (an answer from the body cache, for a caller whose logon
// session is remembered) sets up no timer at all, which spares its four
// allocations and the timer's scheduling on the hottest path.
//
// Its deadline is fixed when it is made, from the request's arrival, so a
// read made late in a request has only what remains of it, as with
// context.WithDeadline made at once.
type deadlineCtx struct {
	parent   context.Context
	deadline time.Time

	once   sync.Once
	ctx    context.Context // set by once: the WithDeadline, or a cancelled context after end
	cancel context.CancelFunc
}

// init points c at the context of parent with c's deadline.
func (c *deadlineCtx) init(parent context.Context, deadline time.Time) {
	if d, ok := parent.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	c.parent, c.deadline = parent, deadline
}

// made returns the context with the deadline, making it on first use.
func (c *deadlineCtx) made() context.Context {
	c.once.Do(func() { c.ctx, c.cancel = context.WithDeadline(c.parent, c.deadline) })
	return c.ctx
}

// end cancels the context, as the CancelFunc of context.WithDeadline would:
// once the request is answered, whatever still waits on it gives up, and
// whatever waits on it from now on finds it cancelled.
func (c *deadlineCtx) end() {
	c.once.Do(func() { c.ctx = canceled })
	if c.cancel != nil {
		c.cancel()
	}
}

// canceled is a context that is done: that of a request already answered
// whose context nobody had waited on.
var canceled = func() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}()

func (c *deadlineCtx) Deadline() (time.Time, bool) { return c.deadline, true }
func (c *deadlineCtx) Done() <-chan struct{}       { return c.made().Done() }
func (c *deadlineCtx) Err() error                  { return c.made().Err() }
func (c *deadlineCtx) Value(key any) any           { return c.parent.Value(key) }

// AfterFunc lets context.AfterFunc and the contexts derived from c attach
// to it directly, without a goroutine waiting on Done.
func (c *deadlineCtx) AfterFunc(f func()) func() bool { return context.AfterFunc(c.made(), f) }
