package api

import (
	"bytes"
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/emcdp/emcdp"
)

// A request that carries both Content-Length and Transfer-Encoding is the
// shape of request smuggling: a proxy in front that trusts the other header
// than this server does would see a different request boundary. net/http
// follows RFC 9112 and lets Transfer-Encoding win, removing Content-Length
// before a handler can see it; so the raw bytes of each connection are
// watched for header blocks, and the request that carried both is answered
// 400 and its connection closed.

// maxLine bounds a header line or chunk line the watcher keeps; past it the
// watcher stops (net/http refuses such a request by itself).
const maxLine = 64 << 10

// watchListener accepts connections, terminates TLS when cfg is set, and
// wraps each in a framingConn. TLS is terminated here rather than by
// net/http so that the watcher reads plain text; such connections are
// marked as TLS in their context (see connIsTLS).
type watchListener struct {
	net.Listener
	cfg *tls.Config
}

func (l watchListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	fc := &framingConn{Conn: c, isTLS: l.cfg != nil}
	if l.cfg != nil {
		fc.Conn = tls.Server(c, l.cfg)
	}
	return fc, nil
}

// framingConn is a connection whose incoming bytes are followed by a
// framingParser.
type framingConn struct {
	net.Conn
	isTLS bool

	mu     sync.Mutex
	p      framingParser
	served int64 // requests handed to the handler so far
}

func (c *framingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 {
		c.mu.Lock()
		c.p.feed(b[:n])
		c.mu.Unlock()
	}
	return n, err
}

// nextAmbiguous is called once per request, in order (net/http serves the
// requests of one connection one after the other); it reports whether that
// request carried both Content-Length and Transfer-Encoding.
func (c *framingConn) nextAmbiguous() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.served++
	return c.p.firstBad > 0 && c.served >= c.p.firstBad
}

type connKey struct{}

// connContext remembers a request's framingConn in its context.
func connContext(ctx context.Context, c net.Conn) context.Context {
	if fc, ok := c.(*framingConn); ok {
		return context.WithValue(ctx, connKey{}, fc)
	}
	return ctx
}

// connIsTLS reports whether r came over a TLS connection that the listener
// terminated.
func connIsTLS(r *http.Request) bool {
	fc, ok := r.Context().Value(connKey{}).(*framingConn)
	return ok && fc.isTLS
}

// ambiguousLength reports whether r is a request that carried both
// Content-Length and Transfer-Encoding; if so the connection is closed after
// the answer.
func ambiguousLength(w http.ResponseWriter, r *http.Request) bool {
	fc, ok := r.Context().Value(connKey{}).(*framingConn)
	if !ok || !fc.nextAmbiguous() {
		return false
	}
	w.Header()["Connection"] = []string{"close"}
	return true
}

func errAmbiguousLength() error {
	return emcdp.Errorf(emcdp.EInvalid, "A request may not carry both Content-Length and Transfer-Encoding")
}

// framingParser follows the HTTP/1.1 framing of a byte stream: header
// blocks, bodies of Content-Length bytes, and chunked bodies with their
// trailers. It notes the first request that had both length headers, and
// stops at anything it cannot follow.
type framingParser struct {
	state    int
	line     []byte // the incomplete line
	remain   int64  // body or chunk bytes still to skip
	requests int64  // header blocks completed
	firstBad int64  // number of the first request with both headers; 0: none
	stopped  bool

	// the header block being read
	sawRequestLine, http10, hasCL, hasTE bool
	cl                                   int64
	te                                   string
}

const (
	fHead = iota
	fBody
	fChunkLine
	fChunkData
	fChunkEnd
	fTrailer
)

func (p *framingParser) feed(b []byte) {
	for len(b) > 0 && !p.stopped {
		if p.state == fBody || p.state == fChunkData {
			k := min(int64(len(b)), p.remain)
			b, p.remain = b[k:], p.remain-k
			if p.remain == 0 {
				if p.state == fBody {
					p.state = fHead
				} else {
					p.state = fChunkEnd
				}
			}
			continue
		}
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			p.keep(b)
			return
		}
		p.keep(b[:i])
		b = b[i+1:]
		line := strings.TrimSuffix(string(p.line), "\r")
		if cap(p.line) > 4<<10 {
			p.line = nil // a long line's buffer is not kept for the connection's life
		} else {
			p.line = p.line[:0]
		}
		p.onLine(line)
	}
}

func (p *framingParser) keep(b []byte) {
	if len(p.line)+len(b) > maxLine {
		p.stopped = true
		return
	}
	p.line = append(p.line, b...)
}

func (p *framingParser) onLine(line string) {
	switch p.state {
	case fHead:
		switch {
		case !p.sawRequestLine:
			p.sawRequestLine = true
			p.http10 = strings.HasSuffix(line, "HTTP/1.0")
		case line == "":
			p.endHead()
		default:
			name, value, _ := strings.Cut(line, ":")
			value = strings.TrimSpace(value)
			switch {
			case strings.EqualFold(strings.TrimSpace(name), "Content-Length"):
				n, err := strconv.ParseInt(value, 10, 64)
				if err != nil || n < 0 {
					p.stopped = true // net/http refuses it
				}
				p.hasCL, p.cl = true, n
			case strings.EqualFold(strings.TrimSpace(name), "Transfer-Encoding"):
				p.hasTE, p.te = true, strings.ToLower(value)
			}
		}
	case fChunkLine:
		size, _, _ := strings.Cut(line, ";")
		n, err := strconv.ParseInt(strings.TrimSpace(size), 16, 64)
		switch {
		case err != nil || n < 0:
			p.stopped = true
		case n == 0:
			p.state = fTrailer
		default:
			p.state, p.remain = fChunkData, n
		}
	case fChunkEnd:
		p.state = fChunkLine
	case fTrailer:
		if line == "" {
			p.state = fHead
		}
	}
}

// endHead completes a header block and sets up the skipping of its body,
// framed as net/http frames it.
func (p *framingParser) endHead() {
	p.requests++
	if p.hasCL && p.hasTE {
		p.firstBad = p.requests
		p.stopped = true // the connection ends with this request
		return
	}
	switch {
	case p.hasTE && !p.http10:
		if p.te != "chunked" {
			p.stopped = true // net/http refuses other codings
			return
		}
		p.state = fChunkLine
	case p.hasCL && p.cl > 0:
		p.state, p.remain = fBody, p.cl
	default:
		p.state = fHead
	}
	p.sawRequestLine, p.http10, p.hasCL, p.hasTE, p.cl, p.te = false, false, false, false, 0, ""
}
