package wire

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// refAppendXML is the byte-by-byte escaper the table-driven appendXML
// replaced; the differential tests hold appendXML to its output.
func refAppendXML(dst []byte, s string, attr bool) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '&' && c != '<' && c != '>' && c != '"' || (c == '"' && !attr) || ((c == '\n' || c == '\t') && !attr) {
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

// refAppendJSONChars is the byte-by-byte JSON escaper appendJSONChars
// replaced.
func refAppendJSONChars(dst []byte, s string) []byte {
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

// checkEscapeSame fails when an escaper's output for s differs from the
// reference's, appending to a non-empty buffer to catch writes that ignore
// what is already there.
func checkEscapeSame(t *testing.T, s string) {
	t.Helper()
	const pre = "pre>"
	for _, c := range []struct {
		name      string
		got, want []byte
	}{
		{"XML text", appendXMLText([]byte(pre), s), refAppendXML([]byte(pre), s, false)},
		{"XML attr", appendXMLAttr([]byte(pre), s), refAppendXML([]byte(pre), s, true)},
		{"JSON", appendJSONChars([]byte(pre), s), refAppendJSONChars([]byte(pre), s)},
	} {
		if string(c.got) != string(c.want) {
			t.Fatalf("%s %q: got %q, want %q", c.name, s, c.got, c.want)
		}
	}
}

// TestEscapeMatchesReference compares the escapers with the references on
// every byte alone and at each position of a 17-byte run of safe text (which
// the scan reads eight bytes at a time), and on the runes at the edges of
// what is escaped, alone and in runs.
func TestEscapeMatchesReference(t *testing.T) {
	for c := 0; c < 256; c++ {
		b := []byte{byte(c)}
		checkEscapeSame(t, string(b))
		for p := 0; p < 17; p++ {
			s := []byte("abcdefghijklmnopq")
			s[p] = byte(c)
			checkEscapeSame(t, string(s))
		}
	}
	for _, r := range []rune{0x7f, 0x80, 0x84, 0x85, 0x86, 0x7ff, 0x800, 0xd7ff, 0xe000, 0x2027, 0x2028, 0x2029, 0x202a,
		0xfffd, 0xfffe, 0xffff, 0x10000, 0x10ffff} {
		s := string(r)
		checkEscapeSame(t, s)
		checkEscapeSame(t, "x"+s+"&"+s+s+"\"")
		checkEscapeSame(t, s[:len(s)-1]+"y") // truncated sequence
	}
	checkEscapeSame(t, strings.Repeat("https://em.example:9398/api/cdpReplicaTaskSessions/", 20))
	checkEscapeSame(t, "\xed\xa0\x80 surrogate, \xf4\x90\x80\x80 beyond U+10FFFF, \xc0\xaf overlong")
}

// FuzzEscapeMatchesReference holds the escapers to the references' output
// for arbitrary input, valid UTF-8 or not.
func FuzzEscapeMatchesReference(f *testing.F) {
	for _, s := range []string{"", "plain", "a&b<c>\"d\"", "l1\nl2\r\n\t", "\x00\x1f\x7f\xff", "ñ\u0085\u2028\u2029\uFFFE\uFFFF", "\xe2\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkEscapeSame(t, s) })
}
