package wire

import "strings"

// Format is the body format of a response.
type Format int8

// The two formats. XML is the default, as on the real server.
const (
	XML Format = iota
	JSON
)

// Profile selects the JSON dialect: which EM release's property names are
// written. XML is the same in both.
type Profile int8

// The profiles.
const (
	V12 Profile = iota // EM 11–12: PascalCase, exactly the XML names (the default)
	V13                // EM 13: camelCase by the .NET rule
)

// ParseProfile matches "v12" or "v13" (any case).
func ParseProfile(s string) (Profile, bool) {
	switch {
	case strings.EqualFold(s, "v12"):
		return V12, true
	case strings.EqualFold(s, "v13"):
		return V13, true
	}
	return V12, false
}

// String returns "v12" or "v13".
func (p Profile) String() string {
	if p == V13 {
		return "v13"
	}
	return "v12"
}

// Rep is the representation of a key resource.
type Rep int8

// The representations: the reference (the default answer) and the entity
// (?format=Entity).
const (
	Reference Rep = iota
	Entity
)

// Encoder appends representations to byte slices. The zero value writes XML;
// with Format JSON it writes the dialect of Profile, preceded by a UTF-8
// byte-order mark when BOM is set (older servers sent one with JSON; XML
// bodies never carry it). An Encoder holds no state and is safe for
// concurrent use.
//
// Every method takes the absolute API base without a trailing slash (for
// example "https://em.lab.local:9398/api"), appends one complete body to dst
// and returns the extended slice.
type Encoder struct {
	Format  Format
	Profile Profile
	BOM     bool
}

// ContentType returns the Content-Type header value of the bodies written.
func (e Encoder) ContentType() string {
	if e.Format == JSON {
		return "application/json; charset=utf-8"
	}
	return "application/xml; charset=utf-8"
}

func (e Encoder) json() bool { return e.Format == JSON }

// keys returns the JSON property names of the profile; an unknown profile
// is treated as the default.
func (e Encoder) keys() *keys {
	if e.Profile == V13 {
		return profileKeys[V13]
	}
	return profileKeys[V12]
}

// begin starts a body: the XML prolog, or the optional BOM before JSON.
func (e Encoder) begin(dst []byte) []byte {
	if e.Format == JSON {
		if e.BOM {
			dst = append(dst, 0xEF, 0xBB, 0xBF)
		}
		return dst
	}
	return append(dst, xmlProlog...)
}

// end finishes an XML body with a newline; JSON bodies end at their brace.
func (e Encoder) end(dst []byte) []byte {
	if e.Format == JSON {
		return dst
	}
	return append(dst, '\n')
}

const (
	xmlProlog = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	// xmlNS are the namespace declarations that only the root element carries.
	xmlNS = ` xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://www.veeam.com/ent/v1.0"`
)
