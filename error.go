package emcdp

import (
	"errors"
	"fmt"
)

// Code classifies an Error. The api package maps each code to one HTTP status.
type Code string

// The closed set of error codes.
const (
	EInvalid      Code = "invalid"      // the request is malformed: 400
	EUnauthorized Code = "unauthorized" // no, bad or expired credentials: 401
	EForbidden    Code = "forbidden"    // authenticated but not allowed: 403
	ENotFound     Code = "not_found"    // no such resource: 404
	EUnavailable  Code = "unavailable"  // store unreachable, shutting down: 503
	EInternal     Code = "internal"     // anything else: 500, details hidden
)

// Error is an error that may be shown to a client: Message is written into
// the Error body as it is, so it must never carry SQL, paths or secrets.
type Error struct {
	Code    Code
	Message string
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, or EInternal.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrNotFound is returned by stores when a row does not exist. Callers above
// the store turn it into a client-facing *Error naming the resource.
var ErrNotFound = errors.New("not found")
