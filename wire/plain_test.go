package wire

import (
	"bytes"
	"strings"
	"testing"

	emcdp "github.com/emcdp/emcdp"
)

// oddBases need escaping in one format or both: XML's specials, JSON's, a
// control character, non-ASCII and a character only JSON escapes.
var oddBases = []string{
	`https://em&co.local:9398/api`,
	`https://em.local:9398/a<p>i`,
	`https://em.local:9398/"api"`,
	`https://em.local:9398/a\pi`,
	"https://em.local:9398/a\rpi",
	`https://émé.local:9398/api`,
	"https://em.local:9398/a\u2028pi",
	`https://x/api`, // plain, but not exBase
}

// TestOddBaseEscaped writes every golden case (CDP and VBR kinds) under
// bases that need escaping and holds each answer to the answer under exBase
// with exBase replaced by the escaped base: the base and the constant pieces
// of Hrefs skip the escaper only when the base is plain, and an odd base is
// escaped in every Href, of heads and links alike.
func TestOddBaseEscaped(t *testing.T) {
	type renderer struct {
		name   string
		render func(base string, e Encoder) []byte
	}
	var rs []renderer
	for i, c := range goldenCases(t) {
		rs = append(rs, renderer{c.name, func(base string, e Encoder) []byte { return goldenCasesAt(t, base)[i].render(e) }})
	}
	w := newVBRWorld(t)
	for _, c := range vbrCases(t, w) {
		rs = append(rs, renderer{"vbr." + c.name, func(base string, e Encoder) []byte {
			for _, o := range vbrCasesAt(t, w, base) { // in no fixed order: variants come from a map
				if o.name == c.name {
					return o.enc(e)
				}
			}
			t.Fatalf("no case %s", c.name)
			return nil
		}})
	}
	for _, r := range rs {
		for _, g := range goldenEncoders {
			plainOut := r.render(exBase, g.enc)
			for _, base := range oddBases {
				var esc []byte
				if g.enc.Format == JSON {
					esc = refAppendJSONChars(nil, base)
				} else {
					esc = refAppendXML(nil, base, true)
				}
				want := bytes.ReplaceAll(plainOut, []byte(exBase), esc)
				if got := r.render(base, g.enc); !bytes.Equal(got, want) {
					t.Errorf("%s%s under %q:\ngot:\n%s\nwant:\n%s", r.name, g.suffix, base, got, want)
				}
			}
		}
	}
}

// TestPlain holds plain to the escapers: a plain string is written as it
// is by XML text, XML attributes and JSON, and an ASCII string that all
// three write as it is is plain (non-ASCII is never plain: the escapers
// decode it).
func TestPlain(t *testing.T) {
	var cases []string
	for c := range 256 {
		cases = append(cases, "/path/"+string(rune(c))+"/x", string([]byte{byte(c)}))
	}
	cases = append(cases, "", exBase, "\u2028", "ñ", "\uFFFE", "\xff")
	for _, s := range cases {
		same := refAppendXML(nil, s, false)
		want := string(same) == s && string(refAppendXML(nil, s, true)) == s && string(refAppendJSONChars(nil, s)) == s
		ascii := !strings.ContainsFunc(s, func(r rune) bool { return r >= 0x80 })
		if got := plain(s); got && !want || !got && want && ascii {
			t.Errorf("plain(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestConstantsPlain checks that the constant pieces of every described
// kind's Hrefs and Types are plain, so that a page of them is written
// without the escaper; were one not, its links would still be escaped
// (TestOddBaseEscaped), only more slowly.
func TestConstantsPlain(t *testing.T) {
	for _, d := range emcdp.AllDescs {
		if !kindOf(d.Kind).plain {
			t.Errorf("%s: kind names not plain", d.Type)
		}
		for i, ok := range descLinkPlain[d.Kind] {
			if !ok {
				t.Errorf("%s: link %d (%s %s) not plain", d.Type, i, d.Links[i].Rel, d.Links[i].Type)
			}
		}
	}
	if !plain(formatEntity) || strings.ContainsAny(formatEntity, `&<>"\`) {
		t.Errorf("formatEntity %q is not plain", formatEntity)
	}
}
