// Package redact removes secrets from text that is about to be logged or
// printed: logon-session ids in request paths (a session's token is the
// base64 of its id, so a logged id hands out the session), secrets in query
// strings, and passwords in database URLs.
package redact

import (
	"encoding/base64"
	"net/url"
	"regexp"
	"strings"

	"github.com/emcdp/emcdp"
)

// Mark replaces every secret removed.
const Mark = "REDACTED"

// Path returns a request path with the segment that follows
// "logonSessions" (any letter case) replaced by Mark: the id of a logon
// session, from which its token is made; and any segment that is a token.
func Path(p string) string {
	segs := strings.Split(p, "/")
	changed := false
	for i := 0; i < len(segs); i++ {
		if isToken(segs[i]) {
			segs[i] = Mark
			changed = true
			continue
		}
		if !strings.EqualFold(segs[i], "logonSessions") {
			continue
		}
		for j := i + 1; j < len(segs); j++ {
			if segs[j] != "" {
				segs[j] = Mark
				changed = true
				break
			}
		}
	}
	if !changed {
		return p
	}
	return strings.Join(segs, "/")
}

// secretName matches the names of query parameters whose values are secret.
var secretName = regexp.MustCompile(`(?i)pass|pwd|token|secret|session|auth|key`)

// Query returns a raw query string with the value of every parameter whose
// name suggests a secret (password, token, session id, key, …), and every
// value that is a session token under any name or none (a segment without
// '='), replaced by Mark.
func Query(raw string) string {
	if raw == "" {
		return raw
	}
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		name, value, ok := strings.Cut(p, "=")
		if !ok {
			// A segment without a name: a token pasted on its own.
			if v, err := url.QueryUnescape(p); err == nil && isToken(v) || isToken(p) {
				parts[i] = Mark
			}
			continue
		}
		if value == "" {
			continue
		}
		n, err := url.QueryUnescape(name)
		if err != nil {
			n = name
		}
		v, err := url.QueryUnescape(value)
		if err != nil {
			v = value
		}
		if secretName.MatchString(n) || isToken(v) {
			parts[i] = name + "=" + Mark
		}
	}
	return strings.Join(parts, "&")
}

// isToken reports whether s is a session token: the base64 of a GUID.
func isToken(s string) bool {
	s = strings.TrimSpace(s)
	if len(s) < 48 || len(s) > 64 {
		return false
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if _, ok := emcdp.ParseID(string(b)); ok {
				return true
			}
		}
	}
	return false
}

// dsnPassword matches a password in a keyword/value connection string
// (password=secret or password='se cret') and in a URL's query.
var dsnPassword = regexp.MustCompile(`(?i)\b((?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&]*)`)

// DatabaseURL returns a database URL or connection string fit to print: the
// password of its user information, and every password= or sslpassword=
// parameter (in a URL's query or a keyword/value string), replaced by Mark.
func DatabaseURL(s string) string {
	if i := strings.Index(s, "://"); i >= 0 {
		// The user information ends at the last '@'; cutting at the last one
		// hides too much rather than too little when a query holds an '@'.
		if at := strings.LastIndexByte(s, '@'); at > i {
			info := s[i+3 : at]
			if c := strings.IndexByte(info, ':'); c >= 0 {
				s = s[:i+3] + info[:c+1] + Mark + s[at:]
			}
		}
	}
	return dsnPassword.ReplaceAllString(s, "${1}"+Mark)
}
