package api

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/auth"
	"github.com/emcdp/emcdp/sqlite"
	"github.com/emcdp/emcdp/wire"
)

// TestLongCollection reads a session collection several chunks long, with
// ties of creation time across chunk boundaries, large enough to spill to a
// file, and requires exactly the answer wire.List gives for every row of the
// window in collection order — no row lost, repeated or out of order.
func TestLongCollection(t *testing.T) {
	lc := newLongCollection(t, 2*listChunk+700)
	st, svc, now, ps, n := lc.st, lc.svc, lc.now, lc.ps, lc.n
	ctx := context.Background()
	// The answer spills into SpillDir; the system's temporary folder is
	// not writable, as on a read-only root filesystem.
	t.Setenv("TMPDIR", unusableDir(t))
	rec := &queryRecorder{Store: st}
	h := NewHandler(Config{Store: rec, Auth: svc, Clock: emcdp.NewManualClock(now), SpillDir: t.TempDir()})

	created, _ := emcdp.LookupField(emcdp.KindCdpReplicaTaskSession, "CreationTimeUTC")
	all, err := st.Query(ctx, &emcdp.Query{Kind: emcdp.KindCdpReplicaTaskSession, Sort: &created, Desc: true,
		Filter: &emcdp.Term{Field: created, Op: emcdp.OpGe, Value: emcdp.Value{Time: now.Add(-30 * 24 * time.Hour)}}})
	if err != nil {
		t.Fatal(err)
	}
	if all.Len() != n {
		t.Fatalf("window holds %d rows, want %d", all.Len(), n)
	}
	const base = "https://em.lab.local:9398/api"
	for _, tc := range []struct {
		path   string
		accept string
		enc    wire.Encoder
		rep    wire.Rep
	}{
		{"/api/cdpReplicaTaskSessions", "", wire.Encoder{Format: wire.XML}, wire.Reference},
		{"/api/cdpReplicaTaskSessions?format=Entity", "", wire.Encoder{Format: wire.XML}, wire.Entity},
		{"/api/cdpReplicaTaskSessions?format=Entity", "application/json", wire.Encoder{Format: wire.JSON}, wire.Entity},
		{"/api/cdpReplicaSessions/" + ps.ID.String() + "/cdpReplicaTaskSessions", "application/json", wire.Encoder{Format: wire.JSON}, wire.Reference},
	} {
		r := httptest.NewRequest(http.MethodGet, "https://em.lab.local:9398"+tc.path, nil)
		r.SetBasicAuth("reader", "Reader-Pass-1")
		if tc.accept != "" {
			r.Header.Set("Accept", tc.accept)
		}
		w := httptest.NewRecorder()
		rec.refs, rec.whole = 0, 0
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			t.Fatalf("%s: status %d: %s", tc.path, w.Code, w.Body.String())
		}
		// References are read as references (Query.Refs: the store may
		// read them from an index alone), entities whole.
		if refs := tc.rep == wire.Reference; refs && (rec.refs == 0 || rec.whole > 0) || !refs && rec.refs > 0 {
			t.Errorf("%s: %d reads of references, %d of whole rows", tc.path, rec.refs, rec.whole)
		}
		want := tc.enc.List(nil, base, emcdp.KindCdpReplicaTaskSession, all, tc.rep)
		got := w.Body.Bytes()
		if !bytes.Equal(got, want) {
			t.Errorf("%s (%s): streamed collection differs from the whole list (%d vs %d bytes)", tc.path, tc.accept, len(got), len(want))
		}
		if cl := w.Header().Get("Content-Length"); cl != strconv.Itoa(len(got)) {
			t.Errorf("%s: Content-Length %s for a %d-byte body", tc.path, cl, len(got))
		}
		if tc.rep == wire.Entity && tc.enc.Format == wire.XML && len(want) < spillAt {
			t.Errorf("the entity collection is %d bytes, too small to exercise the spill file (%d)", len(want), spillAt)
		}
	}
}

// longCollection is a store holding n task sessions of one policy session
// within the 30-day window, three to each creation time so that ties
// straddle chunk ends, and one outside it, with a user "reader".
type longCollection struct {
	st  *sqlite.DB
	svc *auth.Service
	now time.Time
	ps  emcdp.PolicySession
	n   int
}

func newLongCollection(t *testing.T, n int) *longCollection {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "long.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Date(2026, 6, 20, 12, 0, 0, 0, time.UTC)
	srv := emcdp.BackupServer{ID: emcdp.NewID(), Name: "vbr01.lab.local", Port: 9392, Version: "12.3.1.1139"}
	pol := emcdp.CdpPolicy{ID: emcdp.NewID(), Name: "CDP Tier-1 SQL", BackupServerID: srv.ID, BackupServerName: srv.Name,
		Platform: "VMware", Options: emcdp.DefaultCdpScheduleOptions()}
	ps := emcdp.PolicySession{ID: emcdp.NewID(), PolicyID: pol.ID, PolicyName: pol.Name, BackupServerID: srv.ID,
		BackupServerName: srv.Name, CreationTime: now.Add(-72 * time.Hour), State: emcdp.SessionWorking}
	ps.Name = emcdp.SessionName(pol.Name, ps.CreationTime)
	b := &emcdp.Batch{BackupServers: []emcdp.BackupServer{srv}, CdpPolicies: []emcdp.CdpPolicy{pol},
		NewPolicySessions: []emcdp.PolicySession{ps}}
	for i := 0; i < n; i++ {
		// Three rows share each creation time, so ties straddle chunk ends.
		created := now.Add(-time.Duration(i/3) * time.Minute)
		vm := "vm-" + strconv.Itoa(i%40)
		b.NewTaskSessions = append(b.NewTaskSessions, emcdp.TaskSession{
			ID: emcdp.NewID(), Name: emcdp.SessionName(vm, created), PolicySessionID: ps.ID, PolicySessionName: ps.Name,
			PolicyID: pol.ID, BackupServerID: srv.ID, BackupServerName: srv.Name, VmDisplayName: vm,
			CreationTime: created, EndTime: created.Add(time.Minute), State: emcdp.TaskCompleted,
			Result: emcdp.ResultSuccess, TotalSize: 16 << 30,
		})
	}
	// One row outside the 30-day window must not appear.
	old := b.NewTaskSessions[0]
	old.ID, old.CreationTime = emcdp.NewID(), now.Add(-31*24*time.Hour)
	b.NewTaskSessions = append(b.NewTaskSessions, old)
	if err := st.Apply(ctx, b); err != nil {
		t.Fatal(err)
	}
	svc := &auth.Service{Store: st, Clock: emcdp.NewManualClock(now)}
	if err := svc.CreateUser(ctx, "reader", "Reader-Pass-1", emcdp.RolePortalUser); err != nil {
		t.Fatal(err)
	}
	return &longCollection{st: st, svc: svc, now: now, ps: ps, n: n}
}

// queryRecorder counts the queries of references (Query.Refs) and of whole
// rows its store is asked.
type queryRecorder struct {
	emcdp.Store
	mu          sync.Mutex
	refs, whole int
}

func (r *queryRecorder) Query(ctx context.Context, q *emcdp.Query) (*emcdp.QueryResult, error) {
	r.mu.Lock()
	if q.Refs {
		r.refs++
	} else {
		r.whole++
	}
	r.mu.Unlock()
	return r.Store.Query(ctx, q)
}
