package api

import (
	"encoding/binary"
	"math/bits"
	"slices"
)

// The body cache keeps each answer packed: as copies from its shape's
// dictionary, copies from earlier in the answer itself, and literal bytes.
// The answers of one shape (format, representation and base URL) share
// long constant stretches: the XML declaration and namespaces, the base
// URL, the element and attribute names, the link boilerplate; and each
// repeats its own id and names. What is left are the ids, names, times and
// figures of the task session: a packed XML entity of 1,379 bytes takes
// about 300. The dictionary of a shape is the first answer cached in it.
//
// A packed body is a sequence of operations, each a tag byte whose top two
// bits say which (packLiteral, packDict, packSelf) and whose low six bits
// are the length (1–63; 0: the length follows as a uvarint), then for a
// literal its bytes, for a copy the uvarint offset of its source: in the
// dictionary, or in the body from its start.
const (
	packLiteral = 0
	packDict    = 1
	packSelf    = 2
)

// packMinMatch is the shortest copy worth its tag and offset (3 bytes, and
// the literal it interrupts one more).
const packMinMatch = 6

// The hash tables of 6-byte runs: the dictionary's is built once per shape,
// the answer's own is on the stack of each pack.
const (
	packDictBits = 12
	packSelfBits = 9
)

// bodyDict is the dictionary of one shape; it never changes once made, so
// readers need no lock.
type bodyDict struct {
	body  []byte
	table [1 << packDictBits]int32 // 1 + the first position of a run, by hash; 0: none
	idx   uint16                   // the shape's number in bodyKey
}

func newBodyDict(body []byte, idx uint16) *bodyDict {
	// The dictionary keeps unpackRoom bytes of room past its end (see
	// unpack).
	d := &bodyDict{body: append(make([]byte, 0, len(body)+unpackRoom), body...), idx: idx}
	for i := 0; i+8 <= len(d.body); i++ {
		if h := packHash(d.body[i:], packDictBits); d.table[h] == 0 {
			d.table[h] = int32(i + 1)
		}
	}
	return d
}

// packHash hashes the 6 bytes at b[0:6] (b holds at least 8) to n bits.
func packHash(b []byte, n uint) uint32 {
	return uint32((binary.LittleEndian.Uint64(b) << 16) * 0x9E3779B97F4A7C15 >> (64 - n))
}

// matchLen returns the length of the common prefix of a and b.
func matchLen(a, b []byte) int {
	n := 0
	for len(a) >= 8 && len(b) >= 8 {
		if x := binary.LittleEndian.Uint64(a) ^ binary.LittleEndian.Uint64(b); x != 0 {
			return n + bits.TrailingZeros64(x)/8
		}
		a, b, n = a[8:], b[8:], n+8
	}
	for len(a) > 0 && len(b) > 0 && a[0] == b[0] {
		a, b, n = a[1:], b[1:], n+1
	}
	return n
}

// pack appends body packed against d to dst: greedily, at each position the
// longer of the dictionary's and the answer's own earlier run with the same
// hash, when it is at least packMinMatch long.
func (d *bodyDict) pack(dst, body []byte) []byte {
	var self [1 << packSelfBits]int32
	lit := 0
	for i := 0; i+8 <= len(body); {
		best, op, off := 0, 0, 0
		if p := int(d.table[packHash(body[i:], packDictBits)]) - 1; p >= 0 {
			best, op, off = matchLen(d.body[p:], body[i:]), packDict, p
		}
		h := packHash(body[i:], packSelfBits)
		if p := int(self[h]) - 1; p >= 0 {
			if n := matchLen(body[p:i], body[i:]); n > best {
				best, op, off = n, packSelf, p
			}
		}
		if best < packMinMatch {
			self[h] = int32(i + 1)
			i++
			continue
		}
		dst = packOp(dst, packLiteral, body[lit:i])
		dst = binary.AppendUvarint(packTag(dst, op, best), uint64(off))
		i += best
		lit = i
	}
	return packOp(dst, packLiteral, body[lit:])
}

// packOp appends a literal of b (nothing when b is empty).
func packOp(dst []byte, op int, b []byte) []byte {
	if len(b) == 0 {
		return dst
	}
	return append(packTag(dst, op, len(b)), b...)
}

func packTag(dst []byte, op, n int) []byte {
	if n < 64 {
		return append(dst, byte(op<<6|n))
	}
	return binary.AppendUvarint(append(dst, byte(op<<6)), uint64(n))
}

// unpack appends the body of n bytes that p, packed against d, stands for
// to dst. It grows dst once and copies each operation in place: one of up
// to 64 bytes whose source has room for a whole block of 16, 32 or 64 bytes
// is copied as that many words, without a call to memmove (nearly every
// operation of an answer is that short); lengths and offsets of one and two
// bytes, nearly all of them, are read in place. The room is looked for up to
// the capacity of the source, not only its length: the dictionary keeps
// unpackRoom bytes past its end for this, dst is grown by as many, and the
// cache's gathered packed body has its buffer's room.
func (d *bodyDict) unpack(dst, p []byte, n int) []byte {
	start := len(dst)
	// The room of unpackRoom bytes past the end lets the last operation
	// write a whole block; the bytes beyond n are cut off below.
	dst = slices.Grow(dst, n+unpackRoom)[:start+n+unpackRoom]
	w := start
	for i := 0; i < len(p); {
		tag := p[i]
		k := int(tag & 63)
		i++
		if k == 0 {
			// A length of 64 or more follows as a uvarint: of one or
			// two bytes, nearly always, read in place.
			switch k = int(p[i]); {
			case k < 0x80:
				i++
			case p[i+1] < 0x80:
				k, i = k&0x7f|int(p[i+1])<<7, i+2
			default:
				k, i = uvarint(p, i)
			}
		}
		src, o := p, i
		if tag>>6 == packLiteral {
			i += k
		} else {
			// The offset, as uvarint reads it; its forms of one and two
			// bytes, nearly all of them, without a call.
			switch o = int(p[i]); {
			case o < 0x80:
				i++
			case p[i+1] < 0x80:
				o, i = o&0x7f|int(p[i+1])<<7, i+2
			default:
				o, i = uvarint(p, i)
			}
			if tag>>6 == packDict {
				src = d.body
			} else {
				// A copy from earlier in the answer ends where this one
				// starts or before (pack matches only body[:i]), so the
				// bytes it reads are never ones it writes; a block reads
				// all its words before it writes any.
				src, o = dst, start+o
			}
		}
		switch {
		case k <= 16 && o+16 <= cap(src):
			copy16((*[16]byte)(dst[w:w+16]), (*[16]byte)(src[o:o+16]))
		case k <= 32 && o+32 <= cap(src):
			copy32((*[32]byte)(dst[w:w+32]), (*[32]byte)(src[o:o+32]))
		case k <= 64 && o+64 <= cap(src):
			copy64((*[64]byte)(dst[w:w+64]), (*[64]byte)(src[o:o+64]))
		default:
			copy(dst[w:w+k], src[o:o+k])
		}
		w += k
	}
	return dst[:w]
}

// unpackRoom is the room past its end that unpack needs of dst to copy
// any operation as a whole block, and that a dictionary keeps so that its
// last bytes are copied so too.
const unpackRoom = 64

// copy16, copy32 and copy64 copy a block as words, every word read before
// any is written.
func copy16(t, s *[16]byte) {
	a, b := binary.LittleEndian.Uint64(s[0:8]), binary.LittleEndian.Uint64(s[8:16])
	binary.LittleEndian.PutUint64(t[0:8], a)
	binary.LittleEndian.PutUint64(t[8:16], b)
}

func copy32(t, s *[32]byte) {
	a, b := binary.LittleEndian.Uint64(s[0:8]), binary.LittleEndian.Uint64(s[8:16])
	c, e := binary.LittleEndian.Uint64(s[16:24]), binary.LittleEndian.Uint64(s[24:32])
	binary.LittleEndian.PutUint64(t[0:8], a)
	binary.LittleEndian.PutUint64(t[8:16], b)
	binary.LittleEndian.PutUint64(t[16:24], c)
	binary.LittleEndian.PutUint64(t[24:32], e)
}

func copy64(t, s *[64]byte) {
	a, b := binary.LittleEndian.Uint64(s[0:8]), binary.LittleEndian.Uint64(s[8:16])
	c, e := binary.LittleEndian.Uint64(s[16:24]), binary.LittleEndian.Uint64(s[24:32])
	f, g := binary.LittleEndian.Uint64(s[32:40]), binary.LittleEndian.Uint64(s[40:48])
	h, j := binary.LittleEndian.Uint64(s[48:56]), binary.LittleEndian.Uint64(s[56:64])
	binary.LittleEndian.PutUint64(t[0:8], a)
	binary.LittleEndian.PutUint64(t[8:16], b)
	binary.LittleEndian.PutUint64(t[16:24], c)
	binary.LittleEndian.PutUint64(t[24:32], e)
	binary.LittleEndian.PutUint64(t[32:40], f)
	binary.LittleEndian.PutUint64(t[40:48], g)
	binary.LittleEndian.PutUint64(t[48:56], h)
	binary.LittleEndian.PutUint64(t[56:64], j)
}

// uvarint decodes the uvarint at p[i:] and returns it and the index after
// it.
func uvarint(p []byte, i int) (int, int) {
	v, m := binary.Uvarint(p[i:])
	if m <= 0 {
		panic("api: packed body with a malformed length or offset")
	}
	return int(v), i + m
}
