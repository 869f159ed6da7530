package wire

import emcdp "github.com/emcdp/emcdp"

// Counting a collection's text without writing it. A large collection's
// Content-Length must be known before its first byte is sent, so its length
// is counted while the store is read and its text written while it is sent
// (see ListWriter.ItemsLen). A reference's text is made of constants (the
// kind's names, the base URL, link paths, tails, rels and types), ids of
// fixed length, and names, which alone are escaped byte by byte: two
// references whose heads and links agree in everything but ids and names
// differ in length only by their escaped names. So the text of one
// reference of each such shape is written once, and the others are counted
// from it and the escaped lengths of their names.

// refShape is what a reference's length depends on besides its names: its
// head's kind, base and plainness, and its links with their names reduced
// to whether they are empty (an empty link name is left out).
type refShape struct {
	k     *kindInfo
	base  string
	plain bool
	links []link // the ids and names cleared, a name "" or "x" for empty or not
	fixed int    // the text's length without the escaped names
}

// fits reports whether h and links have the shape s.
func (s *refShape) fits(h *head, links []link) bool {
	if s.k != h.k || s.base != h.base || s.plain != h.plain || len(s.links) != len(links) {
		return false
	}
	for i := range links {
		l, m := &links[i], &s.links[i]
		if l.rel != m.rel || l.typ != m.typ || l.base != m.base || l.path != m.path || l.tail != m.tail ||
			l.hasID != m.hasID || l.plain != m.plain || (l.name == "") != (m.name == "") {
			return false
		}
	}
	return true
}

// learn makes s the shape of h and links, whose reference's text is text.
func (s *refShape) learn(h *head, links []link, text int, names int) {
	s.k, s.base, s.plain = h.k, h.base, h.plain
	s.links = append(s.links[:0], links...)
	for i := range s.links {
		l := &s.links[i]
		l.id = emcdp.ID{}
		if l.name != "" {
			l.name = "x"
		}
	}
	s.fixed = text - names
}

// namesLen returns the escaped length of the names of a reference: its own
// and its links'.
func (w *ListWriter) namesLen(h *head, links []link) int {
	esc := xmlAttrLen
	if w.e.json() {
		esc = jsonCharsLen
	}
	n := esc(h.name)
	for i := range links {
		n += esc(links[i].name)
	}
	return n
}

// ItemsLen returns the number of bytes Items would append for res, and
// leaves the writer as Items would (what follows is written as after
// Items), without writing the text of references: each is counted from the
// text of an earlier one of its shape (see refShape). Entities are written
// into a scratch buffer to be counted.
func (w *ListWriter) ItemsLen(base string, res *emcdp.QueryResult) int64 {
	d := emcdp.KindDesc(w.k)
	if d == nil {
		return 0
	}
	if w.r == Entity {
		w.scratch = w.Items(w.scratch[:0], base, res)
		return int64(len(w.scratch))
	}
	js := w.e.json()
	ks := w.e.keys()
	micro := js && ks == profileKeys[V13]
	pb := plain(base)
	var total int64
	n := d.Len(res)
	for i := 0; i < n; i++ {
		item := d.At(res, i)
		h := descHead(base, pb, d, item, micro)
		var a [8]link
		links := descLinks(a[:], base, pb, d, item, h.name, w.r, micro)
		names := w.namesLen(&h, links)
		if !w.shape.fits(&h, links) {
			if js {
				w.scratch = jRef(w.scratch[:0], ks, &h, links)
			} else {
				w.scratch = xRef(w.scratch[:0], 1, refElem(1), &h, links)
			}
			w.shape.learn(&h, links, len(w.scratch), names)
		}
		total += int64(w.shape.fixed + names)
	}
	if js && n > 0 {
		// the comma before every item but the list's first
		total += int64(n - 1)
		if w.n > 0 {
			total++
		}
	}
	w.n += n
	return total
}
