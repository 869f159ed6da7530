package api

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/wire"
)

// packSession returns the i-th of a run of ended task sessions that differ
// in every field an answer shows.
func packSession(i int) *emcdp.TaskSession {
	created := time.Date(2026, 6, 15, 23, 0, 6, 510_000_000, time.UTC).Add(time.Duration(i) * 7 * time.Hour)
	vm := fmt.Sprintf("sql-prod-%02d", i)
	ts := &emcdp.TaskSession{
		ID: emcdp.NewID(), Name: emcdp.SessionName(vm, created),
		PolicySessionID: emcdp.NewID(), PolicySessionName: emcdp.SessionName("CDP Tier-1 SQL", created.Add(-8*time.Hour)),
		PolicyID: emcdp.NewID(), BackupServerID: emcdp.NewID(), BackupServerName: fmt.Sprintf("vbr-%d.lab.local", i),
		VmDisplayName: vm, CreationTime: created, EndTime: created.Add(time.Duration(i+1) * time.Hour),
		State: emcdp.TaskCompleted, Result: emcdp.ResultSuccess, TotalSize: int64(i) << 33,
	}
	if i%3 == 1 {
		ts.Result, ts.Reason = emcdp.ResultFailed, "Réplica <failed> & \"retried\" 复制"
	}
	return ts
}

// TestBodyPack packs answers of each representation against the first
// answer of their shape and checks that they unpack to themselves, and that
// they take at most the share of their size the cache's capacity
// (DefaultBodyCacheBytes) was worked out with.
func TestBodyPack(t *testing.T) {
	for _, f := range []wire.Format{wire.XML, wire.JSON} {
		for _, rep := range []wire.Rep{wire.Reference, wire.Entity} {
			enc := wire.Encoder{Format: f}
			var d *bodyDict
			var raw, packed int
			for i := range 20 {
				body := enc.TaskSession(nil, "https://127.0.0.1:9398/api", packSession(i), rep)
				if d == nil {
					d = newBodyDict(body, 0)
					continue
				}
				p := d.pack([]byte("prefix"), body)
				got := d.unpack([]byte("before"), p[len("prefix"):], len(body))
				if !bytes.Equal(got[len("before"):], body) || string(got[:len("before")]) != "before" {
					t.Fatalf("format %d rep %d session %d: unpacked\n%s\nwant\n%s", f, rep, i, got, body)
				}
				raw, packed = raw+len(body), packed+len(p)-len("prefix")
			}
			t.Logf("format %d rep %d: %d bytes packed into %d (%.0f %%)", f, rep, raw, packed, 100*float64(packed)/float64(raw))
			if packed*100 > raw*35 {
				t.Errorf("format %d rep %d: %d bytes packed into %d, more than 35 %%", f, rep, raw, packed)
			}
		}
	}
}

// FuzzBodyPack checks that any body packed against any dictionary unpacks
// to itself.
func FuzzBodyPack(f *testing.F) {
	enc := wire.Encoder{}
	f.Add(enc.TaskSession(nil, "https://a/api", packSession(0), wire.Entity), enc.TaskSession(nil, "https://b/api", packSession(1), wire.Entity))
	f.Add([]byte("abcdefgh"), bytes.Repeat([]byte("abcdefgh"), 40))
	f.Add([]byte{}, bytes.Repeat([]byte{0}, 300))
	f.Fuzz(func(t *testing.T, dict, body []byte) {
		d := newBodyDict(dict, 0)
		if got := d.unpack(nil, d.pack(nil, body), len(body)); !bytes.Equal(got, body) {
			t.Fatalf("unpacked %q, want %q", got, body)
		}
	})
}

// benchBodies returns the XML entities of n ended task sessions.
func benchBodies(n int) [][]byte {
	bodies := make([][]byte, n)
	for i := range bodies {
		bodies[i] = wire.Encoder{}.TaskSession(nil, "https://127.0.0.1:9398/api", packSession(i), wire.Entity)
	}
	return bodies
}

// BenchmarkBodyCacheGet measures a hit: the lookup, the gathering of the
// packed body from its chunks and the unpacking.
func BenchmarkBodyCacheGet(b *testing.B) {
	bodies := benchBodies(1000)
	c := newBodyCache(DefaultBodyCacheBytes)
	s := &bodyShape{base: "https://127.0.0.1:9398/api", rep: wire.Entity}
	for i, body := range bodies {
		c.put(c.ticket(), s, emcdp.ID{byte(i), byte(i >> 8)}, time.Time{}, body)
	}
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, ok := c.get(s, emcdp.ID{byte(i % 1000), byte(i % 1000 >> 8)}, buf); !ok {
			b.Fatal("miss")
		}
	}
}

// BenchmarkBodyCachePut measures what a miss adds: packing and storing.
func BenchmarkBodyCachePut(b *testing.B) {
	bodies := benchBodies(1000)
	c := newBodyCache(DefaultBodyCacheBytes)
	s := &bodyShape{base: "https://127.0.0.1:9398/api", rep: wire.Entity}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		c.put(c.ticket(), s, emcdp.ID{byte(i % 1000), byte(i % 1000 >> 8)}, time.Time{}, bodies[i%1000])
	}
}

// TestUnpackBlocks checks unpack's block copies of 16, 32 and 64 bytes and
// its fall-back: bodies made of runs of every length from 1 to 130 taken
// from the dictionary (its last bytes included), from earlier in the body
// and as literals, unpacked after a prefix, from a packed body with and
// without room past its end, give back the body, and nothing is written
// past what the prefix and body take in dst's length. It fails when a block
// is chosen for an operation longer than the block, when the room is
// looked for past the source's capacity, or when a block's words are
// written before all are read.
func TestUnpackBlocks(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	dict := make([]byte, 300)
	for i := range dict {
		dict[i] = byte(r.UintN(256))
	}
	d := newBodyDict(dict, 0)
	for n := 1; n <= 130; n++ {
		var body []byte
		for len(body) < 600 {
			switch r.UintN(3) {
			case 0: // a run of the dictionary, sometimes its end
				o := int(r.UintN(uint(len(dict) - n + 1)))
				if r.UintN(4) == 0 {
					o = len(dict) - n
				}
				body = append(body, dict[o:o+n]...)
			case 1: // a repeat of the body's own bytes
				if len(body) >= n {
					o := int(r.UintN(uint(len(body) - n + 1)))
					body = append(body, body[o:o+n]...)
				}
			default:
				for range n {
					body = append(body, byte(r.UintN(256)))
				}
			}
		}
		p := d.pack(nil, body)
		for _, room := range []bool{false, true} {
			q := slices.Clip(p)
			if room {
				q = append(make([]byte, 0, len(p)+unpackRoom), p...)
			}
			got := d.unpack([]byte("before"), q, len(body))
			if string(got[:len("before")]) != "before" || !bytes.Equal(got[len("before"):], body) {
				t.Fatalf("runs of %d bytes, room %v: unpacked body differs", n, room)
			}
		}
	}
}
