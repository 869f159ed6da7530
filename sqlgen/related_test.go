package sqlgen

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
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
	type row struct {
		owner emcdp.ID
		ref   emcdp.Ref
	}
	var rows []row
	for i := range sessions {
		s := &emcdp.JobSession{ID: id(), RestorePoints: []emcdp.Ref{{Name: "stale"}}}
		sessions[i] = s
		for j := range i * 3 { // the first session has none
			ref := emcdp.Ref{ID: id(), Name: fmt.Sprintf("point %d.%d", i, j)}
			want[s.ID] = append(want[s.ID], ref)
			rows = append(rows, row{s.ID, ref})
		}
	}
	rows = append(rows, row{id(), emcdp.Ref{ID: id(), Name: "not asked for"}})
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

// TestAddPacked reads records of every length form and refuses values
// cut short or with a length that is no char() form.
func TestAddPacked(t *testing.T) {
	owner, other := emcdp.ID{1}, emcdp.ID{2}
	rec := func(o, id emcdp.ID, lenForm, name string) string {
		return string(o[:]) + string(id[:]) + lenForm + name
	}
	long := string(make([]byte, 0x1d800))
	p := rec(owner, emcdp.ID{9}, "\x00\x01", "a") + rec(other, emcdp.ID{8}, "\x00\x00", "") +
		rec(owner, emcdp.ID{7}, "\x01\xed\xa0\x80", long) + rec(owner, emcdp.ID{6}, "\x00\xc2\x80", strings.Repeat("b", 0x80))
	m := NewRelated(emcdp.BackupJobSessionDesc, &emcdp.JobSession{ID: owner})
	if err := m.AddPacked(p); err != nil {
		t.Fatal(err)
	}
	if len(m.rows) != 3 || m.rows[0].ref.Name != "a" || m.rows[1].ref.Name != long || len(m.rows[2].ref.Name) != 0x80 {
		t.Errorf("rows: %d, want 3 with their names", len(m.rows))
	}
	for _, bad := range []string{p[:20], rec(owner, owner, "\x00", ""), rec(owner, owner, "\x00\x05", "abc"),
		rec(owner, owner, "\x00\x80", ""), rec(owner, owner, "\x00\xf0\x90\x80\x80", "")} {
		if err := NewRelated(emcdp.BackupJobSessionDesc, &emcdp.JobSession{ID: owner}).AddPacked(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
