package wire

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
)

// oddNames are names that exercise every escape of both formats: the XML
// and JSON specials, control characters, characters XML cannot carry,
// invalid UTF-8, the characters JSON escapes beyond ASCII, other non-ASCII,
// long names, empty names, and session names that the profiles rewrite.
var oddNames = []string{
	"", "plain", `a&b<c>d"e'f`, "tab\tnl\ncr\r", "\x00\x01\x1f\x7f", "\b\f\\", "café ünïcödé 日本語 😀",
	"\uFFFE\uFFFF\uFFFD", "bad\xff\xfe utf8 \xc3", "\u0085\u2028\u2029", strings.Repeat("long & <name> ", 400),
	"vm@2026-03-04 05:06:07.123456", "v<&>m\"@2026-03-04 05:06:07.9996", "vm@2026-03-04 05:06:07", "@", "x@not a time at all",
}

// oddItems returns n items of d whose string columns hold oddNames (each
// column a different one), and whose other columns vary with the item.
func oddItems(d *emcdp.Desc, n int) *emcdp.QueryResult {
	res := &emcdp.QueryResult{}
	t0 := time.Date(2026, 3, 4, 5, 6, 7, 123456789, time.UTC)
	for i := 0; i < n; i++ {
		item := d.Add(res)
		for j := range d.Props {
			p := &d.Props[j]
			if !p.Scalar() || p.Set == nil {
				continue
			}
			var v emcdp.Value
			switch p.Type {
			case emcdp.TypeUID:
				v.ID = emcdp.NewID()
			case emcdp.TypeString:
				v.Str = oddNames[(i+j)%len(oddNames)]
			case emcdp.TypeDateTime:
				v.Time = t0.Add(time.Duration(i*j) * 997 * time.Millisecond)
			case emcdp.TypeBool:
				v.Bool = (i+j)%2 == 0
			default:
				v.Int = int64((i + j) % 3)
				v.Bool = v.Int != 0
			}
			p.Set(item, v)
		}
	}
	return res
}

// TestItemsLen: the length ItemsLen counts is the length of the text Items
// writes for the same items, chunk by chunk, for every kind, both
// representations, XML and both JSON profiles, over odd names and bases
// that need escaping; and a writer that counted chunks goes on writing as
// one that wrote them (the JSON separator).
func TestItemsLen(t *testing.T) {
	bases := []string{exBase, `https://em&co.lab:9398/a"p<i>`, "https://ém.lab.local:9398/api\t"}
	encoders := []Encoder{{}, {Format: JSON}, {Format: JSON, Profile: V13}}
	for _, d := range emcdp.AllDescs {
		if kindOf(d.Kind) == nil {
			continue
		}
		chunks := []*emcdp.QueryResult{oddItems(d, 1), oddItems(d, 2*len(oddNames)+3), oddItems(d, 5)}
		for _, e := range encoders {
			for _, base := range bases {
				for _, r := range []Rep{Reference, Entity} {
					name := fmt.Sprintf("%s/%v/%v/%q/%v", d.Type, e.Format, e.Profile, base, r)
					written, counted := e.ListWriter(d.Kind, r), e.ListWriter(d.Kind, r)
					written.Open(nil, false)
					counted.Open(nil, false)
					for i, res := range chunks[:2] {
						text := written.Items(nil, base, res)
						if n := counted.ItemsLen(base, res); n != int64(len(text)) {
							t.Errorf("%s chunk %d: counted %d bytes, written %d", name, i, n, len(text))
						}
					}
					want := string(written.Items(nil, base, chunks[2]))
					if got := string(counted.Items(nil, base, chunks[2])); got != want {
						t.Errorf("%s: written after counting:\n%s\nwant\n%s", name, got, want)
					}
				}
			}
		}
	}
}

// BenchmarkReferenceListLen counts the collection BenchmarkReferenceList
// writes, as the length of a large collection is found before it is sent.
func BenchmarkReferenceListLen(b *testing.B) {
	ts := exTaskSessions(b)
	res := &emcdp.QueryResult{Total: 1000}
	for i := 0; i < 1000; i++ {
		res.TaskSessions = append(res.TaskSessions, ts[i%2])
	}
	for _, c := range []struct {
		name string
		e    Encoder
	}{{"XML", encXML}, {"JSON", encV12}} {
		b.Run(c.name, func(b *testing.B) {
			w := c.e.ListWriter(emcdp.KindCdpReplicaTaskSession, Reference)
			b.ReportAllocs()
			for b.Loop() {
				w.ItemsLen(exBase, res)
			}
		})
	}
}
