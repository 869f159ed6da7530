package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/redact"
)

// statusOf is the one table from error codes to HTTP statuses.
var statusOf = map[emcdp.Code]int{
	emcdp.EInvalid:      http.StatusBadRequest,
	emcdp.EUnauthorized: http.StatusUnauthorized,
	emcdp.EForbidden:    http.StatusForbidden,
	emcdp.ENotFound:     http.StatusNotFound,
	emcdp.EUnavailable:  http.StatusServiceUnavailable,
	emcdp.EInternal:     http.StatusInternalServerError,
}

// methodError is a 405 answer with the methods the resource allows.
type methodError struct{ allow string }

func (e *methodError) Error() string { return "The method is not allowed on this resource" }

// logonError is a 401 at logon, which carries a WWW-Authenticate challenge.
type logonError struct{ err error }

func (e *logonError) Error() string { return e.err.Error() }
func (e *logonError) Unwrap() error { return e.err }

// classify turns any error into a status and a message fit for a client.
// Errors that are not *emcdp.Error are internal unless they are one of the
// few kinds recognised here; internal ones must be logged by the caller.
func classify(err error) (status int, msg string, internal bool) {
	var me *methodError
	if errors.As(err, &me) {
		return http.StatusMethodNotAllowed, me.Error(), false
	}
	var e *emcdp.Error
	if errors.As(err, &e) {
		st, ok := statusOf[e.Code]
		if !ok || st == http.StatusInternalServerError {
			return http.StatusInternalServerError, "", true
		}
		return st, e.Message, false
	}
	switch {
	case errors.Is(err, emcdp.ErrNotFound):
		return http.StatusNotFound, "The resource was not found", false
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable, "The request was cancelled or timed out", false
	}
	return http.StatusInternalServerError, "", true
}

// fail replaces whatever the handler built with an Error body. Internal
// errors are logged with the request id and answered without details.
func (h *Handler) fail(c *call, reqID string, err error) {
	status, msg, internal := classify(err)
	if internal {
		h.log.Error("internal error", "request", reqID, "method", c.r.Method, "path", redact.Path(c.r.URL.Path),
			"query", redact.Query(c.r.URL.RawQuery), "err", err)
		msg = "Internal server error; see the server log for request " + reqID
	}
	hd := c.w.Header()
	var me *methodError
	if errors.As(err, &me) {
		hd["Allow"] = []string{me.allow}
	}
	var le *logonError
	if errors.As(err, &le) && status == http.StatusUnauthorized {
		hd["WWW-Authenticate"] = []string{`Basic realm="RestSvc"`}
	}
	if status == http.StatusServiceUnavailable {
		// Busy (hashing slots, scan slots) or out of time: worth a retry soon.
		hd["Retry-After"] = []string{"1"}
	}
	delete(hd, "Set-Cookie")
	delete(hd, sessionHeader)
	c.status = status
	c.msg = msg
	c.discardSpill()
	c.buf = c.enc.Error(c.buf[:0], status, msg)
}

// notFound is the 404 of a path that names nothing.
func notFound() error {
	return emcdp.Errorf(emcdp.ENotFound, "The requested resource was not found")
}

// noSuch is the 404 of a well-formed id that names nothing of its kind.
func noSuch(kind string, id emcdp.ID) error {
	return emcdp.Errorf(emcdp.ENotFound, "No %s with id '%s'", kind, id)
}

// storeErr translates a store's ErrNotFound for one resource into its 404.
func storeErr(err error, kind string, id emcdp.ID) error {
	if errors.Is(err, emcdp.ErrNotFound) {
		return noSuch(kind, id)
	}
	return err
}
