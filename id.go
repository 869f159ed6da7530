package emcdp

import (
	"crypto/rand"
	"encoding/binary"
	"io"
)

// ID is the 128-bit identifier of a resource, written as a lower-case,
// hyphenated GUID. Ordering IDs byte by byte is the same as ordering their
// string forms, which is what "ties are broken by id" relies on in every store.
type ID [16]byte

// NewID returns a random (version 4) ID from crypto/rand: 122 random bits.
func NewID() ID {
	id, err := ReadID(rand.Reader)
	if err != nil {
		panic("emcdp: crypto/rand failed: " + err.Error())
	}
	return id
}

// ReadID makes a version 4 ID from 16 bytes of r. The simulator uses it with a
// seeded source so that the same seed gives the same IDs.
func ReadID(r io.Reader) (ID, error) {
	var id ID
	if _, err := io.ReadFull(r, id[:]); err != nil {
		return ID{}, err
	}
	id[6] = id[6]&0x0f | 0x40
	id[8] = id[8]&0x3f | 0x80
	return id, nil
}

// ParseID parses a GUID in the 8-4-4-4-12 form, in any letter case.
// It reports false for anything else, including braces and the 32-digit form.
func ParseID(s string) (ID, bool) {
	var b [36]byte
	if len(s) != len(b) {
		return ID{}, false
	}
	copy(b[:], s)
	return ParseIDBytes(b[:])
}

// idHexAt is where each byte of an ID is in its text form.
var idHexAt = [16]uint8{0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34}

// hexValue is the value of each hexadecimal digit, and 0xff of every other byte.
var hexValue = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = byte(c-'a') + 10
		t[c-'a'+'A'] = byte(c-'a') + 10
	}
	return t
}()

// ParseIDBytes is ParseID of the text in s, without making a string of it.
func ParseIDBytes(s []byte) (ID, bool) {
	var id ID
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return id, false
	}
	var bad byte
	for j, i := range idHexAt {
		hi, lo := hexValue[s[i]], hexValue[s[i+1]]
		bad |= hi | lo
		id[j] = hi<<4 | lo
	}
	if bad > 0x0f {
		return ID{}, false
	}
	return id, true
}

// String returns the lower-case hyphenated form.
func (id ID) String() string {
	var b [36]byte
	id.put(b[:])
	return string(b[:])
}

// AppendTo appends the lower-case hyphenated form to b without allocating
// more than b's growth.
func (id ID) AppendTo(b []byte) []byte {
	n := len(b)
	b = append(b, make([]byte, 36)...)
	id.put(b[n:])
	return b
}

// put writes the text form into b[:36], eight digits at a time (hexWord):
// ids are written several times into every answer, and encoding/hex's byte
// loop was a fifth of writing a list of references.
func (id ID) put(b []byte) {
	_ = b[35]
	binary.BigEndian.PutUint64(b[0:8], hexWord(binary.BigEndian.Uint32(id[0:4])))
	b[8] = '-'
	w := hexWord(binary.BigEndian.Uint32(id[4:8]))
	binary.BigEndian.PutUint32(b[9:13], uint32(w>>32))
	b[13] = '-'
	binary.BigEndian.PutUint32(b[14:18], uint32(w))
	b[18] = '-'
	w = hexWord(binary.BigEndian.Uint32(id[8:12]))
	binary.BigEndian.PutUint32(b[19:23], uint32(w>>32))
	b[23] = '-'
	binary.BigEndian.PutUint32(b[24:28], uint32(w))
	binary.BigEndian.PutUint64(b[28:36], hexWord(binary.BigEndian.Uint32(id[12:16])))
}

// hexWord returns the eight lower-case hex digits of v, most significant
// first in the word's big-endian order. Each nibble is spread into a byte of
// its own; a nibble n becomes '0'+n, plus 39 ('a'-'0'-10) when n+6 carries
// into bit 4, that is when n is 10 or more. No byte can overflow into the
// next, since a nibble plus 6 is at most 21.
func hexWord(v uint32) uint64 {
	const (
		low    = 0x0101010101010101
		nibble = 0x0f0f0f0f0f0f0f0f
	)
	x := uint64(v)
	x = (x | x<<16) & 0x0000ffff0000ffff
	x = (x | x<<8) & 0x00ff00ff00ff00ff
	x = (x | x<<4) & nibble
	return x + low*'0' + ((x+low*6)>>4&low)*('a'-'0'-10)
}

// IsZero reports whether id is the all-zero ID, which names nothing.
func (id ID) IsZero() bool { return id == ID{} }

// sqlGUIDOrder lists the bytes of an ID (in the order of its text form) in
// the order SQL Server compares uniqueidentifiers (.NET's SqlGuid): the
// last six bytes first, then the two before them, then the third, second
// and first groups, each byte by byte in the order SQL Server stores them,
// low byte first.
var sqlGUIDOrder = [16]int{10, 11, 12, 13, 14, 15, 8, 9, 7, 6, 5, 4, 3, 2, 1, 0}

// CompareGUID compares a and b as SQL Server orders uniqueidentifiers,
// the order in which the product lists rows it reads by one (a job
// session's restore points, docs/compatibility.md): -1, 0 or +1.
func CompareGUID(a, b ID) int {
	for _, i := range sqlGUIDOrder {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}
