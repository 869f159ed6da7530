package emcdp_test

import (
	"encoding/hex"
	"slices"
	"strings"
	"testing"

	"github.com/emcdp/emcdp"
)

// TestSortRefsRealOrder checks the order of a job session's restore-point
// links against the real replies (docs/compatibility.md): the six Related
// links of a v12 session and the two of a v13 session, as served. Neither
// is in text order; both are in SQL Server's uniqueidentifier order.
func TestSortRefsRealOrder(t *testing.T) {
	for _, served := range [][]string{
		{"457eac86-dcef-45e7-8c97-04554c19ef31", "079d0003-d98a-442c-83e8-04bdee5d643b",
			"c5445aa0-c1dc-4ba9-8f83-06b641cffb76", "d3edc537-5f11-4418-99bd-091fdf473f8b",
			"95dd8033-58f8-4f0c-a52c-0a442fa9b585", "6342119f-11d0-490b-b830-0e1748e4a015"},
		{"b41e7ea1-350d-41e2-b3e9-1f613f14bc6a", "d6987049-73a3-44ab-b110-596f09a7f295"},
	} {
		var refs []emcdp.Ref
		for _, s := range served {
			id, ok := emcdp.ParseID(s)
			if !ok {
				t.Fatal(s)
			}
			refs = append(refs, emcdp.Ref{ID: id})
		}
		got := slices.Clone(refs)
		slices.Reverse(got)
		emcdp.SortRefs(got)
		if !slices.Equal(got, refs) {
			t.Errorf("sorted %v, served %v", got, refs)
		}
	}
}

// TestCompareGUID checks the byte groups of SQL Server's order: the last
// six bytes decide first, then the fourth group, then the third, second
// and first groups, each low byte first (.NET's SqlGuid).
func TestCompareGUID(t *testing.T) {
	less := [][2]string{
		{"ffffffff-ffff-ffff-ffff-000000000000", "00000000-0000-0000-0000-000000000001"}, // node first
		{"ffffffff-ffff-ffff-0000-000000000001", "00000000-0000-0000-0001-000000000001"}, // then clock sequence
		{"ffffffff-ffff-ff00-0001-000000000001", "00000000-0000-0001-0001-000000000001"}, // third group: low byte first
		{"ffffffff-ff00-0001-0001-000000000001", "00000000-0001-0001-0001-000000000001"}, // second group
		{"ffffff00-0001-0001-0001-000000000001", "00000001-0001-0001-0001-000000000001"}, // first group: low byte first
		{"00000100-0001-0001-0001-000000000001", "00000001-0001-0001-0001-000000000001"}, // not numeric order
	}
	for _, c := range less {
		a, _ := emcdp.ParseID(c[0])
		b, _ := emcdp.ParseID(c[1])
		if emcdp.CompareGUID(a, b) != -1 || emcdp.CompareGUID(b, a) != 1 || emcdp.CompareGUID(a, a) != 0 {
			t.Errorf("CompareGUID(%s, %s) = %d, want -1", a, b, emcdp.CompareGUID(a, b))
		}
	}
}

// TestIDText holds the text form to encoding/hex's, hyphens inserted:
// every byte value at every position (so that each nibble of every word,
// letters and digits, is seen), the edges, and random ids; String and
// AppendTo agree, and AppendTo keeps what b held.
func TestIDText(t *testing.T) {
	want := func(id emcdp.ID) string {
		h := hex.EncodeToString(id[:])
		return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
	}
	ids := []emcdp.ID{{}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}
	for pos := range 16 {
		for v := range 256 {
			var id emcdp.ID
			id[pos] = byte(v)
			id[15-pos] ^= byte(255 - v)
			ids = append(ids, id)
		}
	}
	for range 1000 {
		ids = append(ids, emcdp.NewID())
	}
	for _, id := range ids {
		w := want(id)
		if got := id.String(); got != w {
			t.Fatalf("% x: String %s, want %s", id[:], got, w)
		}
		if got := string(id.AppendTo([]byte("x"))); got != "x"+w {
			t.Fatalf("% x: AppendTo %s, want x%s", id[:], got, w)
		}
		if back, ok := emcdp.ParseID(w); !ok || back != id {
			t.Fatalf("%s does not parse back", w)
		}
	}
}

// parseIDReference is the plain reading of the 8-4-4-4-12 form that ParseID
// must agree with.
func parseIDReference(s string) (emcdp.ID, bool) {
	var id emcdp.ID
	if len(s) != 36 {
		return id, false
	}
	j := 0
	for i := 0; i < 36; i++ {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if s[i] != '-' {
				return emcdp.ID{}, false
			}
			continue
		}
		v := strings.IndexByte("0123456789abcdef", s[i]|0x20)
		if v < 0 || s[i] < '0' || (s[i] > '9' && s[i] < 'A') {
			return emcdp.ID{}, false
		}
		if j%2 == 0 {
			id[j/2] = byte(v) << 4
		} else {
			id[j/2] |= byte(v)
		}
		j++
	}
	return id, true
}

func checkParseID(t *testing.T, s string) {
	t.Helper()
	want, wok := parseIDReference(s)
	got, ok := emcdp.ParseID(s)
	gotb, okb := emcdp.ParseIDBytes([]byte(s))
	if got != want || ok != wok || gotb != want || okb != wok {
		t.Errorf("ParseID(%q) = %v %v, ParseIDBytes %v %v; want %v %v", s, got, ok, gotb, okb, want, wok)
	}
}

// TestParseID checks ParseID and ParseIDBytes against the plain reading: a
// GUID in both letter cases and every byte value at every position of it.
func TestParseID(t *testing.T) {
	const guid = "0a1B2c3D-4e5F-6789-aBcD-eF0123456789"
	checkParseID(t, guid)
	checkParseID(t, strings.ToUpper(guid))
	if id, ok := emcdp.ParseID(guid); !ok || id.String() != strings.ToLower(guid) {
		t.Errorf("ParseID(%q) = %v %v", guid, id, ok)
	}
	for i := range len(guid) {
		for c := range 256 {
			b := []byte(guid)
			b[i] = byte(c)
			checkParseID(t, string(b))
		}
	}
	for _, s := range []string{"", guid[:35], guid + "0", "{" + guid[:34] + "}", strings.ReplaceAll(guid, "-", "")} {
		checkParseID(t, s)
	}
}

func FuzzParseID(f *testing.F) {
	f.Add("0a1b2c3d-4e5f-6789-abcd-ef0123456789")
	f.Add("0a1b2c3d-4e5f-6789-abcd-ef012345678g")
	f.Fuzz(checkParseID)
}
