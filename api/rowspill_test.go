package api

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/wire"
)

// rowsCase reads the long collection's task sessions into a call, as
// ServeHTTP would before writing them; the call keeps its rows in a file.
func rowsCase(t *testing.T, h *Handler, accept string) *call {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, "https://em.lab.local:9398/api/cdpReplicaTaskSessions", nil)
	if accept != "" {
		r.Header.Set("Accept", accept)
	}
	c := &call{r: r, enc: h.negotiate(r), base: h.base(r), status: http.StatusOK}
	c.deadline.init(r.Context(), time.Now().Add(time.Minute))
	t.Cleanup(c.deadline.end)
	if err := h.list(c, emcdp.KindCdpReplicaTaskSession, nil); err != nil {
		t.Fatal(err)
	}
	if c.rows == nil {
		t.Fatalf("Accept %q: %d bytes in memory, %d in a text spill, none kept as rows", accept, len(c.buf), c.spilled)
	}
	return c
}

// TestCollectionRows: a large collection of references is kept as rows,
// counted, and encoded again while it is sent: the body is exactly
// wire.List's, in XML and JSON (whose item separators depend on the items
// written before the rows began), with the Content-Length counted before
// the first byte. A session written after the store was read (between the
// counting and the sending) changes neither: the store is read once. The
// oldest sessions, which come last and so among the rows, have names that
// need escaping, so that the count of their text is checked too.
func TestCollectionRows(t *testing.T) {
	lc := newLongCollection(t, 3*listChunk+500)
	ctx := context.Background()
	odd := []string{`a&b<c>d"e`, "tab\tnl\ncr\r\x01", "café 日本 😀", "bad\xff utf8", "\u0085\u2028", `back\slash`,
		strings.Repeat("long <&> name ", 200), "vm\"@2026-06-01 10:00:00.9996"}
	var b emcdp.Batch
	for i, name := range odd {
		created := lc.now.Add(-20*24*time.Hour - time.Duration(i)*time.Second)
		b.NewTaskSessions = append(b.NewTaskSessions, emcdp.TaskSession{ID: emcdp.NewID(), Name: name,
			PolicySessionID: lc.ps.ID, PolicySessionName: odd[(i+1)%len(odd)], PolicyID: lc.ps.PolicyID,
			BackupServerID: lc.ps.BackupServerID, BackupServerName: odd[(i+2)%len(odd)], VmDisplayName: name,
			CreationTime: created, EndTime: created.Add(time.Minute), State: emcdp.TaskCompleted, Result: emcdp.ResultSuccess})
	}
	if err := lc.st.Apply(ctx, &b); err != nil {
		t.Fatal(err)
	}
	h := newHandler(Config{Store: lc.st, Auth: lc.svc, Clock: emcdp.NewManualClock(lc.now), SpillDir: t.TempDir()})
	created, _ := emcdp.LookupField(emcdp.KindCdpReplicaTaskSession, "CreationTimeUTC")
	const base = "https://em.lab.local:9398/api"
	for i, accept := range []string{"", "application/json"} {
		all, err := lc.st.Query(ctx, &emcdp.Query{Kind: emcdp.KindCdpReplicaTaskSession, Sort: &created, Desc: true,
			Filter: &emcdp.Term{Field: created, Op: emcdp.OpGe, Value: emcdp.Value{Time: lc.now.Add(-30 * 24 * time.Hour)}}})
		if err != nil {
			t.Fatal(err)
		}
		c := rowsCase(t, h, accept)
		// A write between the store's reading and the sending.
		newest := all.TaskSessions[0]
		newest.ID, newest.CreationTime = emcdp.NewID(), lc.now.Add(time.Duration(i+1)*time.Second)
		if err := lc.st.Apply(ctx, &emcdp.Batch{NewTaskSessions: []emcdp.TaskSession{newest}}); err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		c.w = w
		h.write(c)
		want := c.enc.List(nil, base, emcdp.KindCdpReplicaTaskSession, all, wire.Reference)
		if got := w.Body.Bytes(); !bytes.Equal(got, want) {
			t.Errorf("Accept %q: the collection kept as rows differs from the whole list (%d vs %d bytes)", accept, len(got), len(want))
		}
		if cl := w.Header().Get("Content-Length"); cl != strconv.Itoa(len(want)) {
			t.Errorf("Accept %q: Content-Length %s for a %d-byte list", accept, cl, len(want))
		}
		if c.rows != nil {
			t.Errorf("Accept %q: the rows' file is still open after the answer", accept)
		}
	}
}

// TestCollectionRowsCutShort: when the rows cannot be read back after the
// headers have gone out, the handler aborts (net/http then closes the
// connection) instead of finishing a body shorter than its Content-Length;
// when the client goes away, the sending stops without waiting for the
// encoding.
func TestCollectionRowsCutShort(t *testing.T) {
	lc := newLongCollection(t, 3*listChunk+500)
	h := newHandler(Config{Store: lc.st, Auth: lc.svc, Clock: emcdp.NewManualClock(lc.now), SpillDir: t.TempDir()})

	c := rowsCase(t, h, "")
	size, err := c.rows.f.Seek(0, io.SeekEnd)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.rows.f.Truncate(size / 2); err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	c.w = w
	func() {
		defer func() {
			if p := recover(); p != http.ErrAbortHandler {
				t.Errorf("a truncated file of rows: recovered %v, want http.ErrAbortHandler", p)
			}
		}()
		h.write(c)
	}()
	if cl, _ := strconv.Atoi(w.Header().Get("Content-Length")); w.Body.Len() >= cl {
		t.Errorf("a truncated file of rows: %d bytes sent of a Content-Length of %d", w.Body.Len(), cl)
	}

	// A count that disagrees with the text sent.
	c = rowsCase(t, h, "")
	c.spilled++
	w = httptest.NewRecorder()
	c.w = w
	func() {
		defer func() {
			if p := recover(); p != http.ErrAbortHandler {
				t.Errorf("a count one byte longer than the text: recovered %v, want http.ErrAbortHandler", p)
			}
		}()
		h.write(c)
	}()

	c = rowsCase(t, h, "")
	gone := errors.New("connection reset")
	n, err := c.writeRows(&failAfter{n: 1 << 20, err: gone})
	if !errors.Is(err, gone) || n > 1<<20 {
		t.Errorf("a client gone after 1 MiB: %d bytes, %v", n, err)
	}
}

// failAfter is a writer that takes n bytes, then fails with err.
type failAfter struct {
	n   int
	err error
}

func (f *failAfter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		n := f.n
		f.n = 0
		return n, f.err
	}
	f.n -= len(p)
	return len(p), nil
}
