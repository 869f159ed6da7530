package api

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/wire"
)

// A large collection of references is not built as text in the spill file:
// it would be written whole (743 MB at 870,000 references) and read back
// before its first byte is sent, as Content-Length must come first. Instead
// the rows themselves (the kind's Desc.RefCols, about a sixth of their text)
// go to the file, and the length of each chunk's text is counted without
// writing it (wire.ListWriter.ItemsLen). Once the store has been read, the length is known:
// the headers go out, and the rows are read back and encoded again in a
// goroutine while the text of the chunk before is being sent, so that
// encoding overlaps sending. The store is read once, so the answer is the
// same as the one built as text (the keyset reading of list).
//
// The count and the encoding agree (package wire holds them equal over
// every escape and kind). Should the text sent not have the length counted, or should the file fail to read back after
// the headers have gone out, the connection is closed (http.ErrAbortHandler)
// rather than a body of another length sent: the client sees a short body,
// never a wrong one.

// rowSpill is a collection whose rows after the first text in call.buf are
// kept in an unlinked file, with what is needed to encode them again.
type rowSpill struct {
	f     *os.File
	w     *bufio.Writer
	d     *emcdp.Desc
	cols  []*emcdp.Prop    // the kind's RefCols, in order
	count *wire.ListWriter // the list's writer: counts the rows' text
	send  wire.ListWriter  // its state when the rows began: writes them again
	base  string           // the base URL of the links
	k     emcdp.Kind       // the kind of the items
	chunk []byte           // one chunk of rows as written to the file
	size  int64            // bytes of text of the rows written so far
	tail  []byte           // the end of the list, after the rows
}

// rowCols returns the properties of the columns a reference of d is written
// from, or nil when some are not scalars of a type rows can keep.
func rowCols(d *emcdp.Desc) []*emcdp.Prop {
	if d == nil || len(d.RefCols) == 0 {
		return nil
	}
	cols := make([]*emcdp.Prop, len(d.RefCols))
	for i, col := range d.RefCols {
		p := d.Column(col)
		if p == nil || !p.Scalar() || p.Set == nil {
			return nil
		}
		switch p.Type {
		case emcdp.TypeUID, emcdp.TypeString, emcdp.TypeInt, emcdp.TypeEnum, emcdp.TypeBool, emcdp.TypeDateTime:
		default:
			return nil
		}
		cols[i] = p
	}
	return cols
}

// startRows makes the call keep the rest of its collection as rows (see
// rowSpill); w is the list's writer, whose text so far is in c.buf. It
// reports false, leaving the call as it was, when the kind's references
// cannot be kept as rows or no file can be made (the text spill then
// decides what to do).
func (h *Handler) startRows(c *call, k emcdp.Kind, w *wire.ListWriter) bool {
	d := emcdp.KindDesc(k)
	cols := rowCols(d)
	if cols == nil {
		return false
	}
	f, err := os.CreateTemp(h.spillDir, "emcdp-rows-*")
	if err != nil {
		return false
	}
	_ = os.Remove(f.Name())
	c.rows = &rowSpill{f: f, w: bufio.NewWriterSize(f, 64<<10), d: d, cols: cols,
		count: w, send: *w, base: c.base, k: k}
	return true
}

// add writes the rows of res to the file and counts their text.
func (r *rowSpill) add(res *emcdp.QueryResult) error {
	r.size += r.count.ItemsLen(r.base, res)
	n := r.d.Len(res)
	b := r.chunk[:0]
	for i := 0; i < n; i++ {
		b = r.appendRow(b, r.d.At(res, i))
	}
	r.chunk = b
	var hd [2 * binary.MaxVarintLen64]byte
	h := binary.AppendUvarint(binary.AppendUvarint(hd[:0], uint64(len(b))), uint64(n))
	if _, err := r.w.Write(h); err != nil {
		return fmt.Errorf("spill rows: %w", err)
	}
	if _, err := r.w.Write(b); err != nil {
		return fmt.Errorf("spill rows: %w", err)
	}
	return nil
}

// finish ends the rows with the list's end, tail.
func (r *rowSpill) finish(tail []byte) error {
	r.tail = tail
	if err := r.w.Flush(); err != nil {
		return fmt.Errorf("spill rows: %w", err)
	}
	return nil
}

// length is the number of bytes of text the rows and the tail make.
func (r *rowSpill) length() int64 { return r.size + int64(len(r.tail)) }

// appendRow appends the values of item's columns.
func (r *rowSpill) appendRow(b []byte, item any) []byte {
	for _, p := range r.cols {
		v := p.Get(item)
		switch p.Type {
		case emcdp.TypeUID:
			b = append(b, v.ID[:]...)
		case emcdp.TypeString:
			b = append(binary.AppendUvarint(b, uint64(len(v.Str))), v.Str...)
		case emcdp.TypeInt, emcdp.TypeEnum:
			b = binary.AppendVarint(b, v.Int)
		case emcdp.TypeBool:
			if v.Bool {
				b = append(b, 1)
			} else {
				b = append(b, 0)
			}
		case emcdp.TypeDateTime:
			n := len(b)
			b = append(b, 0)
			b, _ = v.Time.AppendBinary(b) // fails only for a zone offset beyond ±18 h, which no store returns
			b[n] = byte(len(b) - n - 1)
		}
	}
	return b
}

// errBadRows is the error of a chunk of rows that does not decode, which
// only a file changed under the server gives.
var errBadRows = errors.New("spilled rows do not decode")

// rowsError is a failure to read the rows back, as opposed to one of the
// connection.
type rowsError struct{ error }

// readRows decodes a chunk of n rows of payload into res.
func (r *rowSpill) readRows(res *emcdp.QueryResult, payload []byte, n int) error {
	s := string(payload) // one copy; the strings of the rows share it
	i := 0
	for ; n > 0; n-- {
		item := r.d.Add(res)
		for _, p := range r.cols {
			var v emcdp.Value
			switch p.Type {
			case emcdp.TypeUID:
				if i+len(v.ID) > len(s) {
					return errBadRows
				}
				copy(v.ID[:], s[i:])
				i += len(v.ID)
			case emcdp.TypeString:
				l, m := binary.Uvarint(payload[i:])
				if m <= 0 || uint64(len(s)-i-m) < l {
					return errBadRows
				}
				i += m
				v.Str = s[i : i+int(l)]
				i += int(l)
			case emcdp.TypeInt, emcdp.TypeEnum:
				x, m := binary.Varint(payload[i:])
				if m <= 0 {
					return errBadRows
				}
				v.Int, v.Bool = x, x != 0
				i += m
			case emcdp.TypeBool:
				if i >= len(s) {
					return errBadRows
				}
				v.Bool = s[i] == 1
				i++
			case emcdp.TypeDateTime:
				if i >= len(s) || i+1+int(s[i]) > len(s) {
					return errBadRows
				}
				l := int(s[i])
				if err := v.Time.UnmarshalBinary(payload[i+1 : i+1+l]); err != nil {
					return errBadRows
				}
				i += 1 + l
			}
			p.Set(item, v)
		}
	}
	if i != len(s) {
		return errBadRows
	}
	return nil
}

// encoded is a chunk's text from the encoding goroutine of writeRows, or
// the error that stopped it.
type encoded struct {
	text []byte
	err  error
}

// writeRows sends c.buf, then the rows' text, then the tail. The rows are
// read back and encoded in a goroutine one chunk ahead of the sending.
func (c *call) writeRows(w io.Writer) (int64, error) {
	r := c.rows
	defer c.discardSpill()
	if _, err := r.f.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	n, err := w.Write(c.buf)
	sent := int64(n)
	if err != nil {
		return sent, err
	}
	out := make(chan encoded)
	free := make(chan []byte, 2)
	free <- nil
	free <- nil
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(out)
		r.encode(out, free, stop)
	}()
	defer func() {
		close(stop)
		<-done
	}()
	for e := range out {
		if e.err != nil {
			return sent, rowsError{fmt.Errorf("read spilled rows: %w", e.err)}
		}
		n, err := w.Write(e.text)
		sent += int64(n)
		if err != nil {
			return sent, err
		}
		free <- e.text[:0]
	}
	n, err = w.Write(r.tail)
	return sent + int64(n), err
}

// encode reads the chunks of rows back and sends the text of each on out,
// in buffers taken from free, until the file ends, an error (sent on out)
// or stop.
func (r *rowSpill) encode(out chan<- encoded, free <-chan []byte, stop <-chan struct{}) {
	br := bufio.NewReaderSize(r.f, 64<<10)
	var res emcdp.QueryResult
	send := r.send
	for {
		size, err := binary.ReadUvarint(br)
		if err == io.EOF {
			return
		}
		var rows uint64
		if err == nil {
			rows, err = binary.ReadUvarint(br)
		}
		if err == nil && size > uint64(cap(r.chunk)) {
			err = errBadRows // every chunk was built in r.chunk
		}
		if err == nil {
			r.chunk = r.chunk[:size]
			_, err = io.ReadFull(br, r.chunk)
		}
		if err == nil {
			res = emptied(res)
			err = r.readRows(&res, r.chunk, int(rows))
		}
		var text []byte
		select {
		case text = <-free:
		case <-stop:
			return
		}
		if err == nil {
			text = send.Items(text, r.base, &res)
		}
		select {
		case out <- encoded{text, err}:
			if err != nil {
				return
			}
		case <-stop:
			return
		}
	}
}

// emptied returns res with no items, keeping its slices' room.
func emptied(res emcdp.QueryResult) emcdp.QueryResult {
	return emcdp.QueryResult{BackupServers: res.BackupServers[:0], CdpPolicies: res.CdpPolicies[:0],
		PolicySessions: res.PolicySessions[:0], TaskSessions: res.TaskSessions[:0], Items: res.Items[:0]}
}
