package api

import (
	"strings"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/query"
	"github.com/emcdp/emcdp/wire"
)

// query answers GET /api/query: one page of a filtered, sorted read with
// its PagingInfo and paging links.
func (h *Handler) query(c *call, _ []string) error {
	if t, _ := c.param("type"); strings.EqualFold(t, "Task") {
		return h.taskQuery(c)
	}
	req, err := query.ParseRequest(c.r.URL.RawQuery, h.maxPage)
	if err != nil {
		return err
	}
	release, err := h.scanSlot(c)
	if err != nil {
		return err
	}
	defer release()
	if h.items != nil && req.Entities && h.versioned.Versioned(req.Query.Kind) {
		if shape, ok := h.items.shape(itemShape{format: c.enc.Format, base: c.base}); ok {
			return h.versionedQuery(c, req, shape)
		}
	}
	res, err := h.store.Query(c.ctx(), &req.Query)
	if err != nil {
		return err
	}
	rep := wire.Reference
	if req.Entities {
		rep = wire.Entity
	}
	c.buf = c.enc.QueryResult(c.buf, c.base, req.Query.Kind, res, rep, paging(c, req, res.Total))
	return nil
}

// versionedQuery answers the query of entities req of a versioned kind
// through the item cache (shape, its number there): the store reads the
// page's ids and versions, and in full only the items the cache lacks at
// their version, which are encoded and kept; the others are copied.
func (h *Handler) versionedQuery(c *call, req *query.Request, shape uint16) error {
	var enc wire.Encoded
	vp, err := h.versioned.QueryVersioned(c.ctx(), &req.Query, func(id emcdp.ID, ver int64) bool {
		b := h.items.get(shape, id, ver)
		enc.Items = append(enc.Items, b)
		return b != nil
	})
	if err != nil {
		return err
	}
	enc.Res = vp.Res
	enc.Made = func(i int, item []byte) { h.items.put(shape, vp.IDs[i], vp.Vers[i], item) }
	c.buf = c.enc.QueryResultOf(c.buf, c.base, req.Query.Kind, &enc, wire.Entity, paging(c, req, vp.Res.Total))
	return nil
}

// paging returns the PagingInfo of the answer to req, of total items.
func paging(c *call, req *query.Request, total int) wire.Paging {
	pages, links := req.Links(c.base, total, pageHex(c.enc))
	p := wire.Paging{PageNum: req.Query.Page, PageSize: req.Query.PageSize, PagesCount: pages,
		Links: make([]wire.PageLink, len(links))}
	for i, l := range links {
		p.Links[i] = wire.PageLink{Rel: l.Rel, Href: l.Href}
	}
	return p
}

// pageHex is the case of the hex digits in the paging links of an answer
// written by enc: upper case in the JSON of the v13 profile, as the real
// v13.0 replies write them, lower case otherwise (the real v12.3 replies;
// XML keeps the v12 forms, as it does for times).
func pageHex(enc wire.Encoder) string {
	if enc.Format == wire.JSON && enc.Profile == wire.V13 {
		return query.UpperHex
	}
	return query.LowerHex
}

// querySvc answers GET /api/querySvc. Its Up link names the caller's logon
// session; a caller authenticated by Basic credentials alone is given its
// most recent live session, or a new one.
func (h *Handler) querySvc(c *call, _ []string) error {
	ls, err := h.auth.CallerSession(c.ctx(), c.caller)
	if err != nil {
		return err
	}
	c.buf = c.enc.QuerySvc(c.buf, c.base, ls.ID)
	return nil
}
