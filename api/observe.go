package api

import (
	"strings"
	"time"

	"github.com/emcdp/emcdp/redact"
)

// RequestIDHeader carries the id of a request back to the client; the same
// id names the request in the log, in errors and in the request journal.
const RequestIDHeader = "X-Request-Id"

// Outcome describes one answered request to Config.Observe, which hears of
// it just before the answer is written.
type Outcome struct {
	ID       string        // the request id, also sent in RequestIDHeader
	User     string        // the authenticated user as typed; "" when none
	Route    string        // the matched route pattern, e.g. "/api/cdpPolicies/{id}"; "" when none matched
	Status   int           // the HTTP status written
	Bytes    int           // body bytes to be written
	Duration time.Duration // from arrival until the answer was ready
	// Message is the text of an Error answer ("" on success).
	Message string
}

// routeNames holds the display pattern of every route, made once.
var routeNames = func() map[*route]string {
	m := make(map[*route]string, len(routes))
	for i := range routes {
		m[&routes[i]] = patternName(&routes[i])
	}
	return m
}()

// routeName returns the display pattern of a route.
func routeName(rt *route) string { return routeNames[rt] }

// patternName spells a route's pattern: "/api/" plus its segments with
// every wildcard written "{id}".
func patternName(rt *route) string {
	var b strings.Builder
	b.WriteString("/api/")
	for i, p := range rt.pattern {
		if i > 0 {
			b.WriteByte('/')
		}
		if p == "*" {
			p = "{id}"
		}
		b.WriteString(p)
	}
	return b.String()
}

// RedactQuery returns a raw query string fit for a log: see redact.Query.
func RedactQuery(raw string) string { return redact.Query(raw) }

// user returns the name a request authenticated as, or "".
func (c *call) user() string {
	if c.caller == nil {
		return ""
	}
	return c.caller.UserName
}

// RoutePattern returns the pattern of the route that serves path, as
// Outcome.Route names it, or "" when no route does.
func RoutePattern(path string) string {
	segs, ok := splitPath(path, nil)
	if !ok {
		return ""
	}
	rt, _ := match(segs, nil)
	if rt == nil {
		return ""
	}
	return routeName(rt)
}
