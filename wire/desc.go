package wire

import (
	"fmt"
	"math"
	"strconv"
	"strings"
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
		for _, d := range emcdp.AllDescs {
			ks := make([]string, len(d.Props))
			for i, p := range d.Props {
				ks[i] = `"` + conv(p.Elem) + `":`
			}
			out[pr][d.Kind] = ks
		}
	}
	return out
}()

// descLinkPlain[kind][i] tells whether the constants of Links[i] of kind's
// description (Rel, Type, Path, Tail, EntityType, EntityTail) are all plain,
// so that the link is written without escaping them when the base is plain.
var descLinkPlain = func() [][]bool {
	out := make([][]bool, len(kindInfos))
	for _, d := range emcdp.AllDescs {
		ps := make([]bool, len(d.Links))
		for i := range d.Links {
			l := &d.Links[i]
			ps[i] = plain(l.Rel) && plain(l.Type) && plain(l.Path) && plain(l.Tail) && plain(l.EntityType) && plain(l.EntityTail)
		}
		out[d.Kind] = ps
	}
	return out
}()

// descOrder holds, per kind, the indexes of the written properties in the
// order each form writes them, so that writing walks no property it skips:
// xml the elements (Attr ones aside), json the First elements, the others,
// then the Attr ones (G10); attr is the Attr property, or -1.
type descOrder struct {
	xml, json []int
	attr      int
}

var descOrders = func() []descOrder {
	out := make([]descOrder, len(kindInfos))
	for _, d := range emcdp.AllDescs {
		o := descOrder{attr: -1}
		for pass := 0; pass < 3; pass++ {
			for i := range d.Props {
				p := &d.Props[i]
				if p.Elem == "" || pass == 0 && !p.First || pass == 1 && (p.First || p.Attr) || pass == 2 && !p.Attr {
					continue
				}
				o.json = append(o.json, i)
			}
		}
		for i := range d.Props {
			switch p := &d.Props[i]; {
			case p.Elem == "":
			case p.Attr:
				o.attr = i
			default:
				o.xml = append(o.xml, i)
			}
		}
		out[d.Kind] = o
	}
	return out
}()

// Resource writes an item of a described kind k (GET /<collection>/{id}).
func (e Encoder) Resource(dst []byte, base string, k emcdp.Kind, item any, r Rep) []byte {
	d := emcdp.KindDesc(k)
	if d == nil || item == nil || kindOf(k) == nil {
		return e.nothing(dst)
	}
	dst = e.begin(dst)
	if e.json() {
		dst = jDesc(dst, e.keys(), e.Profile == V13, base, plain(base), d, item, r)
	} else {
		dst = xDesc(dst, 0, base, plain(base), d, item, r, kindOf(d.Kind).elem)
	}
	return e.end(dst)
}

// BackupServer writes a BackupServer (GET /backupServers/{id}).
func (e Encoder) BackupServer(dst []byte, base string, v *emcdp.BackupServer, r Rep) []byte {
	if v == nil {
		return e.nothing(dst)
	}
	return e.Resource(dst, base, emcdp.KindBackupServer, v, r)
}

// PolicySession writes a CdpReplicaSession (GET /cdpReplicaSessions/{id}).
func (e Encoder) PolicySession(dst []byte, base string, v *emcdp.PolicySession, r Rep) []byte {
	if v == nil {
		return e.nothing(dst)
	}
	return e.Resource(dst, base, emcdp.KindCdpReplicaSession, v, r)
}

// TaskSession writes a CdpReplicaTaskSession (GET /cdpReplicaTaskSessions/{id}).
// The entity's own Href uses /replicaTaskSessions/ (quirk Q1).
func (e Encoder) TaskSession(dst []byte, base string, v *emcdp.TaskSession, r Rep) []byte {
	if v == nil {
		return e.nothing(dst)
	}
	return e.Resource(dst, base, emcdp.KindCdpReplicaTaskSession, v, r)
}

// v12Time returns t as a v12 server keeps it (G9): SQL Server datetime
// precision, the microseconds rounded to the nearest 1/300 s and that shown
// as rounded milliseconds (.xx0, .xx3, .xx7), which may carry into the
// next second.
func v12Time(t time.Time) time.Time {
	t = t.UTC()
	ms := v12Millis(int64(t.Nanosecond() / 1000))
	return t.Truncate(time.Second).Add(time.Duration(ms) * time.Millisecond)
}

// v12Millis returns the milliseconds a v12 server shows for us microseconds
// past a second: rounded to the nearest 1/300 s, then to milliseconds; 1000
// when that carries into the next second.
func v12Millis(us int64) int64 {
	ticks := math.Round(float64(us) * 300 / 1e6)
	return int64(math.Round(ticks * 10 / 3))
}

// sessionLayout is the time of a session name as the store keeps it.
const sessionLayout = "2006-01-02 15:04:05.999999"

// sessionName returns a session name "<owner>@<creation time>", kept with
// microseconds, as a profile writes it (G9): v13 as kept, v12 and XML with
// the time rounded as v12Time and whole seconds. Other names are returned
// as they are.
func sessionName(s string, micro bool) string {
	at := strings.LastIndexByte(s, '@')
	if micro || at < 0 || len(s)-at-1 < 19 {
		return s
	}
	if _, ok := keptSeconds(s[at+1:]); ok {
		return s[:at+1+19]
	}
	t, err := time.Parse(sessionLayout, s[at+1:])
	if err != nil {
		return s
	}
	return s[:at+1] + v12Time(t).Format("2006-01-02 15:04:05")
}

// profileName returns a name kept in the store as a profile writes it.
// Link names of no declared form are treated as session names, which
// leaves other names as they are.
func profileName(s string, form emcdp.NameForm, micro bool) string {
	if form == emcdp.NamePoint {
		return pointName(s, micro)
	}
	if form == emcdp.NameSession || form == emcdp.NameAsIs {
		return sessionName(s, micro)
	}
	return s
}

// pointName returns a restore point's name, kept as its time with
// microseconds, as a profile writes it (monitoring.md §6): v13 as kept, v12
// and XML "MMM d yyyy h:mmtt" of the time rounded as v12Time, the day and
// the hour space-padded to two characters ("Jun 15 2026  5:34AM").
func pointName(s string, micro bool) string {
	if micro {
		return s
	}
	var a [32]byte
	return string(appendPointName(a[:0], s))
}

// appendPointName appends the v12 form of a restore point's name s
// (pointName); a name that is no kept time is appended as it is.
func appendPointName(b []byte, s string) []byte {
	if f, ok := keptSeconds(s); ok {
		h := f.hour % 12
		if h == 0 {
			h = 12
		}
		b = append(b, monthAbbr[f.month-1]...)
		b = appendPadded(append(b, ' '), f.day)
		b = strconv.AppendInt(append(b, ' '), int64(f.year), 10)
		b = appendPadded(append(b, ' '), h)
		b = append(b, ':', byte('0'+f.minute/10), byte('0'+f.minute%10))
		if f.hour >= 12 {
			return append(b, "PM"...)
		}
		return append(b, "AM"...)
	}
	t, err := time.Parse(sessionLayout, s)
	if err != nil {
		return append(b, s...)
	}
	t = v12Time(t)
	h := t.Hour() % 12
	if h == 0 {
		h = 12
	}
	ampm := "AM"
	if t.Hour() >= 12 {
		ampm = "PM"
	}
	return fmt.Appendf(b, "%s %2d %d %2d:%02d%s", t.Month().String()[:3], t.Day(), t.Year(), h, t.Minute(), ampm)
}

// pointLinks appends to links the links of l, whose names are restore
// points' (NamePoint), one per ref, with the v12 names: all of them are
// written into one string, so that an item's points cost one string
// rather than one each.
func pointLinks(links []link, l *emcdp.Link, refs []emcdp.Ref, base string, plain bool) []link {
	var nameBuf [512]byte
	var endBuf [32]int
	names, ends := nameBuf[:0], endBuf[:0]
	for _, ref := range refs {
		names = appendPointName(names, ref.Name)
		ends = append(ends, len(names))
	}
	all := string(names)
	from := 0
	for k, ref := range refs {
		links = append(links, link{rel: l.Rel, typ: l.Type, base: base, path: l.Path, id: ref.ID, hasID: true,
			tail: l.Tail, name: all[from:ends[k]], plain: plain})
		from = ends[k]
	}
	return links
}

// keptFields are the fields of a time as the store keeps it.
type keptFields struct{ year, month, day, hour, minute int }

// keptSeconds reads v, a time as the store keeps it (sessionLayout), when
// it is exactly "YYYY-MM-DD hh:mm:ss" with no fraction or a fraction of 1
// to 6 digits, every field in its range, and v12Time's rounding does not
// carry it into the next second: then the first 19 bytes of v are the time
// in whole seconds as a v12 profile writes it, and the fields are those of
// the rounded time, so that names are written without parsing and
// formatting a time. ok is false for anything else, which the callers then
// leave to time.Parse.
func keptSeconds(v string) (f keptFields, ok bool) {
	if len(v) != 19 && (len(v) < 21 || len(v) > 26 || v[19] != '.') {
		return f, false
	}
	if v[4] != '-' || v[7] != '-' || v[10] != ' ' || v[13] != ':' || v[16] != ':' {
		return f, false
	}
	num := func(i, n int) int {
		x := 0
		for _, c := range []byte(v[i : i+n]) {
			if c < '0' || c > '9' {
				return -1
			}
			x = x*10 + int(c-'0')
		}
		return x
	}
	f = keptFields{year: num(0, 4), month: num(5, 2), day: num(8, 2), hour: num(11, 2), minute: num(14, 2)}
	sec := num(17, 2)
	if f.year < 0 || f.month < 1 || f.month > 12 || f.day < 1 || f.hour < 0 || f.hour > 23 ||
		f.minute < 0 || f.minute > 59 || sec < 0 || sec > 59 {
		return f, false
	}
	if f.day > time.Date(f.year, time.Month(f.month)+1, 0, 0, 0, 0, 0, time.UTC).Day() {
		return f, false
	}
	if len(v) > 19 {
		us := num(20, len(v)-20)
		if us < 0 {
			return f, false
		}
		for range 26 - len(v) {
			us *= 10
		}
		// v12Time's rounding of the microseconds may carry into the next
		// second.
		if v12Millis(int64(us)) >= 1000 {
			return f, false
		}
	}
	return f, true
}

// monthAbbr are the months' first three letters, as time.Month.String
// begins.
var monthAbbr = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// appendPadded appends n (0–99) as fmt's %2d does: space-padded to two
// characters.
func appendPadded(b []byte, n int) []byte {
	if n < 10 {
		return append(b, ' ', byte('0'+n))
	}
	return append(b, byte('0'+n/10), byte('0'+n%10))
}

// descLinks fills a with the links of item in representation r; micro
// selects the v13 form of names (G9). plainBase tells that base is plain:
// links whose constants are plain too are then written without escaping.
func descLinks(a []link, base string, plainBase bool, d *emcdp.Desc, item any, name string, r Rep, micro bool) []link {
	lp := descLinkPlain[d.Kind]
	ki := kindOf(d.Kind)
	id := d.ID(item)
	links := a[:0]
	// A link of Each is one link per ref (a job session's restore points,
	// up to dozens): the room for all is made at once, rather than grown
	// beyond a's from link to link.
	n := len(d.Links)
	for i := range d.Links {
		if l := &d.Links[i]; l.Each != nil {
			n += len(l.Each(item)) - 1
		}
	}
	if n > cap(links) {
		links = make([]link, 0, n)
	}
	for i := range d.Links {
		l := &d.Links[i]
		if l.EntityOnly && r != Entity || l.RefOnly && r == Entity || l.When != nil && !l.When(item) {
			continue
		}
		if l.Alternate {
			links = append(links, alternate(ki, base, plainBase, id, name, r))
			continue
		}
		if l.Each != nil && l.Names == emcdp.NamePoint && !micro {
			links = pointLinks(links, l, l.Each(item), base, plainBase && lp[i])
			continue
		}
		if l.Each != nil {
			for _, ref := range l.Each(item) {
				links = append(links, link{rel: l.Rel, typ: l.Type, base: base, path: l.Path, id: ref.ID, hasID: true,
					tail: l.Tail, name: profileName(ref.Name, l.Names, micro), plain: plainBase && lp[i]})
			}
			continue
		}
		x := link{rel: l.Rel, typ: l.Type, base: base, path: l.Path, id: id, hasID: true, tail: l.Tail,
			plain: plainBase && lp[i]}
		if l.PathOf != nil {
			x.path = l.PathOf(item)
			x.plain = x.plain && plain(x.path)
		}
		if r == Entity && l.EntityType != "" {
			x.typ, x.tail = l.EntityType, l.EntityTail
		}
		if l.ID != nil {
			x.id = l.ID(item)
		}
		if l.Name != nil {
			x.name = l.Name(item)
			if !d.Ticks {
				x.name = profileName(x.name, l.Names, micro)
			}
		}
		links = append(links, x)
	}
	return links
}

// descHead returns the head of item; plainBase tells that base is plain.
func descHead(base string, plainBase bool, d *emcdp.Desc, item any, micro bool) head {
	h := head{k: kindOf(d.Kind), base: base, id: d.ID(item), name: d.Name(item), selfPath: d.Path}
	h.plain = plainBase && h.k.plain
	if d.EntityPath != "" {
		h.selfPath = d.EntityPath
	}
	if !d.Ticks {
		form := d.Names
		if d.Session {
			form = emcdp.NameSession
		}
		h.name = profileName(h.name, form, micro)
	}
	return h
}

// xDesc writes an item of d as a reference or an entity whose element is
// elem (d.Type, or d.QueryElem in query results). plainBase is plain(base),
// found once per answer by the caller.
func xDesc(b []byte, ind int, base string, plainBase bool, d *emcdp.Desc, item any, r Rep, elem string) []byte {
	var a [8]link
	b, _ = xDescWith(b, ind, base, plainBase, d, item, r, elem, a[:])
	return b
}

// xDescWith is xDesc with links as the room for the item's links; it
// returns the room it used, grown when the item has more links, so that a
// list's items share one.
func xDescWith(b []byte, ind int, base string, plainBase bool, d *emcdp.Desc, item any, r Rep, elem string, links []link) ([]byte, []link) {
	h := descHead(base, plainBase, d, item, false)
	links = descLinks(links, base, plainBase, d, item, h.name, r, false)
	if r != Entity {
		return xRef(b, ind, refElem(ind), &h, links), links
	}
	o := &descOrders[d.Kind]
	if o.attr >= 0 {
		p := &d.Props[o.attr]
		h.extraName, h.extraVal = p.Elem, p.Get(item).Str
	}
	b = xEntityOpen(b, ind, elem, &h, links)
	in := ind + 1
	for _, i := range o.xml {
		p := &d.Props[i]
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
			b = xUID(b, in, p.Elem, refKind(p, item), v.ID)
		case emcdp.TypeString:
			b = xString(b, in, p.Elem, v.Str)
		case emcdp.TypeDateTime:
			b = xLeafOpen(b, in, p.Elem)
			if d.Ticks {
				b = AppendDateTime(b, v.Time)
			} else {
				b = appendTimeProfile(b, v.Time, false)
			}
			b = xLeafClose(b, p.Elem)
		case emcdp.TypeBool:
			b = xBool(b, in, p.Elem, v.Bool)
		case emcdp.TypeEnum:
			b = xString(b, in, p.Elem, enumText(p.Enum, v.Int))
		case emcdp.TypeDouble:
			b = xLeafOpen(b, in, p.Elem)
			b = appendHundredths(b, v.Int)
			b = xLeafClose(b, p.Elem)
		default:
			b = xInt(b, in, p.Elem, v.Int)
		}
	}
	return xClose(b, ind, elem), links
}

// refKind returns the kind a UidType value of p names in item.
func refKind(p *emcdp.Prop, item any) *kindInfo {
	if p.RefOf != nil {
		return kindOf(p.RefOf(item))
	}
	return kindOf(p.Ref)
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
// plainBase is plain(base), found once per answer by the caller.
func jDesc(b []byte, ks *keys, micro bool, base string, plainBase bool, d *emcdp.Desc, item any, r Rep) []byte {
	var a [8]link
	b, _ = jDescWith(b, ks, micro, base, plainBase, d, item, r, a[:])
	return b
}

// jDescWith is jDesc with links as the room for the item's links, as
// xDescWith.
func jDescWith(b []byte, ks *keys, micro bool, base string, plainBase bool, d *emcdp.Desc, item any, r Rep, links []link) ([]byte, []link) {
	h := descHead(base, plainBase, d, item, micro)
	links = descLinks(links, base, plainBase, d, item, h.name, r, micro)
	if r != Entity {
		return jRef(b, ks, &h, links), links
	}
	pk := descKeys[0][d.Kind]
	if micro {
		pk = descKeys[1][d.Kind]
	}
	b = append(b, '{')
	for _, i := range descOrders[d.Kind].json {
		p := &d.Props[i]
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
			b = jUID(b, key, refKind(p, item), v.ID)
		case emcdp.TypeString:
			b = jString(b, key, v.Str)
		case emcdp.TypeDateTime:
			if d.Ticks {
				b = jTime(b, key, v.Time)
			} else {
				b = jTimeProfile(b, key, v.Time, micro)
			}
		case emcdp.TypeBool:
			b = jBool(b, key, v.Bool)
		case emcdp.TypeEnum:
			b = jString(b, key, enumText(p.Enum, v.Int))
		case emcdp.TypeDouble:
			b = appendHundredths(jKey(b, key), v.Int)
		default:
			b = jInt(b, key, v.Int)
		}
	}
	return jEntityTail(b, ks, &h, "", links), links
}

// jTimeProfile writes a DateTime property as a profile does (G9).
func jTimeProfile(b []byte, key string, t time.Time, micro bool) []byte {
	if t.IsZero() {
		return jNull(b, key)
	}
	b = appendTimeProfile(append(jKey(b, key), '"'), t, micro)
	return append(b, '"')
}

// appendTimeProfile appends a DateTime as a profile writes it (G9): v13
// with up to 6 fractional digits, v12 and XML rounded as v12Time with up to
// 3; trailing zeros trimmed.
func appendTimeProfile(b []byte, t time.Time, micro bool) []byte {
	if micro {
		t = t.UTC().Truncate(time.Microsecond)
		b = appendISOTime(b, t, t.Nanosecond()/1000, 6)
	} else {
		t = v12Time(t)
		b = appendISOTime(b, t, t.Nanosecond()/1e6, 3)
	}
	return append(b, 'Z')
}

// appendISOTime appends t, in UTC, as "2006-01-02T15:04:05" followed by
// frac, a fraction of digits digits, with its trailing zeros trimmed and
// nothing when it is zero: what time.Time.AppendFormat writes for
// "2006-01-02T15:04:05.999" (digits 3) and ".999999" (6), without
// interpreting a layout on every property of every row. Years outside
// 0–9999 are left to AppendFormat.
func appendISOTime(b []byte, t time.Time, frac, digits int) []byte {
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(b, "2006-01-02T15:04:05.999999999"[:20+digits])
	}
	hour, minute, sec := t.Clock()
	b = append(b, byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), '-',
		byte('0'+month/10), byte('0'+month%10), '-', byte('0'+day/10), byte('0'+day%10), 'T',
		byte('0'+hour/10), byte('0'+hour%10), ':', byte('0'+minute/10), byte('0'+minute%10), ':',
		byte('0'+sec/10), byte('0'+sec%10))
	if frac == 0 {
		return b
	}
	for frac%10 == 0 {
		frac /= 10
		digits--
	}
	b = append(b, '.')
	for i := digits - 1; i >= 0; i-- {
		d := frac
		for range i {
			d /= 10
		}
		b = append(b, byte('0'+d%10))
	}
	return b
}

// appendHundredths appends n/100 with up to two fractional digits, trailing
// zeros trimmed: 148 is 1.48, 150 is 1.5, 200 is 2.
func appendHundredths(b []byte, n int64) []byte {
	if n < 0 {
		b, n = append(b, '-'), -n
	}
	b = strconv.AppendInt(b, n/100, 10)
	if f := n % 100; f != 0 {
		b = append(b, '.', byte('0'+f/10))
		if f%10 != 0 {
			b = append(b, byte('0'+f%10))
		}
	}
	return b
}
