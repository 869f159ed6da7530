package control

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/emcdp/emcdp/api"
	"github.com/prometheus/client_golang/prometheus"
)

// TestRequestSeries checks that the request counter and latency histogram,
// counted through the series kept resolved, hold what each label set was
// given: counts and latency sums per route, method and status, also past
// maxSeries (where requests resolve their own) and with a made-up method.
func TestRequestSeries(t *testing.T) {
	m := newMetrics(&World{})
	reg := prometheus.NewRegistry()
	reg.MustRegister(m.requests, m.latency)

	type tally struct {
		n   int
		sum float64
	}
	counts := map[string]int{}      // route|method|status
	latencies := map[string]tally{} // route|method
	observe := func(method, route string, status int, d time.Duration) {
		m.observe(httptest.NewRequest(method, "/", nil), api.Outcome{Route: route, Status: status, Duration: d}, false)
		if route == "" {
			route = "unmatched"
		}
		method = methodLabel(method)
		counts[route+"|"+method+"|"+strconv.Itoa(status)]++
		l := latencies[route+"|"+method]
		l.n++
		l.sum += d.Seconds()
		latencies[route+"|"+method] = l
	}
	for i := range 3 * maxSeries / 2 {
		route := fmt.Sprintf("/api/r%d", i%700)
		status := []int{http.StatusOK, http.StatusNotFound, http.StatusServiceUnavailable}[i%3]
		observe(http.MethodGet, route, status, time.Duration(i)*time.Microsecond)
		observe(http.MethodGet, "/api/cdpReplicaTaskSessions/{id}", http.StatusOK, time.Millisecond)
	}
	observe("FOO", "", http.StatusNotFound, time.Second)
	observe(http.MethodDelete, "/api/logonSessions/{id}", http.StatusNoContent, 2*time.Millisecond)

	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	seenCounts, seenLatencies := 0, 0
	for _, mf := range mfs {
		for _, mt := range mf.GetMetric() {
			l := map[string]string{}
			for _, lp := range mt.GetLabel() {
				l[lp.GetName()] = lp.GetValue()
			}
			switch mf.GetName() {
			case "emcdp_http_requests_total":
				seenCounts++
				k := l["route"] + "|" + l["method"] + "|" + l["status"]
				if got := mt.GetCounter().GetValue(); got != float64(counts[k]) {
					t.Errorf("requests %s = %v, want %d", k, got, counts[k])
				}
			case "emcdp_http_request_duration_seconds":
				seenLatencies++
				k := l["route"] + "|" + l["method"]
				h, want := mt.GetHistogram(), latencies[k]
				if h.GetSampleCount() != uint64(want.n) || h.GetSampleSum() != want.sum {
					t.Errorf("latency %s: %d samples summing to %v, want %d summing to %v", k, h.GetSampleCount(), h.GetSampleSum(), want.n, want.sum)
				}
			}
		}
	}
	if seenCounts != len(counts) || seenLatencies != len(latencies) {
		t.Errorf("%d request series and %d latency series, want %d and %d", seenCounts, seenLatencies, len(counts), len(latencies))
	}
	if n := len(*m.series.Load()); n != maxSeries {
		t.Errorf("%d series kept resolved, want the bound, %d", n, maxSeries)
	}
}

// TestObserveAllocs: counting a request whose series are resolved already
// allocates nothing (label values hashed and the status formatted did).
func TestObserveAllocs(t *testing.T) {
	m := newMetrics(&World{})
	r := httptest.NewRequest(http.MethodGet, "/api/cdpReplicaTaskSessions/x", nil)
	o := api.Outcome{Route: "/api/cdpReplicaTaskSessions/{id}", Status: http.StatusOK, Duration: time.Millisecond}
	m.observe(r, o, false)
	if n := testing.AllocsPerRun(100, func() { m.observe(r, o, false) }); n != 0 {
		t.Errorf("observe: %.1f allocations, want 0", n)
	}
}

// BenchmarkObserve counts a GET by id answered with 200, the series resolved.
func BenchmarkObserve(b *testing.B) {
	m := newMetrics(&World{})
	r := httptest.NewRequest(http.MethodGet, "/api/cdpReplicaTaskSessions/x", nil)
	o := api.Outcome{Route: "/api/cdpReplicaTaskSessions/{id}", Status: http.StatusOK, Duration: time.Millisecond}
	b.ReportAllocs()
	for b.Loop() {
		m.observe(r, o, false)
	}
}
