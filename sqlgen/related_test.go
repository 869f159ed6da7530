package sqlgen

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/emcdp/emcdp"
)

// TestRelated hands the rows of several owners, read in any order, to each
// owner as the product lists them (emcdp.SortRefs), leaves an owner without
// rows none, drops rows of other owners, and gives each owner a piece that
// an append cannot spill into the next owner's.
func TestRelated(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	id := func() emcdp.ID {
		var x emcdp.ID
		for i := range x {
			x[i] = byte(r.Uint32())
		}
		return x
	}
	sessions := make([]any, 6)
	want := map[emcdp.ID][]emcdp.Ref{}
	var rows []relatedRow
	for i := range sessions {
		s := &emcdp.JobSession{ID: id(), RestorePoints: []emcdp.Ref{{Name: "stale"}}}
		sessions[i] = s
		for j := range i * 3 { // the first session has none
			ref := emcdp.Ref{ID: id(), Name: fmt.Sprintf("point %d.%d", i, j)}
			want[s.ID] = append(want[s.ID], ref)
			rows = append(rows, relatedRow{s.ID, ref})
		}
	}
	rows = append(rows, relatedRow{id(), emcdp.Ref{ID: id(), Name: "not asked for"}})
	r.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })

	m := NewRelated(emcdp.BackupJobSessionDesc, sessions...)
	if got := len(m.IDs()); got != len(sessions) {
		t.Fatalf("IDs: %d, want %d", got, len(sessions))
	}
	for _, row := range rows {
		m.Add(row.owner, row.ref)
	}
	m.Sort()
	for _, it := range sessions {
		s := it.(*emcdp.JobSession)
		w := want[s.ID]
		emcdp.SortRefs(w)
		if !slices.Equal(s.RestorePoints, w) {
			t.Errorf("session %x: %v, want %v", s.ID[:2], s.RestorePoints, w)
		}
		if len(w) == 0 && s.RestorePoints != nil {
			t.Errorf("session %x without rows: %v, want nil", s.ID[:2], s.RestorePoints)
		}
	}
	snapshot := map[any][]emcdp.Ref{}
	for _, it := range sessions {
		snapshot[it] = slices.Clone(it.(*emcdp.JobSession).RestorePoints)
	}
	for _, it := range sessions {
		_ = append(it.(*emcdp.JobSession).RestorePoints, emcdp.Ref{Name: "appended"})
	}
	for _, it := range sessions {
		if got := it.(*emcdp.JobSession).RestorePoints; !slices.Equal(got, snapshot[it]) {
			t.Errorf("an append to another session's refs changed these: %v", got)
		}
	}
}
