// Package action runs the write side (actions.md): it stores each write as
// a Running Task, and applies it once its delay has passed, in one store
// transaction that writes the effect and finishes the task together.
// Writes to one object apply one at a time in task order, also across
// replicas sharing a store (the store refuses to finish a task while a
// lower-numbered one of the same object is Running).
package action

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/emcdp/emcdp"
)

// Defaults of a Service.
const (
	DefaultDelay  = time.Second // actions.md §3.4
	MaxTasks      = 1000        // kept per owner (actions.md §3.5)
	BasicTaskKeep = time.Hour   // how long a finished Basic-owned task is kept
	pollInterval  = 100 * time.Millisecond
	dueBatch      = 100
)

// Service creates and applies tasks.
type Service struct {
	Store emcdp.Store
	// World is the clock of the simulated world: effects happen at its Now.
	World emcdp.Clock
	// Wall is the clock of the task delay. Nil: the system clock.
	Wall emcdp.Clock
	// Delay is how long after its creation a task applies; negative: 0.
	Delay  time.Duration
	Logger *slog.Logger
	// Serial, when set, is held while a write applies; the simulator holds
	// it during each step (sim.Live.Serial).
	Serial sync.Locker

	mu sync.Mutex // one apply pass at a time in this process
}

func (s *Service) wall() time.Time {
	if s.Wall == nil {
		return time.Now().UTC()
	}
	return s.Wall.Now().UTC()
}

// Submit stores t as Running, due Delay from now, and returns at once; with
// a zero delay the task is applied before Submit returns, so t is then
// already Finished.
func (s *Service) Submit(ctx context.Context, t *emcdp.Task) error {
	now := s.wall()
	t.Created, t.ApplyAt = now, now.Add(max(s.Delay, 0))
	if err := s.Store.CreateTask(ctx, t, MaxTasks); err != nil {
		return err
	}
	if s.Delay > 0 {
		return nil
	}
	if err := s.ApplyDue(ctx); err != nil {
		return err
	}
	got, err := s.Store.Task(ctx, t.Num)
	if err != nil {
		return err
	}
	*t = *got
	return nil
}

// Run applies due tasks until ctx ends, and prunes the tasks nobody can
// read any more.
func (s *Service) Run(ctx context.Context) {
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	lastPrune := time.Time{}
	for {
		if err := s.ApplyDue(ctx); err != nil && ctx.Err() == nil {
			s.log().Warn("applying tasks failed; retrying", "err", err)
		}
		if now := s.wall(); now.Sub(lastPrune) > time.Minute {
			if _, err := s.Store.PruneTasks(ctx, now.Add(-BasicTaskKeep)); err != nil && ctx.Err() == nil {
				s.log().Warn("pruning tasks failed", "err", err)
			}
			lastPrune = now
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (s *Service) log() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}

// ApplyDue applies every task that is due, in task order. A task that
// cannot be applied stays Running, to be tried again at the next pass, and
// its error is returned once the other due tasks are applied: a task due
// holds back only the later tasks of its own object (DueTasks lists the
// lowest Running one of each), not those of every object.
func (s *Service) ApplyDue(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		due, err := s.Store.DueTasks(ctx, s.wall(), dueBatch)
		if err != nil {
			return err
		}
		var first error
		for i := range due {
			if err := s.apply(ctx, &due[i]); err != nil && !errors.Is(err, emcdp.ErrTaskGone) {
				if ctx.Err() != nil {
					return err
				}
				first = cmp.Or(first, err)
			}
		}
		// After a failure the next list would start with the same task
		// again: the rest waits for the next pass.
		if first != nil || len(due) < dueBatch {
			return first
		}
	}
}

// apply works out the task's effect at the world's now and writes it with
// the task's verdict in one transaction.
func (s *Service) apply(ctx context.Context, t *emcdp.Task) error {
	if s.Serial != nil {
		s.Serial.Lock()
		defer s.Serial.Unlock()
	}
	at := emcdp.Ticks(s.World.Now())
	e := &effect{s: s, ctx: ctx, t: t, at: at, b: &emcdp.Batch{}}
	var err error
	switch t.Operation {
	case OpStartJob, OpStopJob, OpRetryJob, OpUpdateJob, OpCloneJob:
		err = e.job()
	default:
		err = e.policy()
	}
	if err != nil {
		return err
	}
	t.State, t.Finished = emcdp.OpFinished, s.wall()
	if !t.Success {
		*e.b = emcdp.Batch{} // a failed task changes nothing
		t.Related = emcdp.TaskRelated{}
	}
	e.b.FinishTasks = []emcdp.Task{*t}
	return s.Store.Apply(ctx, e.b)
}

// Operation names (actions.md §1).
const (
	OpEditCdpPolicy   = "EditCdpPolicy"
	OpUpdateCdpPolicy = "UpdateCdpPolicy"
	OpStartJob        = "StartJob"
	OpStopJob         = "StopJob"
	OpRetryJob        = "RetryJob"
	OpUpdateJob       = "UpdateJob"
	OpCloneJob        = "CloneJob"
)

// effect is the work of applying one task.
type effect struct {
	s   *Service
	ctx context.Context
	t   *emcdp.Task
	at  time.Time
	b   *emcdp.Batch
	n   uint32 // ids drawn

	events []emcdp.WorldEvent // the target's world events, once read
}

func (e *effect) ok(msg string) error {
	e.t.Success, e.t.Message = true, msg
	return nil
}

func (e *effect) fail(msg string) error {
	e.t.Success, e.t.Message = false, msg
	return nil
}

// newID returns the next id of the effect: derived from the task number and
// the target, so that the same sequence of writes makes the same ids.
func (e *effect) newID() emcdp.ID {
	e.n++
	var buf [8 + 16 + 4]byte
	binary.BigEndian.PutUint64(buf[:8], uint64(e.t.Num))
	copy(buf[8:24], e.t.Target[:])
	binary.BigEndian.PutUint32(buf[24:], e.n)
	return derivedID(buf[:])
}

// derivedID makes a version-4-shaped id from the hash of b.
func derivedID(b []byte) emcdp.ID {
	h := sha256.Sum256(b)
	var id emcdp.ID
	copy(id[:], h[:16])
	id[6] = id[6]&0x0f | 0x40
	id[8] = id[8]&0x3f | 0x80
	return id
}

// query reads every item of kind k matching f, newest first when sorted by
// CreationTime.
func (e *effect) query(k emcdp.Kind, f emcdp.Expr, sortField string, desc bool, pageSize int) (*emcdp.QueryResult, error) {
	q := &emcdp.Query{Kind: k, Filter: f, PageSize: pageSize, Page: 1, NoTotal: true, Desc: desc}
	if pageSize == 0 {
		q.Page = 0
	}
	if sortField != "" {
		fd, ok := emcdp.LookupField(k, sortField)
		if !ok {
			return nil, errors.New("action: no field " + sortField + " on " + k.String())
		}
		q.Sort = &fd
	}
	return e.s.Store.Query(e.ctx, q)
}

// idIs is the filter "field == id" on kind k.
func idIs(k emcdp.Kind, field string, id emcdp.ID) emcdp.Expr {
	f, ok := emcdp.LookupField(k, field)
	if !ok {
		panic("action: no field " + field + " on " + k.String())
	}
	return &emcdp.Term{Field: f, Op: emcdp.OpEq, Value: emcdp.Value{ID: id}}
}
