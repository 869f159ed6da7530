package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/auth"
	"github.com/emcdp/emcdp/sqlite"
	"github.com/emcdp/emcdp/storetest"
)

// benchVBRStore opens a SQLite store holding benchTasks backup task
// sessions (storetest.GenerateVBR), built once in the temporary folder.
func benchVBRStore(b *testing.B) emcdp.Store {
	b.Helper()
	ctx := context.Background()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("emcdp-api-bench-vbr-s%d-%d.db", sqlite.SchemaVersion(), benchTasks))
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
	if err := storetest.GenerateVBR(ctx, st, benchTasks, 10000); err != nil {
		st.Close()
		b.Fatal(err)
	}
	if err := st.Apply(ctx, &emcdp.Batch{Meta: map[string]string{metaKey: "yes"}}); err != nil {
		b.Fatal(err)
	}
	return st
}

// benchGetBackupTaskSession is benchGetTaskSession for a described kind:
// GET /backupTaskSessions/{id}, so that the generic path through the
// descriptions compares with the CDP kinds' hand-written one.
func benchGetBackupTaskSession(b *testing.B, format string, json bool) {
	benchGetDescribed(b, emcdp.BackupTaskSessionDesc, format, json)
}

// benchGetDescribed runs GET {d.Path}{id}{format} over 1,000 items of d.
func benchGetDescribed(b *testing.B, d *emcdp.Desc, format string, json bool) {
	st := benchVBRStore(b)
	defer st.Close()
	ctx := context.Background()
	svc := &auth.Service{Store: st, Clock: emcdp.SystemClock{}}
	ls := &emcdp.LogonSession{ID: emcdp.NewID(), UserName: "bench", UserKey: "bench", Created: time.Now().UTC(), LastSeen: time.Now().UTC()}
	if err := st.CreateLogonSession(ctx, ls); err != nil {
		b.Fatal(err)
	}
	res, err := st.Query(ctx, &emcdp.Query{Kind: d.Kind, PageSize: 1000, Page: 2})
	if err != nil || len(res.Items) == 0 {
		b.Fatalf("no %s: %v", d.List, err)
	}
	reqs := make([]*http.Request, len(res.Items))
	for i, it := range res.Items {
		r, _ := http.NewRequest("GET", "https://127.0.0.1:9398/api"+d.Path+d.ID(it).String()+format, nil)
		r.Header.Set(auth.SessionHeader, auth.Token(ls.ID))
		if json {
			r.Header.Set("Accept", "application/json")
		}
		reqs[i] = r
	}
	h := NewHandler(Config{Store: st, Auth: svc})
	w := &discardWriter{h: http.Header{}}
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

func BenchmarkGetBackupTaskSessionRefXML(b *testing.B) { benchGetBackupTaskSession(b, "", false) }
func BenchmarkGetBackupTaskSessionEntityXML(b *testing.B) {
	benchGetBackupTaskSession(b, "?format=Entity", false)
}
func BenchmarkGetBackupTaskSessionEntityJSON(b *testing.B) {
	benchGetBackupTaskSession(b, "?format=Entity", true)
}

// BenchmarkGetBackupJobSessionEntityJSON reads a job session by id with
// its restore-point links (Desc.Related).
func BenchmarkGetBackupJobSessionEntityJSON(b *testing.B) {
	benchGetDescribed(b, emcdp.BackupJobSessionDesc, "?format=Entity", true)
}

// BenchmarkQueryBackupJobSessionsJSON answers the monitoring clients'
// query of the job sessions created since a time (the bench's monitor-24h
// scenario) as JSON entities, a full page of 100, without the item cache:
// every answer reads and encodes every session.
func BenchmarkQueryBackupJobSessionsJSON(b *testing.B) {
	st := benchVBRStore(b)
	defer st.Close()
	// Three days hold more than a page of the generated history's job
	// sessions.
	benchJobSessionsSince(b, st, storetest.BenchEnd.Add(-72*time.Hour), 0)
}

// benchJobSessionsSince measures the handler, with an item cache of
// cacheBytes, answering the job sessions created since from, in the client
// form (unquoted, without a zone), as JSON entities, a page of 100.
func benchJobSessionsSince(b *testing.B, st emcdp.Store, from time.Time, cacheBytes int) {
	ctx := context.Background()
	svc := &auth.Service{Store: st, Clock: emcdp.SystemClock{}}
	ls := &emcdp.LogonSession{ID: emcdp.NewID(), UserName: "bench", UserKey: "bench", Created: time.Now().UTC(), LastSeen: time.Now().UTC()}
	if err := st.CreateLogonSession(ctx, ls); err != nil {
		b.Fatal(err)
	}
	f := "CreationTime>=" + from.UTC().Format("2006-01-02T15:04:05")
	r, _ := http.NewRequest("GET", "https://127.0.0.1:9398/api/query?type=BackupJobSession&filter="+url.QueryEscape(f)+
		"&format=Entities&pageSize=100", nil)
	r.Header.Set(auth.SessionHeader, auth.Token(ls.ID))
	r.Header.Set("Accept", "application/json")
	serveLoop(b, NewHandler(Config{Store: st, Auth: svc, ItemCacheBytes: cacheBytes}), r)
}

// serveLoop measures h answering r, which must succeed.
func serveLoop(b *testing.B, h http.Handler, r *http.Request) {
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
		if w.code != 200 {
			b.Fatalf("status %d", w.code)
		}
	}
}

// BenchmarkMonitor24hDB answers the bench's monitor-24h request (the job
// sessions created in the 24 hours before the newest one, JSON entities, a
// page of 100) through the handler over the SQLite database that
// EMCDP_BENCH_DB names, a copy of a dataset seeded for "emcdp bench" (its
// 1 M shape holds the restore points that the generated world of the other
// benchmarks lacks); skipped without it. The handler keeps the sessions'
// items as "emcdp serve" does (ItemCacheBytes): the first answer reads and
// encodes them all, the others copy them. The store opens the file for
// writing: give it a copy.
func BenchmarkMonitor24hDB(b *testing.B) {
	path := os.Getenv("EMCDP_BENCH_DB")
	if path == "" {
		b.Skip("EMCDP_BENCH_DB names no database")
	}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	byCreation, _ := emcdp.LookupField(emcdp.KindBackupJobSession, "CreationTime")
	newest, err := st.Query(ctx, &emcdp.Query{Kind: emcdp.KindBackupJobSession, PageSize: 1, Page: 1, Desc: true, Sort: &byCreation})
	if err != nil || newest.Len() == 0 {
		b.Fatalf("no job sessions: %v", err)
	}
	benchJobSessionsSince(b, st, newest.Items[0].(*emcdp.JobSession).CreationTime.Add(-24*time.Hour), DefaultItemCacheBytes)
}
