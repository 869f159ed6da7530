package api

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// rawExchange sends raw bytes to addr over conn and reads the answer; it
// reports whether the server closed the connection after answering.
func rawExchange(t *testing.T, conn net.Conn, request string) (*http.Response, string, bool) {
	t.Helper()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	// A closed connection reads EOF at once; an open one waits.
	conn.SetReadDeadline(time.Now().Add(time.Second))
	_, err = br.ReadByte()
	closed := err == io.EOF || (err != nil && !isTimeout(err))
	return resp, string(body), closed
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// TestContentLengthWithChunked checks that a request with both
// Content-Length and Transfer-Encoding: chunked, the shape of request
// smuggling, gets 400 and a closed connection, on both listeners.
func TestContentLengthWithChunked(t *testing.T) {
	srv, _, _ := demoServer(t, true)
	req := "POST /api/sessionMngr/?v=latest HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n" +
		"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /api/ HTTP/1.1\r\nHost: localhost\r\n\r\n"
	dial := map[string]func() (net.Conn, error){
		"http": func() (net.Conn, error) { return net.Dial("tcp", strings.TrimPrefix(srv.HTTPURL(), "http://")) },
		"https": func() (net.Conn, error) {
			return tls.Dial("tcp", strings.TrimPrefix(srv.URL(), "https://"), &tls.Config{InsecureSkipVerify: true})
		},
	}
	for name, d := range dial {
		conn, err := d()
		if err != nil {
			t.Fatal(err)
		}
		resp, body, closed := rawExchange(t, conn, req)
		conn.Close()
		if resp.StatusCode != 400 || !closed {
			t.Errorf("%s: %d, closed %v: %s", name, resp.StatusCode, closed, body)
		}
	}
}

// TestTLSSettings checks the protocol versions and suites offered: TLS 1.2
// or newer, AEAD suites only (no CBC with SHA-1), and HTTP/1.1 only.
func TestTLSSettings(t *testing.T) {
	srv, _, _ := demoServer(t, false)
	addr := strings.TrimPrefix(srv.URL(), "https://")
	try := func(cfg *tls.Config) (*tls.Conn, error) {
		cfg.InsecureSkipVerify = true
		return tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, cfg)
	}
	if c, err := try(&tls.Config{MaxVersion: tls.VersionTLS11}); err == nil {
		c.Close()
		t.Error("TLS 1.1 was accepted")
	}
	var cbc []uint16
	for _, s := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		if strings.Contains(s.Name, "_CBC_") {
			cbc = append(cbc, s.ID)
		}
	}
	if c, err := try(&tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: cbc}); err == nil {
		t.Errorf("a CBC suite was accepted: %s", tls.CipherSuiteName(c.ConnectionState().CipherSuite))
		c.Close()
	}
	c, err := try(&tls.Config{MaxVersion: tls.VersionTLS12, NextProtos: []string{"h2", "http/1.1"}})
	if err != nil {
		t.Fatalf("TLS 1.2 with the default suites: %v", err)
	}
	if st := c.ConnectionState(); st.NegotiatedProtocol != "http/1.1" {
		t.Errorf("negotiated %q, want http/1.1", st.NegotiatedProtocol)
	}
	c.Close()
	if c, err := try(&tls.Config{MinVersion: tls.VersionTLS13}); err != nil {
		t.Errorf("TLS 1.3: %v", err)
	} else {
		c.Close()
	}
}

// TestFramingParser follows pipelined requests of every framing, fed in
// pieces of every size, and finds the one with both length headers.
func TestFramingParser(t *testing.T) {
	stream := "GET /api/ HTTP/1.1\r\nHost: a\r\n\r\n" +
		"POST /api/sessionMngr/ HTTP/1.1\r\nContent-Length: 30\r\n\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"POST /api/sessionMngr/ HTTP/1.1\r\ntransfer-encoding: Chunked\r\n\r\n" +
		"1f;ext=1\r\nContent-Length: 5\r\n\r\nGET / HTTP\r\n0\r\nX-Trailer: 1\r\n\r\n" +
		"GET /api/ HTTP/1.0\n\n" +
		"GET /api/ HTTP/1.1\r\nContent-Length: 0\r\ncontent-length: 0\r\n\r\n" +
		"POST /x HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
	for size := 1; size <= len(stream); size *= 3 {
		var p framingParser
		for i := 0; i < len(stream); i += size {
			p.feed([]byte(stream[i:min(i+size, len(stream))]))
		}
		if p.firstBad != 6 || p.requests != 6 {
			t.Errorf("pieces of %d bytes: request %d of %d flagged, want 6 of 6", size, p.firstBad, p.requests)
		}
	}
	var p framingParser
	p.feed([]byte(stream[:strings.LastIndex(stream, "POST /x")]))
	if p.firstBad != 0 || p.requests != 5 || p.stopped {
		t.Errorf("clean requests: flagged %d, %d requests, stopped %v", p.firstBad, p.requests, p.stopped)
	}
}
