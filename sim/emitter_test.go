package sim

import (
	"context"
	"testing"

	"github.com/emcdp/emcdp"
)

// TestEmitterReusesBatches checks that a batch's row slices take the rows of
// the batch after next (by then the store has written it), and that no
// batch is changed before the next flush returns.
func TestEmitterReusesBatches(t *testing.T) {
	var held []emcdp.Batch // each flushed batch, as handed over
	var names []string     // its rows' names when handed over
	var firsts []*emcdp.TaskSession
	rows := func(b emcdp.Batch) (s string) {
		for _, r := range b.NewTaskSessions {
			s += r.Name
		}
		return s
	}
	e := &emitter{size: 3}
	e.flush = func(_ context.Context, b *emcdp.Batch) error {
		if n := len(held); n > 0 && rows(held[n-1]) != names[n-1] {
			t.Fatalf("batch %d changed before the next flush returned: %q, was %q", n-1, rows(held[n-1]), names[n-1])
		}
		held, names = append(held, *b), append(names, rows(*b))
		firsts = append(firsts, &b.NewTaskSessions[0])
		return nil
	}
	for i := range 9 {
		if !e.take() {
			t.Fatal("row not taken")
		}
		e.b.NewTaskSessions = append(e.b.NewTaskSessions, emcdp.TaskSession{Name: string(rune('a' + i))})
		if err := e.maybeFlush(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if len(held) != 3 {
		t.Fatalf("%d flushes, want 3", len(held))
	}
	if firsts[2] != firsts[0] {
		t.Error("the third batch did not reuse the first one's memory")
	}
	if firsts[1] == firsts[0] {
		t.Error("the second batch shares the first one's memory")
	}
	if got := rows(held[2]); got != "ghi" {
		t.Errorf("third batch holds %q, want ghi", got)
	}
	if e.tasks != 9 {
		t.Errorf("tasks %d, want 9", e.tasks)
	}
}
