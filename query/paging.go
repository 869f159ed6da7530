package query

import (
	"strconv"
	"strings"
)

// Link is one paging link of a QueryResult's PagingInfo.
type Link struct {
	Rel, Href string
}

// PagesCount is the number of pages of total results: ceil(total/pageSize),
// and 1 when there are none.
func PagesCount(total, pageSize int) int {
	if pageSize <= 0 || total <= 0 {
		return 1
	}
	return (total + pageSize - 1) / pageSize
}

// The hex digits of a paging link's escapes: the real v12 server writes
// them in lower case (%3e%3d), the real v13 server in upper case (%3E%3D),
// as their replies show (peekjef72/httpapi_exporter
// contribs/veeam/etc/veeam/profiles/samples/backup_jobs_sessions_metrics_v12.json
// and _v13.json).
const (
	LowerHex = "0123456789abcdef"
	UpperHex = "0123456789ABCDEF"
)

// PageHref is the link to page of this request: {base}/query? followed by
// the request's parameters other than pageSize and page, in the order they
// came, names and values re-encoded by Escape with the hex digits hex
// (LowerHex or UpperHex), then &pageSize=<n>&page=<k>.
func (r *Request) PageHref(base string, page int, hex string) string {
	var b strings.Builder
	b.WriteString(base)
	b.WriteString("/query?")
	for _, p := range r.params {
		b.WriteString(Escape(p.name, hex))
		if p.hasEq {
			b.WriteByte('=')
			b.WriteString(Escape(p.value, hex))
		}
		b.WriteByte('&')
	}
	b.WriteString("pageSize=")
	b.WriteString(strconv.Itoa(r.Query.PageSize))
	b.WriteString("&page=")
	b.WriteString(strconv.Itoa(page))
	return b.String()
}

// Links returns the paging links of an answer with total results, in the
// order the server writes them: First, Previous (when the page asked for is
// past the first), Next (when it is before the last), Last; and the pages
// count. hex is the case of the escapes' hex digits (PageHref).
func (r *Request) Links(base string, total int, hex string) (pagesCount int, links []Link) {
	n := PagesCount(total, r.Query.PageSize)
	page := r.Query.Page
	if page < 1 {
		page = 1
	}
	links = append(links, Link{Rel: "First", Href: r.PageHref(base, 1, hex)})
	if page > 1 {
		links = append(links, Link{Rel: "Previous", Href: r.PageHref(base, page-1, hex)})
	}
	if page < n {
		links = append(links, Link{Rel: "Next", Href: r.PageHref(base, page+1, hex)})
	}
	links = append(links, Link{Rel: "Last", Href: r.PageHref(base, n, hex)})
	return n, links
}

// Escape percent-encodes s the way the real server writes its paging links,
// which is .NET's HttpUtility.UrlEncode: ASCII letters, digits and
// - _ . ! * ( ) stay as they are, a space becomes '+', and every other byte
// (UTF-8 for non-ASCII) becomes %xx with the hex digits hex, e.g. >= is
// %3e%3d with LowerHex.
func Escape(s, hex string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !isURLSafe(s[i]) && s[i] != ' ' {
			n++
		}
	}
	if n == 0 && !strings.Contains(s, " ") {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isURLSafe(c):
			b = append(b, c)
		case c == ' ':
			b = append(b, '+')
		default:
			b = append(b, '%', hex[c>>4], hex[c&15])
		}
	}
	return string(b)
}

func isURLSafe(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '!' || c == '*' || c == '(' || c == ')'
}
