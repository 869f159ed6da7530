package wire

import (
	"bytes"
	"slices"
	"testing"

	"github.com/emcdp/emcdp"
)

// TestRefColsSuffice: a reference written from an item that holds only its
// kind's Desc.RefCols (what a store reads for a collection of references)
// is the reference written from the whole item, in every format and
// profile.
func TestRefColsSuffice(t *testing.T) {
	ts := exTaskSessions(t)
	full := map[emcdp.Kind][]any{emcdp.KindCdpReplicaTaskSession: {&ts[0], &ts[1]}}
	encoders := []Encoder{{}, {Format: JSON}, {Format: JSON, Profile: V13}}
	for _, d := range emcdp.AllDescs {
		if len(d.RefCols) == 0 {
			continue
		}
		items := full[d.Kind]
		if len(items) == 0 {
			t.Errorf("%s names RefCols but the test has no item of it", d.Type)
		}
		for _, it := range items {
			part := d.New()
			for i := range d.Props {
				if p := &d.Props[i]; slices.Contains(d.RefCols, p.Column) {
					p.Set(part, p.Get(it))
				}
			}
			for _, e := range encoders {
				want := e.Resource(nil, exBase, d.Kind, it, Reference)
				if got := e.Resource(nil, exBase, d.Kind, part, Reference); !bytes.Equal(got, want) {
					t.Errorf("%s %v %v from RefCols only:\n%s\nwant\n%s", d.Type, e.Format, e.Profile, got, want)
				}
			}
		}
	}
}
