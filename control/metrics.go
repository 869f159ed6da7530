package control

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/api"
	"github.com/emcdp/emcdp/auth"
	"github.com/emcdp/emcdp/sim"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus metrics, in a registry of their own
// (no global state).
type metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	logons    *prometheus.CounterVec
	errors    *prometheus.CounterVec
	faults    *prometheus.CounterVec
	created   *prometheus.CounterVec
	resets    prometheus.Counter
	resetTime prometheus.Histogram

	// series holds the request series resolved so far, by route, method
	// and status: a map replaced, never changed, so that a request reads
	// it without a lock; mu serializes the replacing.
	series atomic.Pointer[map[seriesKey]*requestSeries]
	mu     sync.Mutex
}

// seriesKey names the series of one route, method and status.
type seriesKey struct {
	route, method string
	status        int
}

// requestSeries are a request counter and a latency histogram of the vectors,
// resolved once rather than by label values (hashed, validated, the status
// formatted) at every request.
type requestSeries struct {
	count   prometheus.Counter
	latency prometheus.Observer
}

// maxSeries bounds the series kept resolved; beyond it (more routes, methods
// and statuses than a server answers with) a request resolves its own.
const maxSeries = 1024

func newMetrics(w *World) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.series.Store(&map[seriesKey]*requestSeries{})
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "emcdp_http_requests_total", Help: "API requests answered, by route pattern, method and status.",
	}, []string{"route", "method", "status"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "emcdp_http_request_duration_seconds", Help: "Time from a request's arrival to its last byte, by route pattern and method.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"route", "method"})
	m.logons = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "emcdp_logons_total", Help: "Logon attempts by result: success, failure or lockout.",
	}, []string{"result"})
	m.errors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "emcdp_server_errors_total",
		Help: "Answers 5xx the server gave of itself, not by a fault rule: a store that failed (500) or is unavailable (503), by status.",
	}, []string{"status"})
	m.faults = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "emcdp_faults_injected_total", Help: "Faults injected by the control plane's rules, by kind.",
	}, []string{"kind"})
	m.created = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "emcdp_sim_sessions_created_total",
		Help: "Sessions the simulation wrote as the world moved on (background steps and clock advances), by type.",
	}, []string{"type"})
	w.onApplied(func(b *emcdp.Batch) {
		m.created.WithLabelValues(emcdp.KindCdpReplicaSession.String()).Add(float64(len(b.NewPolicySessions)))
		m.created.WithLabelValues(emcdp.KindCdpReplicaTaskSession.String()).Add(float64(len(b.NewTaskSessions)))
	})
	m.resets = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "emcdp_world_resets_total", Help: "Resets of the world through the control API.",
	})
	m.resetTime = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "emcdp_world_reset_duration_seconds", Help: "Time a reset of the world took.",
		Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	})
	m.reg.MustRegister(m.requests, m.latency, m.logons, m.errors, m.faults, m.created, m.resets, m.resetTime,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&worldCollector{w: w})
	return m
}

// observe counts one answered API request; injected tells that a fault
// rule made the answer.
func (m *metrics) observe(r *http.Request, o api.Outcome, injected bool) {
	route := o.Route
	if route == "" {
		route = "unmatched"
	}
	method := methodLabel(r.Method)
	rs := m.requestSeries(route, method, o.Status)
	rs.count.Inc()
	rs.latency.Observe(o.Duration.Seconds())
	if route == "/api/sessionmngr" && r.Method == http.MethodPost {
		switch {
		case o.Status == http.StatusCreated:
			m.logons.WithLabelValues("success").Inc()
		case o.Message == auth.MsgLockedOut:
			m.logons.WithLabelValues("lockout").Inc()
		case o.Status == http.StatusUnauthorized:
			m.logons.WithLabelValues("failure").Inc()
		}
	}
	if o.Status >= 500 && !injected {
		m.errors.WithLabelValues(strconv.Itoa(o.Status)).Inc()
	}
}

// requestSeries returns the series of route, method and status, resolving
// and keeping them the first time.
func (m *metrics) requestSeries(route, method string, status int) *requestSeries {
	k := seriesKey{route, method, status}
	if rs := (*m.series.Load())[k]; rs != nil {
		return rs
	}
	rs := &requestSeries{
		count:   m.requests.WithLabelValues(route, method, strconv.Itoa(status)),
		latency: m.latency.WithLabelValues(route, method),
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	old := *m.series.Load()
	if len(old) < maxSeries && old[k] == nil {
		next := make(map[seriesKey]*requestSeries, len(old)+1)
		for k, v := range old {
			next[k] = v
		}
		next[k] = rs
		m.series.Store(&next)
	}
	return rs
}

// methodLabel bounds the method label to the methods HTTP defines, so
// that clients cannot make the server hold a series per made-up method.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "other"
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// worldCollector reports the world on each scrape: resources per type, the
// world clock, and how far the store lags behind it.
type worldCollector struct{ w *World }

var (
	descResources = prometheus.NewDesc("emcdp_world_resources", "Resources in the world, by type.", []string{"type"}, nil)
	descClock     = prometheus.NewDesc("emcdp_world_clock_seconds", "The world clock, as a Unix time.", nil, nil)
	descLag       = prometheus.NewDesc("emcdp_world_lag_seconds", "How far the last simulated instant lags behind the world clock.", nil, nil)
	descSim       = prometheus.NewDesc("emcdp_world_simulating", "1 while the background simulation runs.", nil, nil)
	descScrapeErr = prometheus.NewDesc("emcdp_store_scrape_errors", "1 when the store could not be read for this scrape.", nil, nil)
)

func (c *worldCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descResources, descClock, descLag, descSim, descScrapeErr} {
		ch <- d
	}
}

func (c *worldCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	now := c.w.cfg.Clock.Now()
	ch <- prometheus.MustNewConstMetric(descClock, prometheus.GaugeValue, float64(now.UnixNano())/1e9)
	sim := 0.0
	if c.w.Simulating() {
		sim = 1
	}
	ch <- prometheus.MustNewConstMetric(descSim, prometheus.GaugeValue, sim)
	failed := 0.0
	counts, err := Count(ctx, c.w.cfg.Store)
	if err != nil {
		failed = 1
	}
	for k, n := range counts {
		ch <- prometheus.MustNewConstMetric(descResources, prometheus.GaugeValue, float64(n), k.String())
	}
	if until, err := untilOf(ctx, c.w); err != nil {
		failed = 1
	} else if !until.IsZero() {
		ch <- prometheus.MustNewConstMetric(descLag, prometheus.GaugeValue, now.Sub(until).Seconds())
	}
	ch <- prometheus.MustNewConstMetric(descScrapeErr, prometheus.GaugeValue, failed)
}

// untilOf returns the last instant the store reflects, zero when there is
// no simulated world.
func untilOf(ctx context.Context, w *World) (time.Time, error) {
	s, err := w.cfg.Store.Meta(ctx, sim.MetaUntil)
	if err != nil || s == "" {
		return time.Time{}, err
	}
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t, nil
}
