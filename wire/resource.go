package wire

import emcdp "github.com/emcdp/emcdp"

// kindInfo names what the wire needs of a key resource type.
type kindInfo struct {
	typ  string // entity Type, e.g. "CdpReplicaTaskSession"
	ref  string // reference Type, e.g. "CdpReplicaTaskSessionReference"
	coll string // collection path with slashes, e.g. "/cdpReplicaTaskSessions/"
	list string // entity list element and JSON key, e.g. "CdpReplicaTaskSessions"

	queryType string // Type of the querySvc link to the kind's preset query, e.g. "CdpReplicaTaskSessionList"
	queryPath string // path of that query up to its type, e.g. "/query?type=CdpReplicaTaskSession"

	elem    string    // XML root of the entity, e.g. "NASJob"
	qlist   string    // Entities element of a query result, e.g. "AgentBackupJob"
	refPath string    // path of the reference's own Href (Q5)
	altTyp  string    // the Alternate link's Type from a reference (Q9: "Job")
	altRef  string    // the Alternate link's Type from an entity (Q9: "JobReference")
	jlist   [2]string // JSON keys of the entity list by profile (V12, V13)
	plain   bool      // typ, ref, coll, refPath, altTyp and altRef are plain
}

// kindInfos holds the wire names of every kind, indexed by kind, from
// their descriptions.
var kindInfos = func() []kindInfo {
	ks := make([]kindInfo, 0, len(emcdp.Kinds)+1)
	for _, d := range emcdp.AllDescs {
		for len(ks) <= int(d.Kind) {
			ks = append(ks, kindInfo{})
		}
		ki := newKindInfo(d.Type, d.Path, d.List)
		if d.Elem != "" {
			ki.elem = d.Elem
		}
		if d.QueryList != "" {
			ki.qlist = d.QueryList
		}
		if d.RefPath != "" {
			ki.refPath = d.RefPath
		}
		if d.AltType != "" {
			ki.altTyp, ki.altRef = d.AltType, d.AltType+"Reference"
		}
		ki.plain = plain(ki.typ) && plain(ki.ref) && plain(ki.coll) && plain(ki.refPath) && plain(ki.altTyp) && plain(ki.altRef)
		ks[d.Kind] = ki
	}
	return ks
}()

func newKindInfo(typ, coll, list string) kindInfo {
	return kindInfo{typ: typ, ref: typ + "Reference", coll: coll, list: list,
		queryType: typ + "List", queryPath: "/query?type=" + typ,
		elem: typ, qlist: list, refPath: coll, altTyp: typ, altRef: typ + "Reference",
		jlist: [2]string{`"` + list + `":`, `"` + CamelCase(list) + `":`}}
}

var (
	kServer = &kindInfos[emcdp.KindBackupServer]
	kPolicy = &kindInfos[emcdp.KindCdpPolicy]
)

// kindOf returns the wire names of k, or nil for a value that is not a kind.
func kindOf(k emcdp.Kind) *kindInfo {
	if k < emcdp.KindBackupServer || int(k) >= len(kindInfos) || kindInfos[k].typ == "" {
		return nil
	}
	return &kindInfos[k]
}

// appendUID appends urn:veeam:<typ>:<id>.
func appendUID(b []byte, k *kindInfo, id emcdp.ID) []byte {
	b = append(b, "urn:veeam:"...)
	b = append(b, k.typ...)
	b = append(b, ':')
	return id.AppendTo(b)
}

// link is one Link. Its Href is base + path, then the id when hasID, then
// tail; the pieces are escaped as they are written, so no string is built.
type link struct {
	rel, typ, name string
	base, path     string
	id             emcdp.ID
	hasID          bool
	tail           string
	// plain is set when base, path, tail, rel and typ are all plain (the
	// zero value escapes them); the name is escaped either way.
	plain bool
}

// appendHref appends the link's Href, each piece escaped by esc unless the
// link is plain.
func (l *link) appendHref(b []byte, esc func([]byte, string) []byte) []byte {
	if l.plain {
		b = append(b, l.base...)
		b = append(b, l.path...)
		if l.hasID {
			b = l.id.AppendTo(b)
		}
		return append(b, l.tail...)
	}
	b = esc(b, l.base)
	b = esc(b, l.path)
	if l.hasID {
		b = l.id.AppendTo(b)
	}
	return esc(b, l.tail)
}

// idLink returns a link to base + path + id + tail.
func idLink(rel, typ, name, base, path string, id emcdp.ID, tail string) link {
	return link{rel: rel, typ: typ, name: name, base: base, path: path, id: id, hasID: true, tail: tail}
}

// pathLink returns a link to base + path.
func pathLink(rel, typ, base, path string) link {
	return link{rel: rel, typ: typ, base: base, path: path}
}

const formatEntity = "?format=Entity"

// alternate returns the Alternate link of a resource in representation r:
// a reference points at its entity and an entity at its reference.
// plainBase tells that base is plain.
func alternate(k *kindInfo, base string, plainBase bool, id emcdp.ID, name string, r Rep) link {
	l := idLink("Alternate", k.altTyp, name, base, k.coll, id, formatEntity)
	if r == Entity {
		l.typ, l.tail = k.altRef, ""
	}
	l.plain = plainBase && k.plain
	return l
}

// head is what every key resource writes about itself: its type, id and name,
// its own Href path (which differs from the collection for task session
// entities, quirk Q1), and an optional extra root attribute.
type head struct {
	k         *kindInfo
	base      string
	id        emcdp.ID
	name      string
	selfPath  string // collection path of the entity's own Href
	extraName string // e.g. "VmDisplayName"; empty for none
	extraVal  string
	plain     bool // base and the kind's names are plain: written without escaping
}

// appendBase appends the head's base, escaped by esc unless it is plain.
func (h *head) appendBase(b []byte, esc func([]byte, string) []byte) []byte {
	if h.plain {
		return append(b, h.base...)
	}
	return esc(b, h.base)
}

// xRef writes a reference (root EntityRef, list item Ref): attributes UID,
// Name, Href, Type, then its links.
func xRef(b []byte, ind int, elem string, h *head, links []link) []byte {
	root := ind == 0
	b = xOpen(b, ind, elem)
	b = append(b, ` UID="`...)
	b = appendUID(b, h.k, h.id)
	b = append(b, '"')
	b = xAttr(b, "Name", h.name)
	b = append(b, ` Href="`...)
	b = h.appendBase(b, appendXMLAttr)
	b = append(b, h.k.refPath...)
	b = h.id.AppendTo(b)
	b = append(b, '"')
	b = xAttrAs(b, "Type", h.k.ref, h.plain)
	if len(links) == 0 {
		return xEmptyEnd(b, root)
	}
	b = xOpenEnd(b, root)
	b = xLinks(b, ind+1, links)
	return xClose(b, ind, elem)
}

// xEntityOpen writes an entity's start tag (attributes Href, Type, Name,
// UID, then the extra one) and its links; the caller writes the elements
// and the end tag.
func xEntityOpen(b []byte, ind int, elem string, h *head, links []link) []byte {
	b = xOpen(b, ind, elem)
	b = append(b, ` Href="`...)
	b = h.appendBase(b, appendXMLAttr)
	b = append(b, h.selfPath...)
	b = h.id.AppendTo(b)
	b = append(b, formatEntity...)
	b = append(b, '"')
	b = xAttrAs(b, "Type", h.k.typ, h.plain)
	b = xAttr(b, "Name", h.name)
	b = append(b, ` UID="`...)
	b = appendUID(b, h.k, h.id)
	b = append(b, '"')
	if h.extraName != "" {
		b = xAttr(b, h.extraName, h.extraVal)
	}
	b = xOpenEnd(b, ind == 0)
	return xLinks(b, ind+1, links)
}

// jRef writes a reference object: Links, UID, Name, Href, Type.
func jRef(b []byte, ks *keys, h *head, links []link) []byte {
	b = append(b, '{')
	b = jLinks(b, ks, links)
	b = jUID(b, ks.UID, h.k, h.id)
	b = jString(b, ks.Name, h.name)
	b = append(jKey(b, ks.Href), '"')
	b = h.appendBase(b, appendJSONChars)
	b = append(b, h.k.refPath...)
	b = h.id.AppendTo(b)
	b = append(b, '"')
	b = jStringAs(b, ks.Type, h.k.ref, h.plain)
	return append(b, '}')
}

// jEntityTail ends an entity object after its own elements: the extra
// attribute, Name, UID, Links, Href, Type, and the closing brace. extraKey is
// the extra attribute's key in ks, or "" for none.
func jEntityTail(b []byte, ks *keys, h *head, extraKey string, links []link) []byte {
	if extraKey != "" {
		b = jString(b, extraKey, h.extraVal)
	}
	b = jString(b, ks.Name, h.name)
	b = jUID(b, ks.UID, h.k, h.id)
	b = jLinks(b, ks, links)
	b = append(jKey(b, ks.Href), '"')
	b = h.appendBase(b, appendJSONChars)
	b = append(b, h.selfPath...)
	b = h.id.AppendTo(b)
	b = append(b, formatEntity...)
	b = append(b, '"')
	b = jStringAs(b, ks.Type, h.k.typ, h.plain)
	return append(b, '}')
}
