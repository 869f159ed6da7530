package control

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/emcdp/emcdp/api"
	"github.com/emcdp/emcdp/auth"
	"github.com/emcdp/emcdp/redact"
	"github.com/emcdp/emcdp/wire"
)

// slot is a request's journal entry while it is served; the first of
// Observe, a fault's answer or serveAPI's end to know the outcome records it.
type slot struct {
	e        Entry
	recorded bool
}

type slotKey struct{}

// serveAPI serves one API request, applying the first fault rule that
// matches it and journalling it. The API handler runs holding the world
// (so a reset waits for it, and it for a reset); a fault's delay or slow
// body does not hold it.
func (p *Plane) serveAPI(w http.ResponseWriter, r *http.Request, em http.Handler) {
	if !p.cfg.Enabled {
		p.serveHeld(em, w, r)
		return
	}
	start := time.Now()
	s := &slot{e: Entry{Time: start.UTC(), Method: clip(r.Method, 16), Path: clip(redact.Path(r.URL.Path), maxText),
		Query: clip(api.RedactQuery(r.URL.RawQuery), maxText)}}
	r = r.WithContext(context.WithValue(r.Context(), slotKey{}, s))
	rule, hit := p.faults.take(r, func() string { return p.userOf(r) })
	rec := &recorder{ResponseWriter: w}
	defer func() {
		// Whatever was not recorded yet: a request cut short before an
		// answer was ready.
		p.record(s, api.Outcome{Status: rec.status, Bytes: rec.bytes, Duration: time.Since(start)})
	}()
	if !hit {
		p.serveHeld(em, rec, r)
		return
	}
	s.e.Fault = rule.ID
	p.metrics.faults.WithLabelValues(rule.kind()).Inc()
	p.log.Info("fault injected", "rule", rule.ID, "kind", rule.kind(), "method", r.Method, "path", redact.Path(r.URL.Path))
	if d := rule.delay(); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	switch {
	case rule.Status != 0:
		p.answerFault(rec, r, &rule, start)
	case rule.Drop:
		p.record(s, api.Outcome{Duration: time.Since(start)})
		panic(http.ErrAbortHandler)
	case rule.Truncate || rule.SlowBody > 0:
		b := &bufWriter{h: rec.Header(), status: http.StatusOK}
		p.serveHeld(em, b, r)
		rec.WriteHeader(b.status)
		body := b.buf.Bytes()
		if rule.Truncate {
			rec.Write(body[:len(body)/2])
			http.NewResponseController(rec).Flush()
			panic(http.ErrAbortHandler)
		}
		slowWrite(r.Context(), rec, body, time.Duration(rule.SlowBody))
	default:
		p.serveHeld(em, rec, r)
	}
}

// serveHeld runs the API handler holding the world.
func (p *Plane) serveHeld(em http.Handler, w http.ResponseWriter, r *http.Request) {
	release := p.world.Hold()
	defer release()
	em.ServeHTTP(w, r)
}

// answerFault answers with the rule's status and an Error body in the
// format the client negotiated, as the API would.
func (p *Plane) answerFault(w http.ResponseWriter, r *http.Request, rule *Rule, start time.Time) {
	enc := wire.Encoder{Format: wire.XML, Profile: p.cfg.Profile, BOM: p.cfg.BOM}
	for _, a := range r.Header.Values("Accept") {
		if strings.Contains(strings.ToLower(a), "application/json") {
			enc.Format = wire.JSON
		}
	}
	msg := rule.Message
	if msg == "" {
		msg = http.StatusText(rule.Status)
	}
	body := enc.Error(nil, rule.Status, msg)
	id := p.nextID()
	hd := w.Header()
	hd[api.RequestIDHeader] = []string{id}
	hd["Content-Type"] = []string{enc.ContentType()}
	hd["Content-Length"] = []string{strconv.Itoa(len(body))}
	if rule.Status == http.StatusServiceUnavailable || rule.Status == http.StatusTooManyRequests {
		hd["Retry-After"] = []string{"1"}
	}
	o := api.Outcome{ID: id, Route: api.RoutePattern(r.URL.Path), Status: rule.Status, Bytes: len(body),
		Duration: time.Since(start), Message: msg}
	p.metrics.observe(r, o, true)
	if s, ok := r.Context().Value(slotKey{}).(*slot); ok {
		p.record(s, o)
	}
	w.WriteHeader(rule.Status)
	w.Write(body)
}

// record adds a request to the journal once, with the outcome known first.
func (p *Plane) record(s *slot, o api.Outcome) {
	if s.recorded {
		return
	}
	s.recorded = true
	e := s.e
	e.Status, e.Bytes, e.User = o.Status, o.Bytes, o.User
	e.Duration = float64(o.Duration) / float64(time.Millisecond)
	e.ID = o.ID
	if e.ID == "" {
		e.ID = p.nextID()
	}
	p.journal.Add(e)
}

// maxText bounds the path and the query string kept per journal entry.
const maxText = 2048

// clip cuts s to at most n bytes, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// userOf returns the user a request names: its Basic user name, or the
// owner of the logon session its token names, the token found where the
// API looks first (auth.SessionID: the cookie before the header).
func (p *Plane) userOf(r *http.Request) string {
	if u, _, ok := r.BasicAuth(); ok {
		return u
	}
	id, ok := auth.SessionID(r)
	if !ok {
		return ""
	}
	ls, err := p.world.cfg.Store.LogonSession(r.Context(), id)
	if err != nil {
		return ""
	}
	return ls.UserName
}

// slowWrite sends body in ten parts spread over d.
func slowWrite(ctx context.Context, w http.ResponseWriter, body []byte, d time.Duration) {
	rc := http.NewResponseController(w)
	const parts = 10
	step := (len(body) + parts - 1) / parts
	for i := 0; i < len(body); i += max(step, 1) {
		end := min(i+max(step, 1), len(body))
		w.Write(body[i:end])
		rc.Flush()
		if end < len(body) {
			t := time.NewTimer(d / parts)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return
			}
		}
	}
}

// recorder notes the status and size of an answer.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the connection.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// bufWriter keeps an answer's body so that it can be sent cut or slowly;
// headers go straight to the real writer.
type bufWriter struct {
	h      http.Header
	status int
	buf    bytes.Buffer
}

func (b *bufWriter) Header() http.Header         { return b.h }
func (b *bufWriter) WriteHeader(status int)      { b.status = status }
func (b *bufWriter) Write(p []byte) (int, error) { return b.buf.Write(p) }
