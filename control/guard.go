package control

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Guesses of the control token. An operator may choose a token that a
// client could find by trying one word after another (the README's
// "s3cret"), through the bearer header or the console's logon. The guard
// bounds that: after MaxTokenFailures wrong tokens within TokenFailureWindow
// every check of a token, right or wrong, answers 429 with Retry-After until
// the oldest of those failures is older than the window. The token is not
// compared meanwhile, so the answer tells nothing of it.
//
// The limit is one for the whole server, not one per client address: an
// address says little behind a proxy, and a map of addresses would have to
// be bounded in turn. The price is that someone guessing locks the operator
// out too, for at most the window, which a development server can afford; a
// console already logged on goes on working, since its cookie is not a
// token check. Each replica counts its own failures.

const (
	// DefaultMaxTokenFailures is Config.MaxTokenFailures when unset.
	DefaultMaxTokenFailures = 10
	// DefaultTokenFailureWindow is Config.TokenFailureWindow when unset.
	DefaultTokenFailureWindow = 5 * time.Minute
)

// tokenGuard compares tokens with the control token, counting the wrong
// ones. It holds the times of the last max failures alone, so its memory is
// bounded by the configuration whatever clients send.
type tokenGuard struct {
	want   [32]byte // SHA-256 of the control token
	max    int
	window time.Duration
	now    func() time.Time

	mu    sync.Mutex
	fails []time.Time // times of the last failures, at most max; once full, a ring
	next  int         // once full, the oldest failure, which the next replaces
}

func newTokenGuard(token string, max int, window time.Duration) *tokenGuard {
	if max <= 0 {
		max = DefaultMaxTokenFailures
	}
	if window <= 0 {
		window = DefaultTokenFailureWindow
	}
	return &tokenGuard{want: sha256.Sum256([]byte(token)), max: max, window: window, now: time.Now}
}

// check tells whether s is the control token, compared in constant time
// (of the hashes, so the length of the token is not told either); wait is
// above 0 when s was not compared because the guesses are locked out. The
// hash is taken outside the lock, the comparison and the count inside it,
// so checks at once cannot pass the limit together.
func (g *tokenGuard) check(s string) (ok bool, wait time.Duration) {
	got := sha256.Sum256([]byte(s))
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	if len(g.fails) == g.max {
		if wait := g.fails[g.next].Add(g.window).Sub(now); wait > 0 {
			return false, wait
		}
	}
	if subtle.ConstantTimeCompare(got[:], g.want[:]) == 1 {
		return true, 0
	}
	if len(g.fails) < g.max {
		g.fails = append(g.fails, now)
	} else {
		g.fails[g.next] = now
		g.next = (g.next + 1) % g.max
	}
	return false, 0
}

// clear forgets every failure.
func (g *tokenGuard) clear() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.fails, g.next = nil, 0
}

// tooManyGuesses answers a token check refused while the guesses are
// locked out for wait.
func (p *Plane) tooManyGuesses(w http.ResponseWriter, wait time.Duration) {
	w.Header().Set("Retry-After", strconv.FormatInt(int64((wait+time.Second-1)/time.Second), 10))
	writeError(w, http.StatusTooManyRequests, "too many wrong control tokens ("+strconv.Itoa(p.guard.max)+
		" within "+p.guard.window.String()+"): no token is checked until the time in Retry-After (seconds) has passed")
}
