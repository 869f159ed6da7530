package api

import (
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/auth"
	"github.com/emcdp/emcdp/loadgen"
)

// The load benchmarks measure readers by id (a token each, 16 connections)
// alone and while another load runs beside them, in alternating rounds, on
// the benchmark store served over TLS, and report the readers' throughput
// and 99th percentile latency in both kinds of window. They are benchmarks,
// not tests: run them with -bench 'During' -benchtime 1x.
const (
	loadReaders = 16
	loadWarmup  = time.Second
	loadWindow  = 2 * time.Second
	loadRounds  = 3
)

// BenchmarkReadersDuringLogonStorm runs 64 connections of logons with
// random user names and wrong passwords, which need no account, beside the
// readers.
func BenchmarkReadersDuringLogonStorm(b *testing.B) {
	benchReadersDuring(b, 64, func(r *rand.Rand) loadgen.Request {
		cred := fmt.Sprintf("nobody%d:wrong-password", r.Uint64())
		return loadgen.Request{Method: "POST", Path: "/api/sessionMngr/?v=latest",
			Header: http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(cred))}}}
	})
}

// BenchmarkReadersDuringScanLoad runs 16 connections of query pages that
// scan and sort the whole task-session table beside the readers (half the
// load's connections scanning).
func BenchmarkReadersDuringScanLoad(b *testing.B) {
	benchReadersDuring(b, 16, func(r *rand.Rand) loadgen.Request {
		return loadgen.Request{Path: fmt.Sprintf("/api/query?type=CdpReplicaTaskSession&filter=TotalSize>=%d&sortDesc=TotalSize&pageSize=100&page=%d",
			1+r.IntN(1000), 1+r.IntN(500))}
	})
}

func benchReadersDuring(b *testing.B, loadConns int, load loadgen.Generator) {
	st := benchStore(b)
	defer st.Close()
	ctx := context.Background()
	svc := &auth.Service{Store: st, Clock: emcdp.SystemClock{}}
	const user, pw = "bench", "bench-password-1"
	if err := svc.CreateUser(ctx, user, pw, emcdp.RolePortalUser); err != nil {
		b.Fatal(err)
	}
	srv := NewServer(ServerConfig{API: Config{Store: st, Auth: svc, Logger: slog.New(slog.DiscardHandler)},
		Addr: "127.0.0.1:0", DataDir: b.TempDir()})
	if err := srv.Open(); err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	res, err := st.Query(ctx, &emcdp.Query{Kind: emcdp.KindCdpReplicaTaskSession, PageSize: 1000, Page: 7})
	if err != nil || len(res.TaskSessions) == 0 {
		b.Fatalf("no task sessions to read: %v", err)
	}
	ids := make([]string, len(res.TaskSessions))
	for i, t := range res.TaskSessions {
		ids[i] = t.ID.String()
	}
	_, tok, err := svc.Logon(ctx, user, pw)
	if err != nil {
		b.Fatal(err)
	}
	readers := loadgen.Config{BaseURL: srv.URL(), Connections: loadReaders, Warmup: loadWarmup, Duration: loadWindow,
		Header: http.Header{auth.SessionHeader: {tok}},
		Next: func(r *rand.Rand) loadgen.Request {
			return loadgen.Request{Path: "/api/cdpReplicaTaskSessions/" + ids[r.IntN(len(ids))]}
		}}

	// Rounds alternate the readers alone and beside the load, so that both
	// windows meet the same drift in whatever else the machine runs.
	for i := 0; i < b.N; i++ {
		var solo, under, other loadgen.Histogram
		var soloN, underN int64
		var soloT, underT time.Duration
		statuses := map[int]int64{}
		for round := 0; round < loadRounds; round++ {
			s, err := loadgen.Run(ctx, readers)
			if err != nil {
				b.Fatal(err)
			}
			var l *loadgen.Result
			var lErr error
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				// The load starts first and runs past the readers' window.
				l, lErr = loadgen.Run(ctx, loadgen.Config{BaseURL: srv.URL(), Connections: loadConns,
					Duration: loadWarmup/2 + loadWarmup + loadWindow + time.Second, Timeout: time.Minute,
					Header: readers.Header, Next: load})
			}()
			time.Sleep(loadWarmup / 2)
			u, err := loadgen.Run(ctx, readers)
			wg.Wait()
			if err != nil || lErr != nil {
				b.Fatal(err, lErr)
			}
			if s.Errors() > 0 || u.Errors() > 0 {
				b.Fatalf("readers failed: %d alone (%s), %d under load (%s)", s.Errors(), s.FirstError, u.Errors(), u.FirstError)
			}
			solo.Merge(&s.Latency)
			under.Merge(&u.Latency)
			other.Merge(&l.Latency)
			soloN, soloT = soloN+s.Requests, soloT+s.Elapsed
			underN, underT = underN+u.Requests, underT+u.Elapsed
			for k, v := range l.Statuses {
				statuses[k] += v
			}
		}
		ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
		soloRPS, underRPS := float64(soloN)/soloT.Seconds(), float64(underN)/underT.Seconds()
		b.ReportMetric(soloRPS, "solo-rps")
		b.ReportMetric(ms(solo.Quantile(0.99)), "solo-p99-ms")
		b.ReportMetric(underRPS, "load-rps")
		b.ReportMetric(ms(under.Quantile(0.99)), "load-p99-ms")
		b.ReportMetric(100*underRPS/soloRPS, "kept-%")
		b.Logf("readers alone: %.0f req/s, p99 %v; beside the load: %.0f req/s (%.0f %%), p99 %v; the load's answers: %v, p99 %v",
			soloRPS, solo.Quantile(0.99), underRPS, 100*underRPS/soloRPS, under.Quantile(0.99), statuses, other.Quantile(0.99))
	}
}
