package api

import (
	"net/http"
	"strings"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/auth"
)

// sessionHeader is written as a literal map key so that it keeps exactly
// this capitalisation on the wire; Header().Set would canonicalise it to
// X-Restsvcsessionid, which a client matching case-sensitively misses.
const sessionHeader = auth.SessionHeader

// entryPoint answers GET /api/ without authentication.
func (h *Handler) entryPoint(c *call, _ []string) error {
	c.buf = c.enc.EntryPoint(c.buf, c.base, h.versions)
	return nil
}

// logonVersion checks the v parameter of a logon: missing or empty means
// latest; the listed versions and the older ones are accepted in any case.
func logonVersion(c *call) error {
	v, _ := c.param("v")
	if v == "" || strings.EqualFold(v, "latest") {
		return nil
	}
	for _, list := range [][]string{listedVersions, oldVersions} {
		for _, name := range list {
			if strings.EqualFold(v, name) {
				return nil
			}
		}
	}
	return emcdp.Errorf(emcdp.EInvalid, "The API version '%s' is not supported; use latest or one of v1_2 to v1_7", clip(v))
}

// logon answers POST /api/sessionMngr/: Basic credentials in, a new logon
// session out with 201, its token in the X-RestSvcSessionId header and
// cookie.
func (h *Handler) logon(c *call, _ []string) error {
	if err := logonVersion(c); err != nil {
		return err
	}
	user, pw, ok := c.r.BasicAuth()
	if !ok {
		return &logonError{emcdp.Errorf(emcdp.EUnauthorized, "Logon requires HTTP Basic credentials")}
	}
	ls, tok, err := h.auth.Logon(c.ctx(), user, pw)
	if err != nil {
		if emcdp.ErrorCode(err) == emcdp.EUnauthorized {
			return &logonError{err}
		}
		return err
	}
	c.caller = &auth.Caller{UserName: user, UserKey: emcdp.UserKey(user), Session: ls}
	hd := c.w.Header()
	hd[sessionHeader] = []string{tok}
	hd["Set-Cookie"] = []string{sessionHeader + "=" + tok + "; Path=/api"}
	c.status = http.StatusCreated
	c.buf = c.enc.LogonSession(c.buf, c.base, ls)
	return nil
}

// logonSessions answers GET /api/logonSessions with the calling session
// alone, never the user's other sessions: a client that logs off by deleting
// the first item must end its own session. A caller that sent Basic
// credentials alone is shown the session that represents it (see
// auth.Service.CallerSession).
func (h *Handler) logonSessions(c *call, _ []string) error {
	ls, err := h.auth.CallerSession(c.ctx(), c.caller)
	if err != nil {
		return err
	}
	c.buf = c.enc.LogonSessions(c.buf, c.base, []emcdp.LogonSession{*ls})
	return nil
}

// logonSession answers GET /api/logonSessions/{id}: one of the caller's sessions.
func (h *Handler) logonSession(c *call, args []string) error {
	id, err := parseID(args[0])
	if err != nil {
		return err
	}
	ls, err := h.auth.Session(c.ctx(), c.caller, id)
	if err != nil {
		return err
	}
	c.buf = c.enc.LogonSession(c.buf, c.base, ls)
	return nil
}

// logoff answers DELETE /api/logonSessions/{id} with 204; the token stops
// working at once, on every server sharing the store.
func (h *Handler) logoff(c *call, args []string) error {
	id, err := parseID(args[0])
	if err != nil {
		return err
	}
	if err := h.auth.Logoff(c.ctx(), c.caller, id); err != nil {
		return err
	}
	c.status = http.StatusNoContent
	return nil
}
