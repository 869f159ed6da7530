package wire

import emcdp "github.com/emcdp/emcdp"

// List writes a collection answer for kind k from the slice of res that
// belongs to k: EntityReferences with one Ref per item (Reference), or the
// plural entity list, e.g. CdpReplicaTaskSessions (Entity). JSON:
// {"Refs":[…]} or {"CdpReplicaTaskSessions":[…]}.
func (e Encoder) List(dst []byte, base string, k emcdp.Kind, res *emcdp.QueryResult, r Rep) []byte {
	if kindOf(k) == nil || res == nil {
		return e.nothing(dst)
	}
	w := e.ListWriter(k, r)
	if res.Len() == 0 {
		return w.Open(dst, true)
	}
	return w.Close(w.Items(w.Open(dst, false), base, res))
}

// listKey returns the JSON key of k's entity list: one of the fixed
// entityListNames, or else the kind's own list key in the profile's case.
func listKey(ks *keys, k emcdp.Kind) string {
	ki := kindOf(k)
	for i, n := range entityListNames {
		if n == ki.list {
			return ks.EntityLists[i]
		}
	}
	if ks == profileKeys[V13] {
		return ki.jlist[1]
	}
	return ki.jlist[0]
}

// itemCount returns the number of items of kind k in res.
func itemCount(k emcdp.Kind, res *emcdp.QueryResult) int {
	if d := emcdp.KindDesc(k); d != nil {
		return d.Len(res)
	}
	return 0
}

// xList writes the list element elem holding the items of kind k, or an
// empty element when there are none. q2 names the entities as query
// results do (Desc.QueryElem, quirk Q2).
func xList(b []byte, ind int, elem, base string, k emcdp.Kind, res *emcdp.QueryResult, r Rep, q2 bool) []byte {
	root := ind == 0
	if itemCount(k, res) == 0 {
		return xEmptyEnd(xOpen(b, ind, elem), root)
	}
	b = xStart(b, ind, elem, root)
	b = xItems(b, ind+1, base, k, res, r, q2)
	return xClose(b, ind, elem)
}

// xItems writes the items of kind k at indent ind.
func xItems(b []byte, ind int, base string, k emcdp.Kind, res *emcdp.QueryResult, r Rep, q2 bool) []byte {
	d := emcdp.KindDesc(k)
	if d == nil {
		return b
	}
	elem := kindOf(d.Kind).elem
	if q2 && d.QueryElem != "" {
		elem = d.QueryElem
	}
	pb := plain(base)
	var a [8]link
	links := a[:] // the room for one item's links, grown for the largest and kept for the next
	for i, n := 0, d.Len(res); i < n; i++ {
		b, links = xDescWith(b, ind, base, pb, d, d.At(res, i), r, elem, links)
	}
	return b
}

// jItems writes the items of kind k as array members, each after sep.
func jItems(b []byte, ks *keys, base string, k emcdp.Kind, res *emcdp.QueryResult, r Rep, sep func([]byte) []byte) []byte {
	d := emcdp.KindDesc(k)
	if d == nil {
		return b
	}
	micro := ks == profileKeys[V13]
	pb := plain(base)
	var a [8]link
	links := a[:] // the room for one item's links, grown for the largest and kept for the next
	for i, n := 0, d.Len(res); i < n; i++ {
		b, links = jDescWith(sep(b), ks, micro, base, pb, d, d.At(res, i), r, links)
	}
	return b
}
