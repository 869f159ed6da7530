package migration

import (
	"testing"
	"testing/fstest"
)

func TestLoadOrdersByVersion(t *testing.T) {
	fsys := fstest.MapFS{
		"m/0010_later.sql": {Data: []byte("B")},
		"m/0002_first.sql": {Data: []byte("A")},
		"m/README":         {Data: []byte("not a migration")},
		"other/0001_x.sql": {Data: []byte("elsewhere")},
	}
	ms, err := Load(fsys, "m")
	if err != nil {
		t.Fatal(err)
	}
	want := []Step{{2, "0002_first.sql", "A"}, {10, "0010_later.sql", "B"}}
	if len(ms) != len(want) {
		t.Fatalf("Load = %+v; want %+v", ms, want)
	}
	for i := range want {
		if ms[i] != want[i] {
			t.Errorf("step %d = %+v; want %+v", i, ms[i], want[i])
		}
	}
	if v := Latest(fsys, "m"); v != 10 {
		t.Errorf("Latest = %d; want 10", v)
	}
	if v := Latest(fsys, "none"); v != 0 {
		t.Errorf("Latest of no migrations = %d; want 0", v)
	}
}

func TestLoadRejects(t *testing.T) {
	for name, fsys := range map[string]fstest.MapFS{
		"no number":  {"m/init.sql": {}},
		"no name":    {"m/0001.sql": {}},
		"zero":       {"m/0000_init.sql": {}},
		"negative":   {"m/-1_init.sql": {}},
		"one number": {"m/0001_a.sql": {}, "m/1_b.sql": {}},
	} {
		if ms, err := Load(fsys, "m"); err == nil {
			t.Errorf("%s: Load = %+v; want an error", name, ms)
		}
		if v := Latest(fsys, "m"); v != 0 {
			t.Errorf("%s: Latest = %d; want 0", name, v)
		}
	}
}

func TestCheckApplied(t *testing.T) {
	ms := []Step{{1, "0001_a.sql", ""}, {3, "0003_c.sql", ""}}
	for _, v := range []int{0, 1, 3} {
		if err := CheckApplied(v, ms); err != nil {
			t.Errorf("CheckApplied(%d) = %v; want nil", v, err)
		}
	}
	if err := CheckApplied(4, ms); err == nil {
		t.Error("CheckApplied(4) of migrations up to 3 = nil; want an error")
	}
}
