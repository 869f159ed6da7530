package query

import (
	"math/rand"
	"strings"
	"time"

	"github.com/emcdp/emcdp"
)

// RandomExpr builds a random canonical filter tree for kind k, for
// differential and round-trip tests: at most depth levels of And/Or below
// the root (depth 0 gives a single term), each node with two to four
// children, never an And directly in an And nor an Or in an Or. Each term
// takes a random field of k and a random operator that the field's type
// allows. Values come from sample when it is not nil (so that filters hit
// real rows: draw them from the data, e.g. with FieldValue), else from
// RandomValue. Times are truncated to ticks whatever their source.
func RandomExpr(r *rand.Rand, k emcdp.Kind, depth int, sample func(f emcdp.Field) emcdp.Value) emcdp.Expr {
	return randomNode(r, k, depth, r.Intn(2) == 0, sample)
}

func randomNode(r *rand.Rand, k emcdp.Kind, depth int, and bool, sample func(emcdp.Field) emcdp.Value) emcdp.Expr {
	if depth <= 0 || r.Intn(3) == 0 {
		return randomTerm(r, k, sample)
	}
	n := 2 + r.Intn(3)
	terms := make([]emcdp.Expr, n)
	for i := range terms {
		terms[i] = randomNode(r, k, depth-1, !and, sample)
	}
	if and {
		return &emcdp.And{Terms: terms}
	}
	return &emcdp.Or{Terms: terms}
}

func randomTerm(r *rand.Rand, k emcdp.Kind, sample func(emcdp.Field) emcdp.Value) *emcdp.Term {
	fs := emcdp.Fields(k)
	f := fs[r.Intn(len(fs))]
	op := emcdp.Op(r.Intn(6))
	if f.Type == emcdp.TypeBool {
		op = emcdp.Op(r.Intn(2))
	}
	var v emcdp.Value
	if sample != nil {
		v = sample(f)
	} else {
		v = RandomValue(r, f)
	}
	v = canonicalValue(f, v)
	return &emcdp.Term{Field: f, Op: op, Value: v}
}

// canonicalValue keeps only the member of v that f's type uses, as Parse
// does, and truncates times to ticks.
func canonicalValue(f emcdp.Field, v emcdp.Value) emcdp.Value {
	switch f.Type {
	case emcdp.TypeString:
		return emcdp.Value{Str: v.Str}
	case emcdp.TypeUID:
		return emcdp.Value{ID: v.ID}
	case emcdp.TypeDateTime:
		return emcdp.Value{Time: emcdp.Ticks(v.Time)}
	case emcdp.TypeInt, emcdp.TypeEnum:
		return emcdp.Value{Int: v.Int}
	case emcdp.TypeDouble:
		return emcdp.Value{Float: v.Float}
	case emcdp.TypeBool:
		return emcdp.Value{Bool: v.Bool}
	}
	return emcdp.Value{}
}

// randomChars are the characters random strings are drawn from: letters of
// both cases, digits, the filter language's own punctuation and quotes,
// spaces, and a few non-ASCII letters.
var randomChars = []string{
	"a", "b", "Z", "q", "0", "7", " ", `"`, `""`, ";", ",", "(", ")", "=", "<", ">", "!", "&", "%", "+",
	"-", "_", ".", ":", "@", "é", "Ж", "\t",
}

// RandomValue returns a random value that fits field f: a short string with
// awkward characters, a random ID, a time between 2020 and 2030 with up to
// seven fractional digits, an integer of any size, a Boolean, or a valid
// enum position.
func RandomValue(r *rand.Rand, f emcdp.Field) emcdp.Value {
	switch f.Type {
	case emcdp.TypeString:
		var b strings.Builder
		for n := r.Intn(8); n > 0; n-- {
			b.WriteString(randomChars[r.Intn(len(randomChars))])
		}
		return emcdp.Value{Str: b.String()}
	case emcdp.TypeUID:
		var id emcdp.ID
		r.Read(id[:])
		return emcdp.Value{ID: id}
	case emcdp.TypeDateTime:
		base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
		t := base.Add(time.Duration(r.Int63n(int64(10 * 365 * 24 * time.Hour))))
		if r.Intn(2) == 0 {
			t = t.Truncate(time.Second)
		}
		return emcdp.Value{Time: emcdp.Ticks(t)}
	case emcdp.TypeInt:
		switch r.Intn(3) {
		case 0:
			return emcdp.Value{Int: r.Int63() - r.Int63()}
		case 1:
			return emcdp.Value{Int: int64(r.Intn(100000))}
		}
		return emcdp.Value{Int: -int64(r.Intn(10))}
	case emcdp.TypeDouble:
		// hundredths, as stored, and values between them
		if r.Intn(2) == 0 {
			return emcdp.Value{Float: float64(r.Intn(1000)-100) / 100}
		}
		return emcdp.Value{Float: (r.Float64() - 0.1) * 10}
	case emcdp.TypeBool:
		return emcdp.Value{Bool: r.Intn(2) == 0}
	case emcdp.TypeEnum:
		return emcdp.Value{Int: int64(r.Intn(len(f.Enum)))}
	}
	return emcdp.Value{}
}
