package api

import (
	"io"
	"net/http"
	"sync"
	"time"
)

// Sending a large answer while the server shuts down. A collection's answer
// may be hundreds of megabytes; a client that stops reading it without
// closing its connection (a suspended or stuck process, a proxy that stopped
// forwarding) leaves the write blocked until the server's WriteTimeout,
// and a graceful shutdown would wait for it until its own timeout ran out.
// So once the server shuts down, an answer larger than sendChunk goes on
// only while its client keeps taking it: each chunk must be taken within
// drainStall, or the write fails and the connection is dropped. Small
// answers fit in the socket's buffers and are written at once (see
// Handler.write).
const (
	sendChunk  = 64 << 10
	drainStall = 2 * time.Second
)

// senders are the large answers being sent, so that drain can put the
// deadline on writes already blocked when the shutdown starts.
type senders struct {
	mu       sync.Mutex
	draining bool
	active   map[*http.ResponseController]struct{}
}

// drain starts the shutdown's rule for the answers being sent and for those
// sent from now on.
func (s *senders) drain() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.draining = true
	stall := time.Now().Add(drainStall)
	for rc := range s.active {
		_ = rc.SetWriteDeadline(stall)
	}
}

// isDraining reports whether the server is shutting down.
func (s *senders) isDraining() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.draining
}

// sending is one large answer being sent.
type sending struct {
	s        *senders
	w        http.ResponseWriter
	rc       *http.ResponseController
	draining bool
	sent     int64
}

// start registers the sending of a large answer to w; end must follow.
func (s *senders) start(w http.ResponseWriter) *sending {
	x := &sending{s: s, w: w, rc: http.NewResponseController(w)}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.active == nil {
		s.active = map[*http.ResponseController]struct{}{}
	}
	s.active[x.rc] = struct{}{}
	x.draining = s.draining
	return x
}

func (x *sending) end() {
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	delete(x.s.active, x.rc)
}

// write writes p in chunks of sendChunk under the shutdown's rule.
func (x *sending) write(p []byte) error {
	for len(p) > 0 {
		n := min(len(p), sendChunk)
		if x.draining || x.s.isDraining() {
			x.draining = true
			_ = x.rc.SetWriteDeadline(time.Now().Add(drainStall))
		}
		k, err := x.w.Write(p[:n])
		x.sent += int64(k)
		if err != nil {
			return err
		}
		p = p[n:]
	}
	return nil
}

// Write is write as an io.Writer, for answers encoded while they are sent
// (see writeRows).
func (x *sending) Write(p []byte) (int, error) {
	before := x.sent
	err := x.write(p)
	return int(x.sent - before), err
}

// copy writes the n bytes that r holds.
func (x *sending) copy(r io.Reader, n int64) error {
	buf := make([]byte, min(n, sendChunk))
	for n > 0 {
		m, err := io.ReadFull(r, buf[:min(n, int64(len(buf)))])
		if err != nil {
			return err
		}
		if err := x.write(buf[:m]); err != nil {
			return err
		}
		n -= int64(m)
	}
	return nil
}
