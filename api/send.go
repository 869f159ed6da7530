package api

import (
	"io"
	"net/http"
	"sync"
	"time"
)

// Sending a large answer while the server shuts down. A collection's answer
// may be hundreds of megabytes; a client that stops reading it without
// closing its connection (a load generator cut off at the end of its run, a
// frozen process) leaves the write blocked until the server's WriteTimeout,
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

// add registers a large answer being sent and reports whether the server
// is shutting down.
func (s *senders) add(rc *http.ResponseController) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.active == nil {
		s.active = map[*http.ResponseController]struct{}{}
	}
	s.active[rc] = struct{}{}
	return s.draining
}

func (s *senders) remove(rc *http.ResponseController) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.active, rc)
}

// isDraining reports whether the server is shutting down.
func (s *senders) isDraining() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.draining
}

// send writes the body r, larger than sendChunk, to w in chunks under the
// shutdown's rule, and returns the bytes written.
func (s *senders) send(w http.ResponseWriter, r io.Reader) (int64, error) {
	rc := http.NewResponseController(w)
	draining := s.add(rc)
	defer s.remove(rc)
	buf := make([]byte, sendChunk)
	var sent int64
	for {
		m, rerr := io.ReadFull(r, buf)
		if m > 0 {
			if draining || s.isDraining() {
				draining = true
				_ = rc.SetWriteDeadline(time.Now().Add(drainStall))
			}
			k, err := w.Write(buf[:m])
			sent += int64(k)
			if err != nil {
				return sent, err
			}
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			return sent, nil
		}
		if rerr != nil {
			return sent, rerr
		}
	}
}
