package wire

import "time"

// The JSON helpers write compact JSON. A property or array item is preceded
// by a comma unless it is the first in its object or array, which jSep tells
// from the last byte written: only an opening brace or bracket can precede
// a first member, since every value ends with a quote, a digit, a letter or
// a closing brace or bracket.

// jSep writes the comma that separates a member from the one before.
func jSep(b []byte) []byte {
	if n := len(b); n > 0 {
		if c := b[n-1]; c != '{' && c != '[' {
			b = append(b, ',')
		}
	}
	return b
}

// jKey writes a property name (key is `"Name":` from a key set).
func jKey(b []byte, key string) []byte { return append(jSep(b), key...) }

// jString writes a string property; an empty string stays "".
func jString(b []byte, key, v string) []byte { return appendJSONString(jKey(b, key), v) }

// jStringAs writes a string property, v as it is when isPlain (plain).
func jStringAs(b []byte, key, v string, isPlain bool) []byte {
	if !isPlain {
		return jString(b, key, v)
	}
	b = append(jKey(b, key), '"')
	b = append(b, v...)
	return append(b, '"')
}

// jOptString writes a string property, null when v is empty (absent).
func jOptString(b []byte, key, v string) []byte {
	if v == "" {
		return jNull(b, key)
	}
	return jString(b, key, v)
}

// jNull writes a property whose value is null.
func jNull(b []byte, key string) []byte { return append(jKey(b, key), "null"...) }

// jInt writes an integer property.
func jInt(b []byte, key string, v int64) []byte { return appendInt(jKey(b, key), v) }

// jBool writes a boolean property.
func jBool(b []byte, key string, v bool) []byte { return appendBool(jKey(b, key), v) }

// jTime writes a DateTime property, null when t is zero (absent).
func jTime(b []byte, key string, t time.Time) []byte {
	if t.IsZero() {
		return jNull(b, key)
	}
	b = append(jKey(b, key), '"')
	b = AppendDateTime(b, t)
	return append(b, '"')
}

// jUID writes a UidType property urn:veeam:<typ>:<id>.
func jUID(b []byte, key string, k *kindInfo, id [16]byte) []byte {
	b = append(jKey(b, key), '"')
	b = appendUID(b, k, id)
	return append(b, '"')
}

// jLinks writes the Links property: an array of links, or null when there
// are none.
func jLinks(b []byte, ks *keys, links []link) []byte {
	b = jKey(b, ks.Links)
	if len(links) == 0 {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i := range links {
		b = jLink(jSep(b), ks, &links[i])
	}
	return append(b, ']')
}

// jLink writes one link object: Rel, Href, Name, Type, with null for an
// absent Name or Type.
func jLink(b []byte, ks *keys, l *link) []byte {
	b = append(b, '{')
	b = jStringAs(b, ks.Rel, l.rel, l.plain)
	b = append(jKey(b, ks.Href), '"')
	b = l.appendHref(b, appendJSONChars)
	b = append(b, '"')
	b = jOptString(b, ks.Name, l.name)
	if l.typ == "" {
		b = jNull(b, ks.Type)
	} else {
		b = jStringAs(b, ks.Type, l.typ, l.plain)
	}
	return append(b, '}')
}
