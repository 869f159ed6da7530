package control

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/emcdp/emcdp/sim"
)

// maxBody bounds the JSON bodies the control API reads (a scenario file
// included).
const maxBody = 1 << 20

// MaxAdvance is the longest single advance of the clock, which bounds the
// rows one request can make the simulator write.
const MaxAdvance = 400 * 24 * time.Hour

// serveControl serves the control API. Health and readiness answer always
// and without a token; the rest only when the control API is on (else the
// API handler answers its 404) and with the token.
func (p *Plane) serveControl(w http.ResponseWriter, r *http.Request, em http.Handler) {
	name := strings.Trim(strings.TrimPrefix(r.URL.Path, Prefix), "/")
	switch name {
	case "health":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			methodNotAllowed(w, "GET")
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		return
	case "ready":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			methodNotAllowed(w, "GET")
			return
		}
		if err := p.world.Ready(r.Context()); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"ready": false, "reason": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"ready": true})
		return
	}
	if !p.cfg.Enabled {
		em.ServeHTTP(w, r)
		return
	}
	if name == "ui" || strings.HasPrefix(name, "ui/") {
		p.serveUI(w, r)
		return
	}
	if !p.authorize(w, r) {
		return
	}
	switch {
	case name == "world":
		p.serveWorld(w, r)
	case name == "reset":
		p.serveReset(w, r)
	case name == "scenario":
		p.serveScenario(w, r)
	case name == "clock":
		p.serveClock(w, r)
	case name == "faults":
		p.serveFaults(w, r)
	case strings.HasPrefix(name, "faults/"):
		p.serveFault(w, r, strings.TrimPrefix(name, "faults/"))
	case name == "requests":
		p.serveRequests(w, r)
	case name == "overview":
		p.serveOverview(w, r)
	case name == "timeline":
		p.serveTimeline(w, r)
	case strings.HasPrefix(name, "sessions/"):
		p.serveSession(w, r, strings.TrimPrefix(name, "sessions/"))
	case name == "episodes":
		p.serveEpisodes(w, r)
	default:
		writeError(w, http.StatusNotFound, "no such control endpoint; see docs/control.md")
	}
}

func (p *Plane) serveWorld(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		methodNotAllowed(w, "GET")
		return
	}
	s, err := p.world.Summary(r.Context())
	if err != nil {
		p.internal(w, "world summary", err)
		return
	}
	writeJSON(w, http.StatusOK, s)
}

func (p *Plane) serveReset(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		methodNotAllowed(w, "POST")
		return
	}
	took, err := p.Reset(r.Context())
	if err != nil {
		p.internal(w, "reset", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"reset": true, "tookMs": took * 1000})
}

// serveScenario loads the scenario in the body (a scenario file's JSON;
// an empty body loads the demo world). ?name= names it in the summary.
func (p *Plane) serveScenario(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		methodNotAllowed(w, "POST")
		return
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if tooBig := new(http.MaxBytesError); errors.As(err, &tooBig) {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("a scenario is at most %d bytes", maxBody))
		return
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "the scenario could not be read: "+err.Error())
		return
	}
	name := r.URL.Query().Get("name")
	var cfg sim.Config
	if len(strings.TrimSpace(string(data))) == 0 {
		cfg = sim.Demo()
		if name == "" {
			name = "demo"
		}
	} else if cfg, err = sim.ParseScenario(data); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if name == "" {
		name = "scenario"
	}
	if len(name) > 200 {
		writeError(w, http.StatusBadRequest, "the name is at most 200 characters")
		return
	}
	if err := p.world.Load(r.Context(), cfg, name); err != nil {
		p.internal(w, "load scenario", err)
		return
	}
	s, err := p.world.Summary(r.Context())
	if err != nil {
		p.internal(w, "world summary", err)
		return
	}
	writeJSON(w, http.StatusOK, s)
}

// clockChange is the body of POST /_emcdp/clock; every field is optional
// and they apply in this order.
type clockChange struct {
	Scale   *float64  `json:"scale"`
	Paused  *bool     `json:"paused"`
	Advance *Duration `json:"advance"`
}

func (p *Plane) serveClock(w http.ResponseWriter, r *http.Request) {
	c := p.world.cfg.Clock
	switch r.Method {
	case http.MethodGet:
	case http.MethodPost:
		var ch clockChange
		if !readJSON(w, r, &ch) {
			return
		}
		if ch.Scale != nil && !(*ch.Scale > 0 && *ch.Scale <= 1e6) {
			writeError(w, http.StatusBadRequest, "scale must be above 0 and at most 1000000")
			return
		}
		if ch.Advance != nil && (*ch.Advance < 0 || time.Duration(*ch.Advance) > MaxAdvance) {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("advance must be 0 to %v", MaxAdvance))
			return
		}
		if ch.Scale != nil {
			c.SetScale(*ch.Scale)
		}
		if ch.Paused != nil {
			if *ch.Paused {
				c.Pause()
			} else {
				c.Resume()
			}
		}
		if ch.Advance != nil {
			if err := p.Advance(r.Context(), time.Duration(*ch.Advance)); err != nil {
				p.internal(w, "advance the world", err)
				return
			}
		}
	default:
		methodNotAllowed(w, "GET, POST")
		return
	}
	writeJSON(w, http.StatusOK, c.State())
}

func (p *Plane) serveFaults(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, p.faults.List())
	case http.MethodPost:
		var rule Rule
		if !readJSON(w, r, &rule) {
			return
		}
		added, err := p.faults.Add(rule)
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		p.log.Info("fault rule added", "rule", added.ID, "kind", added.kind(), "method", added.Method, "path", added.Path)
		writeJSON(w, http.StatusCreated, added)
	case http.MethodDelete:
		p.faults.Clear()
		w.WriteHeader(http.StatusNoContent)
	default:
		methodNotAllowed(w, "GET, POST, DELETE")
	}
}

func (p *Plane) serveFault(w http.ResponseWriter, r *http.Request, id string) {
	if r.Method != http.MethodDelete {
		methodNotAllowed(w, "DELETE")
		return
	}
	if !p.faults.Remove(id) {
		writeError(w, http.StatusNotFound, "no fault rule "+strconv.Quote(id))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// serveRequests lists the journal, filtered by ?method=, ?path= (a part of
// the path), ?status=, ?since= (RFC 3339) and ?limit=; DELETE clears it.
func (p *Plane) serveRequests(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
	case http.MethodDelete:
		p.journal.Clear()
		w.WriteHeader(http.StatusNoContent)
		return
	default:
		methodNotAllowed(w, "GET, DELETE")
		return
	}
	q := r.URL.Query()
	f := Filter{Method: q.Get("method"), Path: q.Get("path")}
	var err error
	if s := q.Get("status"); s != "" {
		if f.Status, err = strconv.Atoi(s); err != nil {
			writeError(w, http.StatusBadRequest, "status must be a number such as 503")
			return
		}
	}
	if s := q.Get("limit"); s != "" {
		if f.Limit, err = strconv.Atoi(s); err != nil || f.Limit < 0 {
			writeError(w, http.StatusBadRequest, "limit must be a positive number")
			return
		}
	}
	if s := q.Get("since"); s != "" {
		if f.Since, err = time.Parse(time.RFC3339Nano, s); err != nil {
			writeError(w, http.StatusBadRequest, "since must be an RFC 3339 time such as 2026-06-15T06:00:00Z")
			return
		}
	}
	writeJSON(w, http.StatusOK, p.journal.Entries(f))
}

// readJSON decodes a JSON body that holds one value with no unknown field,
// answering 400 when it cannot.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("a body is at most %d bytes", maxBody))
			return false
		}
		writeError(w, http.StatusBadRequest, "the body is not the JSON expected: "+err.Error())
		return false
	}
	if _, err := dec.Token(); err != io.EOF {
		writeError(w, http.StatusBadRequest, "the body holds more than one JSON value; send one object")
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"cannot encode the answer"}`)
	}
	b = append(b, '\n')
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(b)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func unauthorized(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="emcdp control"`)
	writeError(w, http.StatusUnauthorized, "the control API needs the header Authorization: Bearer TOKEN (the token given to or printed by emcdp serve --control), or the console's logon at "+Prefix+"ui/")
}

func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	writeError(w, http.StatusMethodNotAllowed, "use "+allow)
}

// internal answers 500 for an error the client cannot fix, logging it.
func (p *Plane) internal(w http.ResponseWriter, what string, err error) {
	p.log.Error("control: "+what, "err", err)
	status := http.StatusInternalServerError
	if errors.Is(err, sim.ErrConfigMismatch) {
		status = http.StatusConflict
	}
	writeError(w, status, what+": "+err.Error())
}
