package emcdp

import (
	"slices"
	"testing"
)

// TestQueryOrder checks that a description's QueryOrder names each of its
// query fields exactly once, so that reordering the catalogue neither drops
// nor repeats a field.
func TestQueryOrder(t *testing.T) {
	for _, d := range AllDescs {
		if d.QueryOrder == nil {
			continue
		}
		var names []string
		for _, p := range d.Props {
			if p.Name != "" {
				names = append(names, p.Name)
			}
		}
		got := slices.Sorted(slices.Values(d.QueryOrder))
		slices.Sort(names)
		if !slices.Equal(got, names) {
			t.Errorf("%s: QueryOrder %v, query fields %v", d.Type, d.QueryOrder, names)
		}
	}
}

// TestCdpPolicyCatalogue checks that the CdpPolicy catalogue lists the
// fields query.md ("Fields per type") documents in that order, which
// differs from the order of its elements (NextRun).
func TestCdpPolicyCatalogue(t *testing.T) {
	want := []string{"UID", "Name", "Description", "NextRun", "ScheduleConfigured", "ScheduleEnabled",
		"BackupServerUid", "BackupServerName"}
	var got []string
	for _, f := range Fields(KindCdpPolicy) {
		if slices.Contains(want, f.Name) {
			got = append(got, f.Name)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("CdpPolicy catalogue %v, want %v", got, want)
	}
	if f, ok := LookupField(KindCdpPolicy, "NextRun"); !ok || f.Type != TypeDateTime || !f.Null || f.Column != "next_run" {
		t.Errorf("NextRun: %+v, %v", f, ok)
	}
}
