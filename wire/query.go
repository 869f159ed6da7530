package wire

import emcdp "github.com/emcdp/emcdp"

// Paging is the PagingInfo of a query result. Links are written in the
// order given, which the caller makes First, Previous, Next, Last.
type Paging struct {
	PageNum, PageSize, PagesCount int
	Links                         []PageLink
}

// PageLink is one paging link; Href is absolute and not yet escaped.
type PageLink struct {
	Rel, Href string
}

func (p *PageLink) link() link { return link{rel: p.Rel, path: p.Href} }

// QueryResult writes the query service's answer for kind k: Refs with one Ref
// per item (Reference) or Entities holding the kind's list (Entity; policy
// sessions are written CdpPolicySession there, quirk Q2), then PagingInfo.
// In JSON the five keys Refs, Entities, Resources, Links and PagingInfo are
// always present, and Entities lists every entity list key of the real server,
// all null but the one in use.
func (e Encoder) QueryResult(dst []byte, base string, k emcdp.Kind, res *emcdp.QueryResult, r Rep, p Paging) []byte {
	if res == nil {
		return e.nothing(dst)
	}
	return e.queryResult(dst, base, k, res, nil, r, p)
}

// QueryResultOf writes the answer QueryResult writes for the page enc holds,
// whose encoded items it copies: an item is written in the same bytes in
// every answer of one encoder, base, kind and representation.
func (e Encoder) QueryResultOf(dst []byte, base string, k emcdp.Kind, enc *Encoded, r Rep, p Paging) []byte {
	if enc == nil || enc.Res == nil {
		return e.nothing(dst)
	}
	return e.queryResult(dst, base, k, enc.Res, enc, r, p)
}

func (e Encoder) queryResult(dst []byte, base string, k emcdp.Kind, res *emcdp.QueryResult, enc *Encoded, r Rep, p Paging) []byte {
	ki := kindOf(k)
	if ki == nil {
		return e.nothing(dst)
	}
	dst = e.begin(dst)
	if e.json() {
		dst = jQueryResult(dst, e.keys(), base, k, ki, res, enc, r, &p)
	} else {
		const elem = "QueryResult"
		dst = xStart(dst, 0, elem, true)
		if r == Entity {
			dst = xStart(dst, 1, "Entities", false)
			dst = xList(dst, 2, ki.qlist, base, k, res, enc, r, true)
			dst = xClose(dst, 1, "Entities")
		} else {
			dst = xList(dst, 1, "Refs", base, k, res, enc, r, false)
		}
		dst = xPaging(dst, 1, &p)
		dst = xClose(dst, 0, elem)
	}
	return e.end(dst)
}

// xPaging writes PagingInfo with its attributes PageNum, PageSize,
// PagesCount and its links (Href and Rel only).
func xPaging(b []byte, ind int, p *Paging) []byte {
	const elem = "PagingInfo"
	b = xOpen(b, ind, elem)
	b = append(b, ` PageNum="`...)
	b = appendInt(b, int64(p.PageNum))
	b = append(b, `" PageSize="`...)
	b = appendInt(b, int64(p.PageSize))
	b = append(b, `" PagesCount="`...)
	b = appendInt(b, int64(p.PagesCount))
	b = append(b, '"')
	if len(p.Links) == 0 {
		return append(b, " />"...)
	}
	b = append(b, '>')
	b = xStart(b, ind+1, "Links", false)
	for i := range p.Links {
		l := p.Links[i].link()
		b = xLink(b, ind+2, &l)
	}
	b = xClose(b, ind+1, "Links")
	return xClose(b, ind, elem)
}

func jQueryResult(b []byte, ks *keys, base string, k emcdp.Kind, ki *kindInfo, res *emcdp.QueryResult, enc *Encoded, r Rep, p *Paging) []byte {
	b = append(b, '{')
	if r == Entity {
		b = jNull(b, ks.Refs)
		b = append(jKey(b, ks.Entities), '{')
		for i, name := range entityListNames {
			if name != ki.qlist {
				b = jNull(b, ks.EntityLists[i])
				continue
			}
			b = append(jKey(b, ks.EntityLists[i]), '{')
			b = append(jKey(b, listKey(ks, k)), '[')
			b = jItems(b, ks, base, k, res, enc, r, jSep)
			b = append(b, ']', '}')
		}
		b = append(b, '}')
	} else {
		b = append(jKey(b, ks.Refs), '{')
		b = append(jKey(b, ks.Refs), '[')
		b = jItems(b, ks, base, k, res, enc, r, jSep)
		b = append(b, ']', '}')
		b = jNull(b, ks.Entities)
	}
	b = jNull(b, ks.Resources)
	b = jNull(b, ks.Links)

	b = jPagingInfo(b, ks, p)
	return append(b, '}')
}

// jPagingInfo writes the PagingInfo property: Links, PageNum, PageSize,
// PagesCount.
func jPagingInfo(b []byte, ks *keys, p *Paging) []byte {
	b = append(jKey(b, ks.PagingInfo), '{')
	b = jKey(b, ks.Links)
	if len(p.Links) == 0 {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range p.Links {
			l := p.Links[i].link()
			b = jLink(jSep(b), ks, &l)
		}
		b = append(b, ']')
	}
	b = jInt(b, ks.PageNum, int64(p.PageNum))
	b = jInt(b, ks.PageSize, int64(p.PageSize))
	b = jInt(b, ks.PagesCount, int64(p.PagesCount))
	return append(b, '}')
}

// querySvcPageSize ends the preset queries that QuerySvc links to: entities,
// the first page of the default size.
const querySvcPageSize = "&format=Entities&pageSize=100&page=1"

// QuerySvc writes the query service resource (GET /querySvc): an Up link to
// the caller's logon session, then one Down link per served type to a preset
// query of its entities.
func (e Encoder) QuerySvc(dst []byte, base string, logonSessionID emcdp.ID) []byte {
	links := make([]link, 0, 1+len(emcdp.Kinds))
	links = append(links, idLink("Up", "LogonSession", "", base, "/logonSessions/", logonSessionID, ""))
	for _, k := range emcdp.Kinds {
		ki := kindOf(k)
		links = append(links, link{rel: "Down", typ: ki.queryType, base: base, path: ki.queryPath, tail: querySvcPageSize})
	}
	dst = e.begin(dst)
	if e.json() {
		ks := e.keys()
		dst = append(dst, '{')
		dst = jLinks(dst, ks, links)
		dst = append(jKey(dst, ks.Href), '"')
		dst = appendJSONChars(dst, base)
		dst = append(dst, "/querySvc\""...)
		dst = jString(dst, ks.Type, "QueryService")
		dst = append(dst, '}')
	} else {
		const elem = "QuerySvc"
		dst = xOpen(dst, 0, elem)
		dst = append(dst, ` Href="`...)
		dst = appendXMLAttr(dst, base)
		dst = append(dst, `/querySvc" Type="QueryService"`...)
		dst = xOpenEnd(dst, true)
		dst = xLinks(dst, 1, links)
		dst = xClose(dst, 0, elem)
	}
	return e.end(dst)
}
