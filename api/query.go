package api

import (
	"strings"

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
	res, err := h.store.Query(c.ctx(), &req.Query)
	if err != nil {
		return err
	}
	pages, links := req.Links(c.base, res.Total, pageHex(c.enc))
	p := wire.Paging{PageNum: req.Query.Page, PageSize: req.Query.PageSize, PagesCount: pages,
		Links: make([]wire.PageLink, len(links))}
	for i, l := range links {
		p.Links[i] = wire.PageLink{Rel: l.Rel, Href: l.Href}
	}
	rep := wire.Reference
	if req.Entities {
		rep = wire.Entity
	}
	c.buf = c.enc.QueryResult(c.buf, c.base, req.Query.Kind, res, rep, p)
	return nil
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
