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

// Encoded is a page of a query whose items are partly encoded already, for
// QueryResultOf.
type Encoded struct {
	// Items[i], when not nil, is the encoding of item i as QueryResult
	// writes it; the page's other items are those of Res, in order.
	Items [][]byte
	Res   *emcdp.QueryResult
	// Made, when not nil, is given each item the writer encodes: its place
	// on the page and its encoding, which the call must copy to keep.
	Made func(i int, item []byte)
}

// pageLen returns the number of items of kind k on the page: those of res,
// or of enc when not nil.
func pageLen(k emcdp.Kind, res *emcdp.QueryResult, enc *Encoded) int {
	if enc != nil {
		return len(enc.Items)
	}
	return itemCount(k, res)
}

// eachItem writes the n items of a page through write, which encodes the
// j-th item of res: item i is enc.Items[i] where that is set (its bytes
// after sep), and otherwise the next of res, reported to enc.Made.
func eachItem(b []byte, n int, enc *Encoded, sep func([]byte) []byte, write func(b []byte, j int) []byte) []byte {
	j := 0
	for i := range n {
		b = sep(b)
		if enc != nil && enc.Items[i] != nil {
			b = append(b, enc.Items[i]...)
			continue
		}
		start := len(b)
		b = write(b, j)
		j++
		if enc != nil && enc.Made != nil {
			enc.Made(i, b[start:])
		}
	}
	return b
}

// xList writes the list element elem holding the items of kind k (from
// res, or enc when not nil), or an empty element when there are none. q2
// names the entities as query results do (Desc.QueryElem, quirk Q2).
func xList(b []byte, ind int, elem, base string, k emcdp.Kind, res *emcdp.QueryResult, enc *Encoded, r Rep, q2 bool) []byte {
	root := ind == 0
	if pageLen(k, res, enc) == 0 {
		return xEmptyEnd(xOpen(b, ind, elem), root)
	}
	b = xStart(b, ind, elem, root)
	b = xItems(b, ind+1, base, k, res, enc, r, q2)
	return xClose(b, ind, elem)
}

// xItems writes the items of kind k at indent ind, from res or enc.
func xItems(b []byte, ind int, base string, k emcdp.Kind, res *emcdp.QueryResult, enc *Encoded, r Rep, q2 bool) []byte {
	d := emcdp.KindDesc(k)
	if d == nil {
		return b
	}
	if enc != nil {
		res = enc.Res
	}
	elem := kindOf(d.Kind).elem
	if q2 && d.QueryElem != "" {
		elem = d.QueryElem
	}
	pb := plain(base)
	var a [8]link
	links := a[:] // the room for one item's links, grown for the largest and kept for the next
	return eachItem(b, pageLen(k, res, enc), enc, noSep, func(b []byte, j int) []byte {
		b, links = xDescWith(b, ind, base, pb, d, d.At(res, j), r, elem, links)
		return b
	})
}

// noSep is the separator of XML items: none.
func noSep(b []byte) []byte { return b }

// jItems writes the items of kind k (from res, or enc when not nil) as
// array members, each after sep.
func jItems(b []byte, ks *keys, base string, k emcdp.Kind, res *emcdp.QueryResult, enc *Encoded, r Rep, sep func([]byte) []byte) []byte {
	d := emcdp.KindDesc(k)
	if d == nil {
		return b
	}
	if enc != nil {
		res = enc.Res
	}
	micro := ks == profileKeys[V13]
	pb := plain(base)
	var a [8]link
	links := a[:] // the room for one item's links, grown for the largest and kept for the next
	return eachItem(b, pageLen(k, res, enc), enc, sep, func(b []byte, j int) []byte {
		b, links = jDescWith(b, ks, micro, base, pb, d, d.At(res, j), r, links)
		return b
	})
}
