package api

import (
	"net/url"
	"strings"
	"testing"
)

// scanRoutes is the route of segs found by comparing it with every route in
// the table's order, what match must find through routeIndex.
func scanRoutes(segs []string) *route {
	for i := range routes {
		rt := &routes[i]
		if len(rt.pattern) != len(segs) {
			continue
		}
		ok := true
		for j, p := range rt.pattern {
			if p != "*" && !strings.EqualFold(p, segs[j]) {
				ok = false
				break
			}
		}
		if ok {
			return rt
		}
	}
	return nil
}

// TestMatchIndex checks that routing through routeIndex finds the route a
// scan of the whole table finds, for every route's path in any letter case,
// with its wildcards' segments, and for paths one segment short, one long
// and with a letter changed.
func TestMatchIndex(t *testing.T) {
	var paths [][]string
	for i := range routes {
		var segs []string
		for _, p := range routes[i].pattern {
			if p == "*" {
				p = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
			}
			segs = append(segs, p)
		}
		upper := make([]string, len(segs))
		for j, s := range segs {
			upper[j] = strings.ToUpper(s)
		}
		paths = append(paths, segs, upper, append(segs[:len(segs):len(segs)], "x"))
		// A path 65,536 segments deeper than the route: no route matches it.
		deep := append(segs[:len(segs):len(segs)], make([]string, 1<<16)...)
		paths = append(paths, deep)
		if len(segs) > 0 {
			paths = append(paths, segs[:len(segs)-1])
			changed := append([]string(nil), segs...)
			changed[0] = "q" + changed[0][1:]
			paths = append(paths, changed)
		}
	}
	for _, segs := range paths {
		want := scanRoutes(segs)
		got, args := match(segs, nil)
		if got != want {
			t.Errorf("/api/%.200s (%d segments): matched %v, want %v", strings.Join(segs, "/"), len(segs), got, want)
			continue
		}
		if got == nil {
			continue
		}
		k := 0
		for j, p := range got.pattern {
			if p == "*" {
				if k >= len(args) || args[k] != segs[j] {
					t.Errorf("/api/%s: wildcards %q", strings.Join(segs, "/"), args)
				}
				k++
			}
		}
		if k != len(args) {
			t.Errorf("/api/%s: %d wildcards, %d segments for them", strings.Join(segs, "/"), k, len(args))
		}
	}
}

// TestUnescape holds unescape, which skips strings without escapes, to
// url.QueryUnescape, and to keeping a string whose escapes are malformed.
func TestUnescape(t *testing.T) {
	for _, s := range []string{"", "format", "Entity", "a+b", "a%20b", "%41", "%zz", "100%", "+", "a=b", "é", "%C3%A9"} {
		want, err := url.QueryUnescape(s)
		if err != nil {
			want = s
		}
		if got := unescape(s); got != want {
			t.Errorf("unescape(%q) = %q, want %q", s, got, want)
		}
	}
}
