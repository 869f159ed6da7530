package storetest

import (
	"context"
	"encoding/hex"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
)

// testTasks checks the task store: numbers from one counter, listing by owner,
// finishing with a batch only as the lowest Running task of its target,
// cancel by delete, the per-owner bound, and pruning.
func testTasks(t *testing.T, st emcdp.Store) {
	ctx := context.Background()
	now := time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)
	ls := emcdp.LogonSession{ID: emcdp.NewID(), UserName: "op", UserKey: "op", Created: now, LastSeen: now}
	if err := st.CreateLogonSession(ctx, &ls); err != nil {
		t.Fatal(err)
	}
	owner := "s:" + hex.EncodeToString(emcdp.LogonSessionKey(ls.ID))
	target := emcdp.NewID()
	var ts []emcdp.Task
	for i := range 3 {
		tk := emcdp.Task{Owner: owner, Operation: "UpdateCdpPolicy", Action: "disable", Target: target, Created: now, ApplyAt: now.Add(time.Duration(i) * time.Second)}
		if err := st.CreateTask(ctx, &tk, 1000); err != nil {
			t.Fatal(err)
		}
		if i > 0 && tk.Num <= ts[i-1].Num {
			t.Fatalf("task numbers %d then %d", ts[i-1].Num, tk.Num)
		}
		ts = append(ts, tk)
	}
	due, err := st.DueTasks(ctx, now.Add(time.Hour), 10)
	if err != nil || len(due) != 1 || due[0].Num != ts[0].Num {
		t.Fatalf("due: %v %v; want only the lowest of the target", due, err)
	}
	// The second cannot finish before the first.
	second := ts[1]
	second.State, second.Finished, second.Success, second.Message = emcdp.OpFinished, now, true, "Ok"
	if err := st.Apply(ctx, &emcdp.Batch{FinishTasks: []emcdp.Task{second}, Meta: map[string]string{"x": "1"}}); !errors.Is(err, emcdp.ErrTaskGone) {
		t.Fatalf("finishing out of order: %v; want ErrTaskGone", err)
	}
	if v, _ := st.Meta(ctx, "x"); v != "" {
		t.Fatalf("a refused finish wrote its batch")
	}
	first := ts[0]
	first.State, first.Finished, first.Success, first.Message = emcdp.OpFinished, now, true, "Ok"
	first.Related = emcdp.TaskRelated{Type: "CdpPolicy", ID: target, Name: "p"}
	if err := st.Apply(ctx, &emcdp.Batch{FinishTasks: []emcdp.Task{first}}); err != nil {
		t.Fatal(err)
	}
	if err := st.Apply(ctx, &emcdp.Batch{FinishTasks: []emcdp.Task{first}}); !errors.Is(err, emcdp.ErrTaskGone) {
		t.Fatalf("finishing twice: %v; want ErrTaskGone", err)
	}
	got, err := st.Task(ctx, first.Num)
	if err != nil || got.State != emcdp.OpFinished || !got.Success || got.Related != first.Related || got.Owner != owner {
		t.Fatalf("read back: %+v %v", got, err)
	}
	if err := st.DeleteTask(ctx, ts[2].Num); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Task(ctx, ts[2].Num); !errors.Is(err, emcdp.ErrNotFound) {
		t.Fatalf("a deleted task: %v", err)
	}
	list, err := st.Tasks(ctx, owner)
	if err != nil || len(list) != 2 || list[0].Num != ts[0].Num {
		t.Fatalf("list: %v %v", list, err)
	}
	// The bound drops the oldest finished task.
	if err := st.CreateTask(ctx, &emcdp.Task{Owner: owner, Operation: "x", Action: "x", Target: emcdp.NewID(), Created: now, ApplyAt: now}, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Task(ctx, first.Num); !errors.Is(err, emcdp.ErrNotFound) {
		t.Fatalf("the bound kept the oldest finished task: %v", err)
	}
	// With every task Running, none can go: the bound refuses the task.
	full := emcdp.Task{Owner: owner, Operation: "x", Action: "x", Target: emcdp.NewID(), Created: now, ApplyAt: now}
	if err := st.CreateTask(ctx, &full, 2); !errors.Is(err, emcdp.ErrTooManyTasks) {
		t.Fatalf("a task beyond the bound with all Running: %v; want ErrTooManyTasks", err)
	}
	if list, err := st.Tasks(ctx, owner); err != nil || len(list) != 2 {
		t.Fatalf("the refused task was stored: %d tasks, %v", len(list), err)
	}
	testTaskBoundConcurrent(t, st, now)
	// Pruning: finished tasks of a gone logon session, and old Basic ones.
	basic := emcdp.Task{Owner: "user:op", Operation: "x", Action: "x", Target: emcdp.NewID(), Created: now, ApplyAt: now}
	if err := st.CreateTask(ctx, &basic, 1000); err != nil {
		t.Fatal(err)
	}
	basic.State, basic.Finished, basic.Success = emcdp.OpFinished, now, true
	if err := st.Apply(ctx, &emcdp.Batch{FinishTasks: []emcdp.Task{basic}}); err != nil {
		t.Fatal(err)
	}
	if n, err := st.PruneTasks(ctx, now.Add(-time.Hour)); err != nil || n != 0 {
		t.Fatalf("prune with the session alive and a young Basic task: %d %v", n, err)
	}
	if err := st.DeleteLogonSession(ctx, ls.ID); err != nil {
		t.Fatal(err)
	}
	if n, err := st.PruneTasks(ctx, now.Add(time.Hour)); err != nil || n != 1 {
		t.Fatalf("prune: %d %v; want the Basic task (the session's are Running)", n, err)
	}
}

// testTaskBoundConcurrent checks that the per-owner bound holds when many
// tasks of one owner are created at once, as replicas sharing a PostgreSQL
// store do: each creation counts the owner's tasks and inserts in one
// transaction, so two that count at the same time must not both insert the
// last allowed task.
func testTaskBoundConcurrent(t *testing.T, st emcdp.Store, now time.Time) {
	const bound, tries = 5, 40
	ctx := context.Background()
	owner := "user:bound-" + emcdp.NewID().String()
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		refused int
		failed  []error
	)
	for range tries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tk := emcdp.Task{Owner: owner, Operation: "x", Action: "x", Target: emcdp.NewID(), Created: now, ApplyAt: now}
			err := st.CreateTask(ctx, &tk, bound)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, emcdp.ErrTooManyTasks):
				refused++
			case err != nil:
				failed = append(failed, err)
			}
		}()
	}
	wg.Wait()
	if len(failed) > 0 {
		t.Fatalf("concurrent creations failed: %v", failed)
	}
	list, err := st.Tasks(ctx, owner)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != bound || refused != tries-bound {
		t.Fatalf("%d concurrent creations under a bound of %d: %d stored, %d refused; want %d and %d",
			tries, bound, len(list), refused, bound, tries-bound)
	}
}
