package control

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/api"
	"github.com/emcdp/emcdp/console"
)

// serveUI serves the console under Prefix+"ui/". To a browser that has not
// logged on, the console's address answers its logon page, which alone
// (with its script and style) needs no credentials; the logon (ui/logon)
// sets the console cookie, with which the address answers the console and
// its files load. Everything the console shows comes from the endpoints
// below and the others of the control API, which take the cookie only with
// the console's header (see bearer).
func (p *Plane) serveUI(w http.ResponseWriter, r *http.Request) {
	name, slash := strings.CutPrefix(r.URL.Path, Prefix+"ui/")
	switch {
	case !slash:
		// "/_emcdp/ui" without its slash: the page's relative links need it.
		http.Redirect(w, r, Prefix+"ui/", http.StatusMovedPermanently)
		return
	case name == "logon":
		p.serveConsoleLogon(w, r)
		return
	case name == "logoff":
		p.serveConsoleLogoff(w, r)
		return
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		methodNotAllowed(w, "GET")
		return
	}
	if !console.LogonFile(name) && !p.consoleLoggedOn(r, time.Now()) {
		// A page's script and style load with the cookie alone: reading
		// them changes nothing, and no page of another origin can read them.
		switch ok, wait := p.bearer(r); {
		case ok:
		case wait > 0:
			p.tooManyGuesses(w, wait)
			return
		case name == "":
			name = console.LogonPage
		default:
			unauthorized(w)
			return
		}
	}
	if !console.Serve(w, r, name) {
		writeError(w, http.StatusNotFound, "the console has no file "+strconv.Quote(clip(name, 100)))
	}
}

// serveOverview answers the console's overview at the world clock's present,
// with the first ?limit= policies (default 50, 0: all).
func (p *Plane) serveOverview(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		methodNotAllowed(w, "GET")
		return
	}
	limit := 50
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, "limit must be a number of policies, 0 for all")
			return
		}
		limit = n
	}
	release := p.world.Hold()
	defer release()
	o, err := console.ReadOverview(r.Context(), p.world.cfg.Store, p.world.cfg.Clock.Now(), limit)
	if err != nil {
		p.internal(w, "overview", err)
		return
	}
	writeJSON(w, http.StatusOK, o)
}

// serveTimeline answers ?from= and ?to= (RFC 3339; default: the last 7 days
// to the world clock's present) or ?span= before ?to=, ?buckets= (default 168), ?policy= (a
// policy's id: its VMs as rows), ?rows=jobs (jobs and their sessions
// instead, ?job= a job's VMs), ?page= and ?pageSize= (default 50) of rows.
func (p *Plane) serveTimeline(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		methodNotAllowed(w, "GET")
		return
	}
	q := r.URL.Query()
	now := p.world.cfg.Clock.Now()
	req := console.TimelineRequest{To: now, From: now.Add(-7 * 24 * time.Hour), Buckets: 168, Page: 1, PageSize: 50}
	for name, dst := range map[string]*time.Time{"from": &req.From, "to": &req.To} {
		if s := q.Get(name); s != "" {
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				writeError(w, http.StatusBadRequest, name+" must be an RFC 3339 time such as 2026-06-15T06:00:00Z")
				return
			}
			*dst = t.UTC()
		}
	}
	for name, dst := range map[string]*int{"buckets": &req.Buckets, "page": &req.Page, "pageSize": &req.PageSize} {
		if s := q.Get(name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 {
				writeError(w, http.StatusBadRequest, name+" must be a positive number")
				return
			}
			*dst = n
		}
	}
	if s := q.Get("span"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 || q.Get("from") != "" {
			writeError(w, http.StatusBadRequest, "span is a positive duration such as 168h, and goes without from")
			return
		}
		req.From = req.To.Add(-d)
	}
	switch rows := q.Get("rows"); rows {
	case "", "policies":
	case "jobs":
		req.Jobs = true
	default:
		writeError(w, http.StatusBadRequest, "rows is policies or jobs")
		return
	}
	parent := "policy"
	if req.Jobs {
		parent = "job"
	}
	if s := q.Get(parent); s != "" {
		id, ok := emcdp.ParseID(s)
		if !ok {
			writeError(w, http.StatusBadRequest, parent+" must be a "+parent+"'s id (a GUID)")
			return
		}
		req.Parent = &id
	}
	if req.To.Sub(req.From) > 400*24*time.Hour {
		writeError(w, http.StatusBadRequest, "a timeline spans at most 400 days")
		return
	}
	release := p.world.Hold()
	defer release()
	tl, err := console.ReadTimeline(r.Context(), p.world.cfg.Store, req)
	switch {
	case errors.Is(err, emcdp.ErrNotFound):
		writeError(w, http.StatusNotFound, "no "+parent+" "+strconv.Quote(q.Get(parent)))
	case errors.Is(err, console.ErrRequest), emcdp.ErrorCode(err) == emcdp.EInvalid:
		// EInvalid: the store's, for a page beyond what it can page to.
		writeError(w, http.StatusBadRequest, err.Error())
	case err != nil:
		p.internal(w, "timeline", err)
	default:
		writeJSON(w, http.StatusOK, tl)
	}
}

// serveSession answers one policy or task session's detail.
func (p *Plane) serveSession(w http.ResponseWriter, r *http.Request, s string) {
	if r.Method != http.MethodGet {
		methodNotAllowed(w, "GET")
		return
	}
	id, ok := emcdp.ParseID(s)
	if !ok {
		writeError(w, http.StatusBadRequest, "a session is named by its id (a GUID)")
		return
	}
	base := strings.TrimRight(p.cfg.ExternalURL, "/")
	if base == "" {
		base = strings.TrimSuffix(api.RequestBase(r), "/api")
	}
	release := p.world.Hold()
	defer release()
	d, err := console.ReadSession(r.Context(), p.world.cfg.Store, id, base)
	switch {
	case errors.Is(err, emcdp.ErrNotFound):
		writeError(w, http.StatusNotFound, "no policy or task session "+strconv.Quote(s))
	case err != nil:
		p.internal(w, "session", err)
	default:
		writeJSON(w, http.StatusOK, d)
	}
}

// serveEpisodes starts an episode (POST).
func (p *Plane) serveEpisodes(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		methodNotAllowed(w, "POST")
		return
	}
	var e EpisodeRequest
	if !readJSON(w, r, &e) {
		return
	}
	err := p.world.StartEpisode(r.Context(), e)
	switch {
	case errors.Is(err, errEpisode):
		writeError(w, http.StatusBadRequest, err.Error())
	case errors.Is(err, errTooManyEpisodes):
		writeError(w, http.StatusConflict, err.Error())
	case err != nil:
		p.internal(w, "start the episode", err)
	default:
		writeJSON(w, http.StatusCreated, map[string]any{"started": true, "clock": p.world.cfg.Clock.State()})
	}
}
