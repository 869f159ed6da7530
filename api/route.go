package api

import (
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/auth"
	"github.com/emcdp/emcdp/wire"
)

// endpoint is the function of one method of a route; args are the path
// segments that the route's wildcards matched, in order.
type endpoint func(h *Handler, c *call, args []string) error

// route is one path shape below /api. pattern segments are lower-case
// literals or "*", which matches any one segment.
type route struct {
	pattern []string
	public  bool // served without authentication
	// readsTask: GET reads the task session the path's id names (see
	// Handler.authenticate).
	readsTask bool
	get       endpoint
	put       endpoint
	post      endpoint
	del       endpoint
	allow     string
}

// routes is the routing table. Paths are matched on their segments after
// "/api", case-insensitively, with empty segments (from "//" or a trailing
// slash) dropped: no redirects are ever issued.
var routes = buildRoutes(append([]route{
	{pattern: seg(""), public: true, get: (*Handler).entryPoint},
	{pattern: seg("sessionmngr"), public: true, post: (*Handler).logon},
	{pattern: seg("logonsessions"), get: (*Handler).logonSessions},
	{pattern: seg("logonsessions/*"), get: (*Handler).logonSession, del: (*Handler).logoff},
	{pattern: seg("query"), get: (*Handler).query},
	{pattern: seg("querysvc"), get: (*Handler).querySvc},
	{pattern: seg("reports/summary"), get: (*Handler).reportSummary},
	{pattern: seg("reports/summary/*"), get: (*Handler).reportFrame},
	{pattern: seg("tasks"), get: (*Handler).tasks},
	{pattern: seg("tasks/*"), get: (*Handler).task, del: (*Handler).deleteTask},
}, append(agentRoutes(), kindRoutes()...)...))

func seg(p string) []string {
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

func buildRoutes(rs []route) []route {
	for i := range rs {
		var m []string
		if rs[i].get != nil {
			m = append(m, "GET")
		}
		if rs[i].put != nil {
			m = append(m, "PUT")
		}
		if rs[i].post != nil {
			m = append(m, "POST")
		}
		if rs[i].del != nil {
			m = append(m, "DELETE")
		}
		rs[i].allow = strings.Join(m, ", ")
	}
	return rs
}

// splitPath appends the segments of p below "/api" to segs[:0], and
// reports false when p is not below "/api" at all.
func splitPath(p string, segs []string) ([]string, bool) {
	segs = segs[:0]
	for p != "" {
		var s string
		s, p, _ = strings.Cut(p, "/")
		if s != "" {
			segs = append(segs, s)
		}
	}
	if len(segs) == 0 || !strings.EqualFold(segs[0], "api") {
		return nil, false
	}
	return segs[1:], true
}

// routeIndex holds the routes by their number of segments and the length
// of their first (routeKey), each list in the table's order, so that a
// request compares its path with the few routes it could match rather than
// with every route: a literal matches a segment only at the same length.
var routeIndex = indexRoutes(routes)

func indexRoutes(rs []route) map[uint64][]*route {
	m := make(map[uint64][]*route)
	for i := range rs {
		rt := &rs[i]
		first := ""
		if len(rt.pattern) > 0 {
			first = rt.pattern[0]
		}
		if first == "*" {
			panic("api: route " + patternName(rt) + " starts with a wildcard; routes are indexed by their first literal")
		}
		k := routeKey(len(rt.pattern), first)
		m[k] = append(m[k], rt)
	}
	return m
}

// routeKey is the key of routeIndex for a path of n segments whose first is
// first. Both counts fit whole, so no path, however long or deep, shares a
// key with routes of another depth.
func routeKey(n int, first string) uint64 {
	return uint64(n)<<32 | uint64(uint32(len(first)))
}

// match finds the route of segs and appends the segments its wildcards
// matched to args[:0].
func match(segs, args []string) (*route, []string) {
	first := ""
	if len(segs) > 0 {
		first = segs[0]
	}
	for _, rt := range routeIndex[routeKey(len(segs), first)] {
		args = args[:0]
		ok := true
		for j, p := range rt.pattern {
			if p == "*" {
				args = append(args, segs[j])
			} else if len(p) != len(segs[j]) || !strings.EqualFold(p, segs[j]) {
				ok = false
				break
			}
		}
		if ok {
			return rt, args
		}
	}
	return nil, nil
}

// dispatch routes the request, checks the method, authenticates and runs
// the endpoint.
func (h *Handler) dispatch(c *call) error {
	segs, ok := splitPath(c.r.URL.Path, c.segBuf[:])
	if !ok {
		return notFound()
	}
	rt, args := match(segs, c.argBuf[:])
	if rt == nil {
		return notFound()
	}
	c.route = rt
	var ep endpoint
	switch c.r.Method {
	case http.MethodGet, http.MethodHead:
		ep = rt.get
	case http.MethodPut:
		ep = rt.put
	case http.MethodPost:
		ep = rt.post
	case http.MethodDelete:
		ep = rt.del
	}
	if ep == nil {
		return &methodError{allow: rt.allow}
	}
	c.params = parseParams(c.r.URL.RawQuery, c.paramBuf[:])
	if !rt.public {
		caller, err := h.authenticate(c, rt, args)
		if err != nil {
			return err
		}
		c.caller = caller
	}
	return ep(h, c, args)
}

// authenticate identifies the caller. A GET of a task session by token, on
// a store that reads both in one round trip, reads the logon session and the
// task session together and keeps the task session in c for the endpoint;
// either read is one statement as it would be alone, so nothing is served
// that a separate read would not have served. Not while the caches are on
// (cached): then the logon session is remembered and the answer may be too.
func (h *Handler) authenticate(c *call, rt *route, args []string) (*auth.Caller, error) {
	if h.withLogon == nil || h.cached() || !rt.readsTask || (c.r.Method != http.MethodGet && c.r.Method != http.MethodHead) {
		return h.auth.Authenticate(c.ctx(), c.r)
	}
	logon, ok := auth.SessionID(c.r)
	if !ok {
		return h.auth.Authenticate(c.ctx(), c.r)
	}
	id, err := parseID(args[0])
	if err != nil {
		return h.auth.Authenticate(c.ctx(), c.r)
	}
	ls, ts, err := h.withLogon.TaskSessionWithLogon(c.ctx(), logon, id)
	if err != nil {
		return nil, err
	}
	caller, err := h.auth.AuthenticateRead(c.ctx(), c.r, ls)
	if err == nil {
		c.read, c.readDone = ts, true
	}
	return caller, err
}

// qparam is one decoded name=value pair of the query string.
type qparam struct{ name, value string }

// parseParams appends the pairs of a raw query string to ps[:0], split
// leniently: a segment whose escapes are malformed is kept as it came rather
// than rejected, since unknown parameters are ignored and known ones are
// validated where they are used.
func parseParams(raw string, ps []qparam) []qparam {
	if raw == "" {
		return nil
	}
	ps = ps[:0]
	for raw != "" {
		var s string
		s, raw, _ = strings.Cut(raw, "&")
		if s == "" {
			continue
		}
		name, value, _ := strings.Cut(s, "=")
		ps = append(ps, qparam{unescape(name), unescape(value)})
	}
	return ps
}

// unescape is url.QueryUnescape, keeping s when its escapes are malformed.
// A string without '%' or '+' is its own unescaping, found without the
// scan and copy of QueryUnescape.
func unescape(s string) string {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s
	}
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// param returns the first value of the parameter name (any case).
func (c *call) param(name string) (string, bool) {
	for _, p := range c.params {
		if strings.EqualFold(p.name, name) {
			return p.value, true
		}
	}
	return "", false
}

// rep reads the format parameter of a key resource or collection:
// absent or empty is the reference, "Entity" in any case the entity.
func (c *call) rep() (wire.Rep, error) {
	v, _ := c.param("format")
	switch {
	case v == "":
		return wire.Reference, nil
	case strings.EqualFold(v, "Entity"):
		return wire.Entity, nil
	}
	return 0, emcdp.Errorf(emcdp.EInvalid, "The format '%s' is not supported; use format=Entity or no format", clip(v))
}

// parseID parses a path id, any letter case.
func parseID(s string) (emcdp.ID, error) {
	id, ok := emcdp.ParseID(s)
	if !ok {
		return id, emcdp.Errorf(emcdp.EInvalid, "The id '%s' is not a valid GUID", clip(s))
	}
	return id, nil
}

// clip shortens a client-supplied value quoted in an error message and
// replaces anything that is not printable UTF-8.
func clip(s string) string {
	const max = 64
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == max {
			b.WriteString("…")
			break
		}
		if r == utf8.RuneError || r < 0x20 || r == 0x7f {
			r = '?'
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}
