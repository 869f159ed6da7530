package query

import (
	"errors"
	"math/rand"
	"reflect"
	"strings"
	"testing"

	"github.com/emcdp/emcdp"
)

// TestRoundTripRandom prints thousands of random trees and parses them back.
func TestRoundTripRandom(t *testing.T) {
	r := rand.New(rand.NewSource(42))
	n := 0
	for _, k := range emcdp.Kinds {
		for i := 0; i < 2500; i++ {
			e := RandomExpr(r, k, r.Intn(5), nil)
			checkRoundTrip(t, k, e)
			n++
		}
	}
	if n < 10000 {
		t.Fatalf("only %d trees", n)
	}
}

func checkRoundTrip(t *testing.T, k emcdp.Kind, e emcdp.Expr) {
	t.Helper()
	text := Format(e)
	got, err := Parse(k, text)
	if err != nil {
		t.Fatalf("Parse(%s, %q): %v", k, text, err)
	}
	if !reflect.DeepEqual(got, e) {
		t.Fatalf("round trip of %q gave %q", text, Format(got))
	}
}

// TestRandomExprSampled draws values from data, as the stores' differential
// tests do, and checks that the filters are canonical, round-trip, and that
// a useful share of them match some rows and miss others.
func TestRandomExprSampled(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	items := tasks()
	sample := func(f emcdp.Field) emcdp.Value {
		v, _ := FieldValue(items[r.Intn(len(items))], f)
		return v
	}
	some := 0
	const trees = 3000
	for i := 0; i < trees; i++ {
		e := RandomExpr(r, kTask, r.Intn(4), sample)
		checkRoundTrip(t, kTask, e)
		checkCanonical(t, e, false, false)
		hits := 0
		for _, it := range items {
			if Match(e, it) {
				hits++
			}
		}
		if hits > 0 && hits < len(items) {
			some++
		}
	}
	if some < trees/5 {
		t.Errorf("only %d of %d sampled filters split the rows", some, trees)
	}
}

// checkCanonical fails when an And holds an And, an Or holds an Or, or a
// node has fewer than two terms.
func checkCanonical(t *testing.T, e emcdp.Expr, inAnd, inOr bool) {
	t.Helper()
	switch e := e.(type) {
	case *emcdp.And:
		if inAnd || len(e.Terms) < 2 {
			t.Fatalf("not canonical: %s", Format(e))
		}
		for _, x := range e.Terms {
			checkCanonical(t, x, true, false)
		}
	case *emcdp.Or:
		if inOr || len(e.Terms) < 2 {
			t.Fatalf("not canonical: %s", Format(e))
		}
		for _, x := range e.Terms {
			checkCanonical(t, x, false, true)
		}
	}
}

// FuzzParse checks that Parse never panics, that its errors are EInvalid
// *emcdp.Error values, and that every accepted filter prints to text that
// parses to an equal tree.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		exampleFilter, `Name=="a ""b"" c";(State==Working,Result>=Warning)`, "((Id==" + guid + "))",
		"EndTime!=2026-06-15T06:00:00.1234567+02:00", "ScheduleEnabled==TRUE", "Port<=-1", "(", "a==1;;",
	} {
		for k := range 4 {
			f.Add(byte(k), s)
		}
	}
	f.Fuzz(func(t *testing.T, kb byte, filter string) {
		k := emcdp.Kinds[int(kb)%len(emcdp.Kinds)]
		e, err := Parse(k, filter)
		if err != nil {
			var ee *emcdp.Error
			if !errors.As(err, &ee) || ee.Code != emcdp.EInvalid || !strings.HasPrefix(ee.Message, "Query filter is invalid: ") {
				t.Fatalf("Parse(%q): unexpected error %#v", filter, err)
			}
			return
		}
		if e == nil {
			if strings.Trim(filter, " \t\r\n") != "" {
				t.Fatalf("Parse(%q) = nil", filter)
			}
			return
		}
		checkCanonical(t, e, false, false)
		checkRoundTrip(t, k, e)
	})
}

// FuzzParseRequest checks that ParseRequest never panics, that its errors
// are EInvalid *emcdp.Error values, and that the paging link of an accepted
// request reads back to the same query.
func FuzzParseRequest(f *testing.F) {
	for _, s := range []string{
		"type=CdpReplicaTaskSession&format=Entities&filter=" + exampleFilter + "&pageSize=2",
		"type=cdpPolicy&sortdesc=name&page=3&PageSize=10&v=latest",
		"type=CdpReplicaTaskSession&filter=State%3D%3DCompleted&VmDisplayName==sql01&TotalSize>5",
		"type=CdpReplicaSession&filter=Name+==+%22a+b%22",
		"type=Job", "type=BackupServer&filter=%zz", "&&=&type",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		r, err := ParseRequest(raw, 1000)
		if err != nil {
			var ee *emcdp.Error
			if !errors.As(err, &ee) || ee.Code != emcdp.EInvalid || ee.Message == "" {
				t.Fatalf("ParseRequest(%q): unexpected error %#v", raw, err)
			}
			return
		}
		if r.Query.PageSize < 1 || r.Query.PageSize > 1000 || r.Query.Page < 1 {
			t.Fatalf("ParseRequest(%q): bad paging %+v", raw, r.Query)
		}
		href := r.PageHref("https://h/api", r.Query.Page, LowerHex)
		r2, err := ParseRequest(strings.TrimPrefix(href, "https://h/api/query?"), 1000)
		if err != nil {
			t.Fatalf("link %q of %q does not parse: %v", href, raw, err)
		}
		if !reflect.DeepEqual(r2.Query, r.Query) || r2.Entities != r.Entities {
			t.Fatalf("link %q of %q reads back as %+v, want %+v", href, raw, r2.Query, r.Query)
		}
	})
}
