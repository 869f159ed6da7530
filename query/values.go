package query

import (
	"strconv"
	"time"

	"github.com/emcdp/emcdp"
)

// parseDateTime reads the DateTime literals clients send:
//
//	2026-06-15                       midnight UTC
//	2026-06-15T06:00                 minutes only
//	2026-06-15T06:00:00              no offset: UTC
//	2026-06-15T06:00:00.1234567      1 to 7 fractional digits (100 ns ticks)
//	2026-06-15T06:00:00Z             UTC
//	2026-06-15T06:00:00+02:00        numeric offset, also +0200
//
// The separator may be 'T', 't' or a space (inside quotes), 'Z' any case.
// The result is in UTC, truncated to ticks.
func parseDateTime(s string) (time.Time, bool) {
	num := func(s string) (int, bool) {
		n := 0
		if s == "" {
			return 0, false
		}
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return 0, false
			}
			n = n*10 + int(s[i]-'0')
		}
		return n, true
	}
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return time.Time{}, false
	}
	year, ok1 := num(s[0:4])
	month, ok2 := num(s[5:7])
	day, ok3 := num(s[8:10])
	if !ok1 || !ok2 || !ok3 || month < 1 || month > 12 || day < 1 {
		return time.Time{}, false
	}
	var hour, min, sec, nsec, offset int
	rest := s[10:]
	if rest != "" {
		if c := rest[0]; c != 'T' && c != 't' && c != ' ' {
			return time.Time{}, false
		}
		rest = rest[1:]
		if len(rest) < 5 || rest[2] != ':' {
			return time.Time{}, false
		}
		var ok, ok2 bool
		hour, ok = num(rest[0:2])
		min, ok2 = num(rest[3:5])
		if !ok || !ok2 || hour > 23 || min > 59 {
			return time.Time{}, false
		}
		rest = rest[5:]
		if len(rest) >= 3 && rest[0] == ':' {
			sec, ok = num(rest[1:3])
			if !ok || sec > 59 {
				return time.Time{}, false
			}
			rest = rest[3:]
			if len(rest) > 0 && rest[0] == '.' {
				j := 1
				for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
					j++
				}
				digits := rest[1:j]
				if len(digits) < 1 || len(digits) > 7 {
					return time.Time{}, false
				}
				f, _ := num(digits)
				for n := len(digits); n < 9; n++ {
					f *= 10
				}
				nsec = f
				rest = rest[j:]
			}
		}
		switch {
		case rest == "":
		case rest == "Z" || rest == "z":
		case rest[0] == '+' || rest[0] == '-':
			z := rest[1:]
			if len(z) == 5 && z[2] == ':' {
				z = z[:2] + z[3:]
			}
			if len(z) != 4 {
				return time.Time{}, false
			}
			oh, ok := num(z[:2])
			om, ok2 := num(z[2:])
			if !ok || !ok2 || oh > 23 || om > 59 {
				return time.Time{}, false
			}
			offset = oh*3600 + om*60
			if rest[0] == '-' {
				offset = -offset
			}
		default:
			return time.Time{}, false
		}
	}
	t := time.Date(year, time.Month(month), day, hour, min, sec, nsec, time.UTC)
	if t.Day() != day { // e.g. 2026-02-30
		return time.Time{}, false
	}
	t = t.Add(-time.Duration(offset) * time.Second)
	if y := t.Year(); y < 0 || y > 9999 { // an offset pushed it out of the printable range
		return time.Time{}, false
	}
	return emcdp.Ticks(t), true
}

// formatDateTime writes t in UTC with up to 7 fractional digits and a Z, the
// form the server writes its own DateTime values in.
func formatDateTime(t time.Time) string {
	return emcdp.Ticks(t).Format("2006-01-02T15:04:05.9999999Z")
}

// parseInt reads a decimal integer with an optional leading '-'.
func parseInt(s string) (int64, bool) {
	if s == "" || s[0] == '+' {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// parseDouble reads a Double literal: decimal digits with an optional
// minus sign, fraction and exponent (1, 2.07, .5, 1e3); no leading '+', no
// hexadecimal, infinity or NaN, which strconv alone would take.
func parseDouble(s string) (float64, bool) {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i, n = i+1, n+1
		}
		return n
	}
	n := digits()
	if i < len(s) && s[i] == '.' {
		i++
		n += digits()
	}
	if n == 0 {
		return 0, false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return 0, false
		}
	}
	if i != len(s) {
		return 0, false
	}
	x, err := strconv.ParseFloat(s, 64)
	return x, err == nil
}
