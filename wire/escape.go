package wire

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// dateTimeLayout is the EM DateTime layout without the zone: fractional
// seconds to at most 7 digits (the .NET tick), trailing zeros removed, and no
// dot when the fraction is zero. The caller appends the "Z".
const dateTimeLayout = "2006-01-02T15:04:05.9999999"

// AppendDateTime appends t in the EM DateTime format, always in UTC with a
// trailing "Z": 2026-03-04T05:06:07Z, 2026-03-04T05:06:07.5Z,
// 2026-03-04T05:06:07.1234567Z. Digits beyond the 100 ns tick are truncated,
// as .NET's DateTime cannot hold them.
func AppendDateTime(dst []byte, t time.Time) []byte {
	dst = t.UTC().AppendFormat(dst, dateTimeLayout)
	return append(dst, 'Z')
}

// FormatDateTime returns AppendDateTime's text for t.
func FormatDateTime(t time.Time) string {
	var b [40]byte
	return string(AppendDateTime(b[:0], t))
}

// appendInt appends a plain decimal integer.
func appendInt(dst []byte, v int64) []byte { return strconv.AppendInt(dst, v, 10) }

// appendBool appends true or false.
func appendBool(dst []byte, v bool) []byte {
	if v {
		return append(dst, "true"...)
	}
	return append(dst, "false"...)
}

// xmlSafe[c] is true for ASCII bytes that are written as they are, in both
// text and attribute values.
var xmlSafe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = true
	}
	for _, c := range `&<>"` {
		t[c] = false
	}
	return t
}()

// appendXMLText appends s escaped for XML character data.
func appendXMLText(dst []byte, s string) []byte { return appendXML(dst, s, false) }

// appendXMLAttr appends s escaped for a double-quoted XML attribute value.
func appendXMLAttr(dst []byte, s string) []byte { return appendXML(dst, s, true) }

// appendXML escapes s the way .NET's XmlWriter does: &, <, > always; the
// double quote in attributes; tab, newline and carriage return in attributes
// and carriage return in text as character references, so that they survive a
// parser's normalisation. Characters XML 1.0 cannot carry (other control
// characters, U+FFFE, U+FFFF) and invalid UTF-8 become U+FFFD, so the output
// is always well-formed.
func appendXML(dst []byte, s string, attr bool) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if xmlSafe[c] || (c == '"' && !attr) || ((c == '\n' || c == '\t') && !attr) {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '&':
				dst = append(dst, "&amp;"...)
			case '<':
				dst = append(dst, "&lt;"...)
			case '>':
				dst = append(dst, "&gt;"...)
			case '"':
				dst = append(dst, "&quot;"...)
			case '\n':
				dst = append(dst, "&#xA;"...)
			case '\r':
				dst = append(dst, "&#xD;"...)
			case '\t':
				dst = append(dst, "&#x9;"...)
			default:
				dst = append(dst, "\uFFFD"...)
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r == 0xFFFE || r == 0xFFFF {
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\uFFFD"...)
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(dst, s[start:]...)
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a quoted JSON string, escaped the way
// Json.NET does by default: the quote, the backslash and control characters
// (\b \f \n \r \t by name, others as \u00xx), and U+0085, U+2028, U+2029 as
// \u escapes. Everything else, including <, > and &, is written as it is.
// Invalid UTF-8 becomes \ufffd, so the output is always valid JSON.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	dst = appendJSONChars(dst, s)
	return append(dst, '"')
}

// appendJSONChars appends the escaped characters of s without quotes.
func appendJSONChars(dst []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"':
				dst = append(dst, `\"`...)
			case '\\':
				dst = append(dst, `\\`...)
			case '\b':
				dst = append(dst, `\b`...)
			case '\f':
				dst = append(dst, `\f`...)
			case '\n':
				dst = append(dst, `\n`...)
			case '\r':
				dst = append(dst, `\r`...)
			case '\t':
				dst = append(dst, `\t`...)
			default:
				dst = append(dst, `\u00`...)
				dst = append(dst, hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		var esc string
		switch {
		case r == utf8.RuneError && size == 1:
			esc = `\ufffd`
		case r == 0x85:
			esc = `\u0085`
		case r == 0x2028:
			esc = `\u2028`
		case r == 0x2029:
			esc = `\u2029`
		default:
			i += size
			continue
		}
		dst = append(dst, s[start:i]...)
		dst = append(dst, esc...)
		i += size
		start = i
	}
	return append(dst, s[start:]...)
}
