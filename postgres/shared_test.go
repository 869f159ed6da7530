package postgres

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/storetest"
)

// TestSharedState opens two stores on one schema, as two replicas do, and
// checks that what one writes the other reads at once: logon sessions, their
// touches, logoffs and expiry, failure counters, and the CDP world.
func TestSharedState(t *testing.T) {
	ctx := context.Background()
	u := freshSchema(t)
	a, err := Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	at := storetest.Base
	s := emcdp.LogonSession{ID: emcdp.NewID(), UserName: `LAB\operator`, UserKey: "operator", Created: at, LastSeen: at}
	if err := a.CreateLogonSession(ctx, &s); err != nil {
		t.Fatal(err)
	}
	if got, err := b.LogonSession(ctx, s.ID); err != nil || got.UserName != s.UserName {
		t.Fatalf("session created at a, read at b: %+v, %v", got, err)
	}
	later := at.Add(10 * time.Minute)
	if err := b.TouchLogonSession(ctx, s.ID, later); err != nil {
		t.Fatal(err)
	}
	if got, err := a.LogonSession(ctx, s.ID); err != nil || !got.LastSeen.Equal(later) {
		t.Errorf("touch at b, read at a: %+v, %v", got, err)
	}
	// Expiry at one replica ends the session at both.
	if n, err := a.DeleteLogonSessionsBefore(ctx, later.Add(time.Second)); err != nil || n != 1 {
		t.Errorf("expiry at a = %d, %v", n, err)
	}
	if _, err := b.LogonSession(ctx, s.ID); !errors.Is(err, emcdp.ErrNotFound) {
		t.Errorf("expired at a, read at b: %v", err)
	}
	if err := b.DeleteLogonSession(ctx, s.ID); !errors.Is(err, emcdp.ErrNotFound) {
		t.Errorf("logoff of an expired session: %v", err)
	}

	// Failures at either count together, also when they arrive at once.
	errs := make(chan error, 20)
	for i := range 20 {
		st := a
		if i%2 == 1 {
			st = b
		}
		go func() {
			_, err := st.AddLogonFailure(ctx, "operator", at, at)
			errs <- err
		}()
	}
	for range 20 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n, err := b.AddLogonFailure(ctx, "operator", at, at); err != nil || n != 21 {
		t.Errorf("21st failure counted as %d, %v", n, err)
	}
	if err := a.ClearLogonFailures(ctx, "operator"); err != nil {
		t.Fatal(err)
	}
	if n, err := b.LogonFailures(ctx, "operator", at); err != nil || n != 0 {
		t.Errorf("cleared at a, counted at b: %d, %v", n, err)
	}

	// Guesses checked at both at once share one limit.
	if err := a.ClearLogonFailures(ctx, "operator"); err != nil {
		t.Fatal(err)
	}
	t.Run("LogonRace", func(t *testing.T) { storetest.LogonRace(t, a, b) })

	// The world written at one is read at the other, counts included.
	d := storetest.NewDataset(5, 2, 3, 6, 20)
	if err := a.Apply(ctx, d.Batch(rand.New(rand.NewPCG(1, 2)))); err != nil {
		t.Fatal(err)
	}
	res, err := b.Query(ctx, &emcdp.Query{Kind: emcdp.KindCdpReplicaTaskSession, PageSize: 5, Page: 2})
	if err != nil || res.Total != len(d.Tasks) || len(res.TaskSessions) != 5 {
		t.Errorf("tasks written at a, paged at b: %+v, %v", res, err)
	}
}
