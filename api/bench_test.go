package api

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/auth"
	"github.com/emcdp/emcdp/sqlite"
)

// benchTasks is the number of task sessions in the benchmark store.
const benchTasks = 100_000

// benchStoreEnv names a SQLite database seeded by "emcdp seed" that the
// query benchmarks read instead of the one they build, so that they can be
// profiled at the bench's size (a copy: the benchmarks write logon sessions).
const benchStoreEnv = "EMCDP_BENCH_STORE"

// benchStore opens a SQLite store holding benchTasks task sessions, built
// once and kept in the temporary folder for later runs, or the database that
// benchStoreEnv names.
func benchStore(b *testing.B) emcdp.Store {
	b.Helper()
	ctx := context.Background()
	if path := os.Getenv(benchStoreEnv); path != "" {
		st, err := sqlite.Open(ctx, path)
		if err != nil {
			b.Fatal(err)
		}
		return st
	}
	path := filepath.Join(os.TempDir(), fmt.Sprintf("emcdp-api-bench-%d.db", benchTasks))
	const metaKey = "api.bench.complete"
	if st, err := sqlite.Open(ctx, path); err == nil {
		if v, err := st.Meta(ctx, metaKey); err == nil && v == "yes" {
			return st
		}
		st.Close()
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(path + suffix)
	}
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	if err := fillBenchStore(ctx, st); err != nil {
		st.Close()
		b.Fatal(err)
	}
	if err := st.Apply(ctx, &emcdp.Batch{Meta: map[string]string{metaKey: "yes"}}); err != nil {
		b.Fatal(err)
	}
	return st
}

// fillBenchStore writes one server, 20 policies of 10 VMs each, and daily
// policy sessions with a task session every 8 hours per VM, going back
// until benchTasks task sessions exist; recent sessions fall in the window.
func fillBenchStore(ctx context.Context, st emcdp.Store) error {
	r := rand.New(rand.NewPCG(1, 2))
	id := func() emcdp.ID {
		var x emcdp.ID
		for i := range x {
			x[i] = byte(r.Uint32())
		}
		x[6] = x[6]&0x0f | 0x40
		x[8] = x[8]&0x3f | 0x80
		return x
	}
	end := time.Now().UTC().Truncate(time.Hour)
	srv := emcdp.BackupServer{ID: id(), Name: "vbr-bench.lab.local", Port: 9392, Version: "12.3.1.1139"}
	batch := &emcdp.Batch{BackupServers: []emcdp.BackupServer{srv}}
	var policies []emcdp.CdpPolicy
	for p := 0; p < 20; p++ {
		pol := emcdp.CdpPolicy{ID: id(), Name: fmt.Sprintf("CDP Policy %02d", p), BackupServerID: srv.ID,
			BackupServerName: srv.Name, Platform: "VMware", ScheduleConfigured: true, ScheduleEnabled: true,
			NextRun: end.Add(time.Hour), Options: emcdp.DefaultCdpScheduleOptions()}
		for v := 0; v < 10; v++ {
			name := fmt.Sprintf("vm-%02d-%02d", p, v)
			pol.Includes = append(pol.Includes, emcdp.ObjectInJob{ID: id(), PolicyID: pol.ID, Name: name, DisplayName: name,
				HierarchyObjRef: "urn:VMware:Vm:bench." + name})
		}
		policies = append(policies, pol)
	}
	batch.CdpPolicies = policies
	n := 0
	for day := 0; n < benchTasks; day++ {
		created := end.Add(-time.Duration(day+1) * 24 * time.Hour)
		for _, pol := range policies {
			ps := emcdp.PolicySession{ID: id(), Name: emcdp.SessionName(pol.Name, created), PolicyID: pol.ID,
				PolicyName: pol.Name, BackupServerID: srv.ID, BackupServerName: srv.Name, CreationTime: created,
				EndTime: created.Add(24 * time.Hour), State: emcdp.SessionStopped, Result: emcdp.ResultSuccess, Progress: 100}
			batch.NewPolicySessions = append(batch.NewPolicySessions, ps)
			for _, vm := range pol.Includes {
				for k := 0; k < 3 && n < benchTasks; k++ {
					c := created.Add(time.Duration(k)*8*time.Hour + time.Duration(r.IntN(1e9)))
					batch.NewTaskSessions = append(batch.NewTaskSessions, emcdp.TaskSession{ID: id(),
						Name: emcdp.SessionName(vm.Name, c), PolicySessionID: ps.ID, PolicySessionName: ps.Name,
						PolicyID: pol.ID, BackupServerID: srv.ID, BackupServerName: srv.Name, VmDisplayName: vm.Name,
						CreationTime: emcdp.Ticks(c), EndTime: emcdp.Ticks(c.Add(8 * time.Hour)), State: emcdp.TaskCompleted,
						Result: emcdp.ResultSuccess, TotalSize: int64(r.IntN(1<<40) + 1)})
					n++
				}
			}
		}
		if len(batch.NewTaskSessions) >= 10000 || n >= benchTasks {
			if err := st.Apply(ctx, batch); err != nil {
				return err
			}
			batch = &emcdp.Batch{}
		}
	}
	return nil
}

// discardWriter is a ResponseWriter that keeps nothing but the headers, so
// that the benchmark measures the handler rather than a recorder.
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }

// benchGetTaskSession measures GET /cdpReplicaTaskSessions/{id} through the
// handler over 1,000 ended task sessions; with cached, as "emcdp serve" runs
// on SQLite: the sole writer, with logon sessions in memory and a body cache
// large enough for all of them, filled before the loop, so that the loop
// measures the hits only.
func benchGetTaskSession(b *testing.B, format string, json, cached bool) {
	st := benchStore(b)
	defer st.Close()
	ctx := context.Background()
	svc := &auth.Service{Store: st, Clock: emcdp.SystemClock{}, SoleWriter: cached}
	ls := &emcdp.LogonSession{ID: emcdp.NewID(), UserName: "bench", UserKey: "bench", Created: time.Now().UTC(), LastSeen: time.Now().UTC()}
	if err := st.CreateLogonSession(ctx, ls); err != nil {
		b.Fatal(err)
	}
	res, err := st.Query(ctx, &emcdp.Query{Kind: emcdp.KindCdpReplicaTaskSession, PageSize: 1000, Page: 37})
	if err != nil || len(res.TaskSessions) == 0 {
		b.Fatalf("no task sessions: %v", err)
	}
	reqs := make([]*http.Request, len(res.TaskSessions))
	for i, ts := range res.TaskSessions {
		r, _ := http.NewRequest("GET", "https://127.0.0.1:9398/api/cdpReplicaTaskSessions/"+ts.ID.String()+format, nil)
		r.Header.Set(auth.SessionHeader, auth.Token(ls.ID))
		if json {
			r.Header.Set("Accept", "application/json")
		}
		reqs[i] = r
	}
	cacheBytes := 0
	if cached {
		cacheBytes = DefaultBodyCacheBytes
	}
	h := NewHandler(Config{Store: st, Auth: svc, BodyCacheBytes: cacheBytes})
	w := &discardWriter{h: http.Header{}}
	if cached {
		for _, r := range reqs { // so that the loop measures hits only
			h.ServeHTTP(w, r)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		clear(w.h)
		h.ServeHTTP(w, reqs[i%len(reqs)])
		if w.code != 200 {
			b.Fatalf("status %d", w.code)
		}
	}
}

func BenchmarkGetTaskSessionRefXML(b *testing.B) { benchGetTaskSession(b, "", false, false) }
func BenchmarkGetTaskSessionEntityXML(b *testing.B) {
	benchGetTaskSession(b, "?format=Entity", false, false)
}
func BenchmarkGetTaskSessionEntityJSON(b *testing.B) {
	benchGetTaskSession(b, "?format=Entity", true, false)
}

func BenchmarkGetTaskSessionCachedRefXML(b *testing.B) { benchGetTaskSession(b, "", false, true) }
func BenchmarkGetTaskSessionCachedEntityXML(b *testing.B) {
	benchGetTaskSession(b, "?format=Entity", false, true)
}
func BenchmarkGetTaskSessionCachedEntityJSON(b *testing.B) {
	benchGetTaskSession(b, "?format=Entity", true, true)
}
