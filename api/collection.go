package api

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/wire"
)

// A session collection may hold hundreds of thousands of sessions (the
// contract does not page collections). It is read from the store in chunks
// of listChunk rows, each chunk after the last one's position (keyset
// paging, so rows written meanwhile neither repeat nor shift the reading),
// and once the answer passes spillAt bytes it goes on in an unlinked
// temporary file in Config.SpillDir (a collection of references as its
// rows, see rowSpill), so memory stays flat however large the answer
// grows (two chunks are in memory at once: the next is read while the last
// is written). The answer is sent with its Content-Length once complete,
// as clients need. When no file can be made there, the answer
// stays in memory up to maxMemoryAnswer bytes, and a larger one is refused
// with 503.
const (
	listChunk       = 2000
	spillAt         = 4 << 20
	maxMemoryAnswer = 64 << 20
)

// list answers a collection: every backup server or policy by name, or the
// sessions created within the session window, newest first then id, further
// restricted by parent when it is not nil.
func (h *Handler) list(c *call, k emcdp.Kind, parent emcdp.Expr) error {
	rep, err := c.rep()
	if err != nil {
		return err
	}
	release, err := h.scanSlot(c)
	if err != nil {
		return err
	}
	defer release()
	d := emcdp.KindDesc(k)
	windowed := d != nil && d.Session
	if !windowed {
		q := &emcdp.Query{Kind: k}
		if d := emcdp.DescOf(k); d != nil && d.Newest {
			created := mustField(k, "CreationTimeUTC")
			q.Sort, q.Desc = &created, true
		}
		if parent != nil {
			q.Filter = parent
		}
		res, err := h.store.Query(c.ctx(), q)
		if err != nil {
			return err
		}
		c.buf = c.enc.List(c.buf, c.base, k, res, rep)
		return nil
	}
	created := mustField(k, "CreationTimeUTC")
	var base emcdp.Expr = &emcdp.Term{Field: created, Op: emcdp.OpGe,
		Value: emcdp.Value{Time: h.clock.Now().Add(-h.window)}}
	if parent != nil {
		base = &emcdp.And{Terms: []emcdp.Expr{parent, base}}
	}
	q := &emcdp.Query{Kind: k, Filter: base, Sort: &created, Desc: true,
		PageSize: listChunk, Page: 1, NoTotal: true, Refs: rep != wire.Entity}
	res, err := h.store.Query(c.ctx(), q)
	if err != nil {
		return err
	}
	w := c.enc.ListWriter(k, rep)
	empty := res.Len() == 0
	c.buf = w.Open(c.buf, empty)
	if empty {
		return nil
	}
	for {
		// The next chunk is read while this one is written: the store's
		// reading and the encoding take about as long as each other, and
		// each keeps one core busy.
		var next <-chan chunk
		if res.Len() == listChunk {
			next = h.readChunk(c.ctx(), *q, &emcdp.And{Terms: []emcdp.Expr{base, after(k, created, res)}})
		}
		var err error
		if c.rows != nil {
			err = c.rows.add(res)
		} else {
			c.buf = w.Items(c.buf, c.base, res)
			if !q.Refs || len(c.buf) < spillAt || c.spill != nil || !h.startRows(c, k, w) {
				err = h.spillIfLarge(c)
			}
		}
		if next == nil {
			if err != nil {
				return err
			}
			break
		}
		r := <-next // also after an error, so that no read outlives the call
		if err != nil {
			return err
		}
		if r.err != nil {
			return r.err
		}
		if res = r.res; res.Len() == 0 {
			break
		}
	}
	if c.rows != nil {
		err := c.rows.finish(w.Close(nil))
		c.spilled = c.rows.length()
		return err
	}
	c.buf = w.Close(c.buf)
	return nil
}

// chunk is a chunk of a collection read by readChunk.
type chunk struct {
	res *emcdp.QueryResult
	err error
}

// readChunk reads the chunk of q (a copy, whose filter becomes filter) in
// its own goroutine; the chunk arrives on the channel returned.
func (h *Handler) readChunk(ctx context.Context, q emcdp.Query, filter emcdp.Expr) <-chan chunk {
	q.Filter = filter
	ch := make(chan chunk, 1)
	go func() {
		res, err := h.store.Query(ctx, &q)
		ch <- chunk{res, err}
	}()
	return ch
}

// after is the filter of the rows that follow the last row of res in the
// collection order (creation time descending, then id ascending):
// CreationTimeUTC <= t AND (CreationTimeUTC < t OR Id > id). The first term
// bounds the index range so that each chunk starts where the last ended.
func after(k emcdp.Kind, created emcdp.Field, res *emcdp.QueryResult) emcdp.Expr {
	d := emcdp.KindDesc(k)
	last := d.At(res, d.Len(res)-1)
	t, id := d.Column("creation_time").Get(last), d.ID(last)
	idField := mustField(k, "Id")
	return &emcdp.And{Terms: []emcdp.Expr{
		&emcdp.Term{Field: created, Op: emcdp.OpLe, Value: t},
		&emcdp.Or{Terms: []emcdp.Expr{
			&emcdp.Term{Field: created, Op: emcdp.OpLt, Value: t},
			&emcdp.Term{Field: idField, Op: emcdp.OpGt, Value: emcdp.Value{ID: id}},
		}},
	}}
}

// spillIfLarge moves the answer built so far into the call's spill file once
// it passes spillAt bytes. The file is unlinked at once, so nothing is left
// behind whatever happens to the process. When the file cannot be made, the
// answer goes on in memory up to maxMemoryAnswer bytes.
func (h *Handler) spillIfLarge(c *call) error {
	if len(c.buf) < spillAt {
		return nil
	}
	if c.spill == nil {
		f, err := os.CreateTemp(h.spillDir, "emcdp-answer-*")
		if err != nil {
			if !h.spillWarned.Swap(true) {
				h.log.Warn("cannot spill large answers to a file; keeping them in memory up to a bound",
					"dir", h.spillDir, "max_bytes", maxMemoryAnswer, "err", err)
			}
			if len(c.buf) >= maxMemoryAnswer {
				return emcdp.Errorf(emcdp.EUnavailable,
					"The answer is larger than %d MiB and the server has no writable folder to build it in; ask for less with the query service (pageSize, filter)",
					maxMemoryAnswer>>20)
			}
			return nil
		}
		_ = os.Remove(f.Name())
		c.spill = f
	}
	n, err := c.spill.Write(c.buf)
	c.spilled += int64(n)
	c.buf = c.buf[:0]
	if err != nil {
		return fmt.Errorf("spill answer: %w", err)
	}
	return nil
}

// discardSpill drops a spilled answer (an error replaces it).
func (c *call) discardSpill() {
	if c.spill != nil {
		c.spill.Close()
		c.spill, c.spilled = nil, 0
	}
	if c.rows != nil {
		c.rows.f.Close()
		c.rows, c.spilled = nil, 0
	}
}

// writeSpilled sends a spilled answer: the file, then what is left in buf.
func (c *call) writeSpilled(s *senders) (int64, error) {
	defer c.discardSpill()
	if _, err := c.spill.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	x := s.start(c.w)
	defer x.end()
	err := x.copy(c.spill, c.spilled)
	if err == nil {
		err = x.write(c.buf)
	}
	return x.sent, err
}
