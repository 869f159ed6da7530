package api

import (
	"context"
	"errors"
	"testing"
	"time"
)

type ctxKey struct{}

// TestDeadlineCtx checks that the lazily made context of a request behaves
// as context.WithDeadline made at once: its deadline, its values, its end
// at the deadline, with its parent and at end, and the contexts derived
// from it.
func TestDeadlineCtx(t *testing.T) {
	parent := context.WithValue(context.Background(), ctxKey{}, "v")
	at := time.Now().Add(50 * time.Millisecond)
	var c deadlineCtx
	c.init(parent, at)
	if d, ok := c.Deadline(); !ok || !d.Equal(at) {
		t.Errorf("Deadline() = %v, %v, want %v", d, ok, at)
	}
	if c.Value(ctxKey{}) != "v" {
		t.Errorf("Value: %v", c.Value(ctxKey{}))
	}
	child, cancel := context.WithCancel(&c)
	defer cancel()
	if c.Err() != nil {
		t.Fatalf("Err before the deadline: %v", c.Err())
	}
	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("not done 5 s after its deadline")
	}
	if !errors.Is(c.Err(), context.DeadlineExceeded) {
		t.Errorf("Err after the deadline: %v", c.Err())
	}
	select {
	case <-child.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("a derived context is not done after the deadline")
	}
	c.end()
	if !errors.Is(c.Err(), context.DeadlineExceeded) {
		t.Errorf("Err after end: %v, want the deadline's", c.Err())
	}

	// A parent with an earlier deadline keeps it.
	early, cancelEarly := context.WithDeadline(context.Background(), time.Now().Add(time.Minute))
	defer cancelEarly()
	var e deadlineCtx
	e.init(early, time.Now().Add(time.Hour))
	if d, _ := e.Deadline(); d.After(time.Now().Add(2 * time.Minute)) {
		t.Errorf("Deadline() = %v, later than the parent's", d)
	}

	// The parent's cancellation reaches it.
	p, cancelP := context.WithCancel(context.Background())
	var q deadlineCtx
	q.init(p, time.Now().Add(time.Hour))
	cancelP()
	select {
	case <-q.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("not done after its parent was cancelled")
	}
	if !errors.Is(q.Err(), context.Canceled) {
		t.Errorf("Err after the parent's cancellation: %v", q.Err())
	}

	// Ended before anything waited on it: done, and cancelled.
	var u deadlineCtx
	u.init(context.Background(), time.Now().Add(time.Hour))
	u.end()
	select {
	case <-u.Done():
	default:
		t.Error("not done after end")
	}
	if !errors.Is(u.Err(), context.Canceled) {
		t.Errorf("Err after end: %v", u.Err())
	}

	// Ended after a read began: that read sees it cancelled.
	var w deadlineCtx
	w.init(context.Background(), time.Now().Add(time.Hour))
	done := w.Done()
	w.end()
	select {
	case <-done:
	default:
		t.Error("a read waiting on it is not released by end")
	}
}
