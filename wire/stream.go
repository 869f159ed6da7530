package wire

import emcdp "github.com/emcdp/emcdp"

// ListWriter writes a collection answer in parts — Open, Items for each
// chunk of items, Close — so that a collection of hundreds of thousands of
// sessions can be read from the store and sent in chunks instead of being
// held whole. Concatenating the parts gives exactly the bytes List gives for
// the same items. The parts may be written into different buffers.
type ListWriter struct {
	e    Encoder
	k    emcdp.Kind
	r    Rep
	elem string
	n    int // items written so far

	shape   refShape // the shape of the last reference counted (ItemsLen)
	scratch []byte   // text written only to be counted
}

// ListWriter returns a writer of kind k's collection in representation r.
func (e Encoder) ListWriter(k emcdp.Kind, r Rep) *ListWriter {
	w := &ListWriter{e: e, k: k, r: r, elem: "EntityReferences"}
	if ki := kindOf(k); ki != nil && r == Entity {
		w.elem = ki.list
	}
	return w
}

// Open writes the start of the answer. XML writes an empty list as one
// self-closing root element, so Open must know whether items will follow;
// when empty is true, Open writes the whole answer and Items and Close add
// nothing.
func (w *ListWriter) Open(dst []byte, empty bool) []byte {
	if kindOf(w.k) == nil {
		return w.e.nothing(dst)
	}
	dst = w.e.begin(dst)
	if w.e.json() {
		key := w.e.keys().Refs
		if w.r == Entity {
			key = listKey(w.e.keys(), w.k)
		}
		dst = append(dst, '{')
		dst = append(jKey(dst, key), '[')
		if empty {
			dst = append(dst, ']', '}')
		}
		return dst
	}
	if empty {
		return w.e.end(xEmptyEnd(xOpen(dst, 0, w.elem), true))
	}
	return xStart(dst, 0, w.elem, true)
}

// Items writes the items of res that belong to the writer's kind.
func (w *ListWriter) Items(dst []byte, base string, res *emcdp.QueryResult) []byte {
	if w.e.json() {
		ks := w.e.keys()
		sep := func(b []byte) []byte {
			if w.n++; w.n > 1 {
				b = append(b, ',')
			}
			return b
		}
		return jItems(dst, ks, base, w.k, res, nil, w.r, sep)
	}
	w.n += res.Len()
	return xItems(dst, 1, base, w.k, res, nil, w.r, false)
}

// Close writes the end of a non-empty answer.
func (w *ListWriter) Close(dst []byte) []byte {
	if w.e.json() {
		return append(dst, ']', '}')
	}
	return w.e.end(xClose(dst, 0, w.elem))
}
