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

// escTable tells, for each byte, whether it is written as it is and, for an
// ASCII byte that is not, what replaces it. Bytes from utf8.RuneSelf up are
// never safe: they start a multi-byte sequence that must be decoded. The
// printable ASCII bytes that are not safe are also in special, each repeated
// in every byte of a word (a set of fewer than four repeats one), so that
// scan can test eight bytes at a time.
type escTable struct {
	safe    [256]bool
	esc     [utf8.RuneSelf]string
	special [4]uint64
}

const (
	swarLow  = 0x0101010101010101
	swarHigh = 0x8080808080808080
)

// newEscTable returns a table whose printable ASCII is safe but for the
// bytes of printable, escaped as esc says; control characters become what
// control returns, unless esc names them; everything else is decoded.
func newEscTable(printable string, esc map[byte]string, control func(c byte) string) *escTable {
	t := new(escTable)
	for c := 0; c < utf8.RuneSelf; c++ {
		t.safe[c] = c >= 0x20
		t.esc[c] = control(byte(c))
	}
	for c, e := range esc {
		t.esc[c] = e
	}
	for i := range t.special {
		c := printable[i%len(printable)]
		t.safe[c] = false
		t.special[i] = swarLow * uint64(c)
	}
	return t
}

// scan returns the index of the first byte of s from i on that is not safe,
// or len(s). It skips eight bytes at a time while none of them is a control
// character, a byte from 0x80 up, or a special byte (an exact test: a zero
// byte of x^special is a special byte), then goes on byte by byte.
func (t *escTable) scan(s string, i int) int {
	for ; i+8 <= len(s); i += 8 {
		w := s[i : i+8]
		x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
			uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
		y0, y1, y2, y3 := x^t.special[0], x^t.special[1], x^t.special[2], x^t.special[3]
		m := x | (x-swarLow*0x20)&^x | (y0-swarLow)&^y0 | (y1-swarLow)&^y1 | (y2-swarLow)&^y2 | (y3-swarLow)&^y3
		if m&swarHigh != 0 {
			break
		}
	}
	for i < len(s) && t.safe[s[i]] {
		i++
	}
	return i
}

// newXMLTable returns the table of XML text (attr false) or attribute
// values: control characters XML cannot carry become U+FFFD.
func newXMLTable(attr bool) *escTable {
	esc := map[byte]string{'&': "&amp;", '<': "&lt;", '>': "&gt;", '"': "&quot;", '\n': "&#xA;", '\r': "&#xD;", '\t': "&#x9;"}
	fffd := func(byte) string { return "\uFFFD" }
	if attr {
		return newEscTable(`&<>"`, esc, fffd)
	}
	t := newEscTable("&<>", esc, fffd)
	t.safe['\n'], t.safe['\t'] = true, true
	return t
}

var xmlText, xmlAttr = newXMLTable(false), newXMLTable(true)

// appendXMLText appends s escaped for XML character data.
func appendXMLText(dst []byte, s string) []byte { return appendXML(dst, s, xmlText) }

// appendXMLAttr appends s escaped for a double-quoted XML attribute value.
func appendXMLAttr(dst []byte, s string) []byte { return appendXML(dst, s, xmlAttr) }

// appendXML escapes s the way .NET's XmlWriter does: &, <, > always; the
// double quote in attributes; tab, newline and carriage return in attributes
// and carriage return in text as character references, so that they survive a
// parser's normalisation. Characters XML 1.0 cannot carry (other control
// characters, U+FFFE, U+FFFF) and invalid UTF-8 become U+FFFD, so the output
// is always well-formed. t is xmlText or xmlAttr.
func appendXML(dst []byte, s string, t *escTable) []byte {
	start := 0
	for i := t.scan(s, 0); i < len(s); i = t.scan(s, i) {
		c := s[i]
		if c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			dst = append(dst, t.esc[c]...)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r == 0xFFFE || r == 0xFFFF {
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\uFFFD"...)
			start = i + size
		}
		i += size
	}
	return append(dst, s[start:]...)
}

// plain reports whether s is written as it is in XML text, XML attribute
// values and JSON strings alike. The base URL of an answer is tested once
// and the constant pieces of links once at start, so that the hundreds of
// Hrefs and Types of a page are appended without being scanned again.
func plain(s string) bool {
	return xmlAttr.scan(s, 0) == len(s) && jsonChars.scan(s, 0) == len(s)
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

// jsonChars is the table of JSON string characters: control characters as
// \b \f \n \r \t by name and others as \u00xx, the quote and the backslash
// escaped; the rest of ASCII is safe.
var jsonChars = newEscTable(`"\\`,
	map[byte]string{'"': `\"`, '\\': `\\`, '\b': `\b`, '\f': `\f`, '\n': `\n`, '\r': `\r`, '\t': `\t`},
	func(c byte) string { return `\u00` + string(hexDigits[c>>4]) + string(hexDigits[c&0xf]) })

// appendJSONChars appends the escaped characters of s without quotes.
func appendJSONChars(dst []byte, s string) []byte {
	t := jsonChars
	start := 0
	for i := t.scan(s, 0); i < len(s); i = t.scan(s, i) {
		c := s[i]
		if c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			dst = append(dst, t.esc[c]...)
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

// xmlAttrLen returns the number of bytes appendXMLAttr appends for s,
// without writing them: each escaped byte adds its escape's length but one,
// each character XML cannot carry the length of U+FFFD but its own.
func xmlAttrLen(s string) int {
	t := xmlAttr
	n := len(s)
	for i := t.scan(s, 0); i < len(s); i = t.scan(s, i) {
		c := s[i]
		if c < utf8.RuneSelf {
			n += len(t.esc[c]) - 1
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r == 0xFFFE || r == 0xFFFF {
			n += len("\uFFFD") - size
		}
		i += size
	}
	return n
}

// jsonCharsLen returns the number of bytes appendJSONChars appends for s,
// without writing them.
func jsonCharsLen(s string) int {
	t := jsonChars
	n := len(s)
	for i := t.scan(s, 0); i < len(s); i = t.scan(s, i) {
		c := s[i]
		if c < utf8.RuneSelf {
			n += len(t.esc[c]) - 1
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r == 0x85 || r == 0x2028 || r == 0x2029 {
			n += len(`\u0000`) - size
		}
		i += size
	}
	return n
}
