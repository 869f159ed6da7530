package wire

import (
	"time"

	emcdp "github.com/emcdp/emcdp"
)

// This file writes the described kinds (emcdp.Descs) generically, from their
// descriptions: the reference and the entity, in XML and in both JSON
// profiles. Per profile, JSON keys are made once per property (descKeys),
// so that writing converts no names.

// descKeys[profile][kind][i] is the JSON key of Props[i] of kind's
// description, ready to append.
var descKeys = func() [2][][]string {
	var out [2][][]string
	for pr, conv := range [2]func(string) string{func(s string) string { return s }, CamelCase} {
		out[pr] = make([][]string, len(kindInfos))
		for _, d := range emcdp.Descs {
			ks := make([]string, len(d.Props))
			for i, p := range d.Props {
				ks[i] = `"` + conv(p.Elem) + `":`
			}
			out[pr][d.Kind] = ks
		}
	}
	return out
}()

// Resource writes an item of a described kind k (GET /<collection>/{id}).
func (e Encoder) Resource(dst []byte, base string, k emcdp.Kind, item any, r Rep) []byte {
	d := emcdp.DescOf(k)
	if d == nil || item == nil || kindOf(k) == nil {
		return e.nothing(dst)
	}
	dst = e.begin(dst)
	if e.json() {
		dst = jDesc(dst, e.keys(), e.Profile == V13, base, d, item, r)
	} else {
		dst = xDesc(dst, 0, base, d, item, r)
	}
	return e.end(dst)
}

// sessionName cuts the fraction of the seconds from a session name
// "<owner>@yyyy-MM-dd HH:mm:ss.ffffff" for the profiles that write whole
// seconds (G9); other names are returned as they are.
func sessionName(s string, micro bool) string {
	if micro {
		return s
	}
	at := -1
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '@' {
			at = i
			break
		}
	}
	t := s[at+1:]
	if at < 0 || len(t) < 21 || t[4] != '-' || t[10] != ' ' || t[13] != ':' || t[19] != '.' {
		return s
	}
	return s[:at+20]
}

// descLinks fills a with the links of item in representation r.
func descLinks(a []link, base string, d *emcdp.Desc, item any, name string, r Rep, micro bool) []link {
	ki := kindOf(d.Kind)
	id := d.ID(item)
	links := a[:0]
	for i := range d.Links {
		l := &d.Links[i]
		if l.EntityOnly && r != Entity || l.When != nil && !l.When(item) {
			continue
		}
		if l.Alternate {
			links = append(links, alternate(ki, base, id, name, r))
			continue
		}
		x := link{rel: l.Rel, typ: l.Type, base: base, path: l.Path, id: id, hasID: true, tail: l.Tail}
		if l.ID != nil {
			x.id = l.ID(item)
		}
		if l.Name != nil {
			x.name = sessionName(l.Name(item), micro)
		}
		links = append(links, x)
	}
	return links
}

func descHead(base string, d *emcdp.Desc, item any, micro bool) head {
	h := head{k: kindOf(d.Kind), base: base, id: d.ID(item), name: d.Name(item), selfPath: d.Path}
	if d.Session {
		h.name = sessionName(h.name, micro)
	}
	return h
}

// xDesc writes an item of d as a reference or an entity.
func xDesc(b []byte, ind int, base string, d *emcdp.Desc, item any, r Rep) []byte {
	h := descHead(base, d, item, false)
	var a [8]link
	links := descLinks(a[:], base, d, item, h.name, r, false)
	if r != Entity {
		return xRef(b, ind, refElem(ind), &h, links)
	}
	for i := range d.Props {
		if p := &d.Props[i]; p.Attr {
			h.extraName, h.extraVal = p.Elem, p.Get(item).Str
		}
	}
	b = xEntityOpen(b, ind, d.Type, &h, links)
	in := ind + 1
	for i := range d.Props {
		p := &d.Props[i]
		if p.Elem == "" || p.Attr {
			continue
		}
		if !p.Scalar() {
			b = xStructured(b, in, base, p.Elem, p.Ptr(item))
			continue
		}
		v := p.Get(item)
		if p.OmitZero && !p.Present(v) {
			continue
		}
		switch p.Type {
		case emcdp.TypeUID:
			b = xUID(b, in, p.Elem, kindOf(p.Ref), v.ID)
		case emcdp.TypeString:
			b = xString(b, in, p.Elem, v.Str)
		case emcdp.TypeDateTime:
			b = xTime(b, in, p.Elem, v.Time)
		case emcdp.TypeBool:
			b = xBool(b, in, p.Elem, v.Bool)
		case emcdp.TypeEnum:
			b = xString(b, in, p.Elem, enumText(p.Enum, v.Int))
		default:
			b = xInt(b, in, p.Elem, v.Int)
		}
	}
	return xClose(b, ind, d.Type)
}

func enumText(names []string, v int64) string {
	if v < 0 || v >= int64(len(names)) {
		return "Unknown"
	}
	return names[v]
}

// jDesc writes an item of d as a reference or an entity object: the First
// elements, the other elements, the attributes, then Name, UID, Links,
// Href, Type (G10). micro selects the v13 forms of times and names (G9).
func jDesc(b []byte, ks *keys, micro bool, base string, d *emcdp.Desc, item any, r Rep) []byte {
	h := descHead(base, d, item, micro)
	var a [8]link
	links := descLinks(a[:], base, d, item, h.name, r, micro)
	if r != Entity {
		return jRef(b, ks, &h, links)
	}
	pk := descKeys[0][d.Kind]
	if micro {
		pk = descKeys[1][d.Kind]
	}
	b = append(b, '{')
	for pass := 0; pass < 3; pass++ {
		for i := range d.Props {
			p := &d.Props[i]
			if p.Elem == "" || pass == 0 && !p.First || pass == 1 && (p.First || p.Attr) || pass == 2 && !p.Attr {
				continue
			}
			key := pk[i]
			if !p.Scalar() {
				b = jStructured(jKey(b, key), ks, micro, base, p.Elem, p.Ptr(item))
				continue
			}
			v := p.Get(item)
			if p.OmitZero && !p.Present(v) {
				b = jNull(b, key)
				continue
			}
			switch p.Type {
			case emcdp.TypeUID:
				b = jUID(b, key, kindOf(p.Ref), v.ID)
			case emcdp.TypeString:
				b = jString(b, key, v.Str)
			case emcdp.TypeDateTime:
				b = jTimeProfile(b, key, v.Time, micro)
			case emcdp.TypeBool:
				b = jBool(b, key, v.Bool)
			case emcdp.TypeEnum:
				b = jString(b, key, enumText(p.Enum, v.Int))
			default:
				b = jInt(b, key, v.Int)
			}
		}
	}
	return jEntityTail(b, ks, &h, "", links)
}

// jTimeProfile writes a DateTime as a profile does (G9): v12 with at most 3
// fractional digits, v13 with at most 6, trailing zeros trimmed.
func jTimeProfile(b []byte, key string, t time.Time, micro bool) []byte {
	if t.IsZero() {
		return jNull(b, key)
	}
	b = append(jKey(b, key), '"')
	if micro {
		b = t.UTC().Truncate(time.Microsecond).AppendFormat(b, "2006-01-02T15:04:05.999999")
	} else {
		b = t.UTC().Truncate(time.Millisecond).AppendFormat(b, "2006-01-02T15:04:05.999")
	}
	return append(b, 'Z', '"')
}
