package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"sync"
	"time"

	"github.com/emcdp/emcdp"
	"golang.org/x/crypto/bcrypt"
)

// cacheEntry remembers a successful verification. It holds no secret: the
// map key is a SHA-256 of the user key and password, and hashFP is a SHA-256
// of the stored bcrypt hash, so that a changed password or a removed user
// invalidates the entry at once.
type cacheEntry struct {
	hashFP  [32]byte
	expires time.Time
}

// dummyHash is compared against when the user does not exist, so that an
// unknown name costs as much time as a wrong password.
var dummyHash = sync.OnceValue(func() []byte {
	h, err := bcrypt.GenerateFromPassword([]byte("emcdp-no-such-user"), bcrypt.DefaultCost)
	if err != nil {
		return nil
	}
	return h
})

// verify checks user's password. With useCache a recent successful
// verification of the same credentials is accepted without a bcrypt
// comparison (and without the lockout check: the password is known to be
// right). Every other path honours the lockout and records failures.
func (s *Service) verify(ctx context.Context, typed, key, password string, useCache bool) (*emcdp.User, error) {
	ck := cacheKey(key, password)
	if useCache && s.cacheTTL() > 0 {
		if u, ok, err := s.cached(ctx, key, ck); err != nil || ok {
			return u, err
		}
	}
	// The slot is taken before the store is read, so that checks turned
	// away as busy cost the store nothing. After a comparison it stays taken
	// for as long again (the answer does not wait for that), so that each
	// slot keeps its processor at most half busy; but never for more than
	// half the wait, so that a client logging on again at once is not
	// turned away by the rest alone.
	release, err := s.hashSlot(ctx)
	if err != nil {
		return nil, err
	}
	now, n, err := s.reserve(ctx, key)
	if err != nil {
		release()
		return nil, err
	}
	u, cmp, took, err := s.compare(ctx, key, password)
	time.AfterFunc(min(took, s.hashWait()/2), release)
	// The reservation is settled even when the client has gone: the
	// comparison was made, so a wrong password must count.
	sctx := context.WithoutCancel(ctx)
	failed := err == nil && (u == nil || errors.Is(cmp, bcrypt.ErrMismatchedHashAndPassword))
	if serr := s.Store.SettleLogonFailure(sctx, key, now, failed); serr != nil && err == nil {
		err = serr
	}
	if err != nil {
		return nil, err
	}
	if u == nil || cmp != nil {
		if !failed {
			// A stored hash that bcrypt cannot read is a server fault, not a
			// wrong password; it is reported without details.
			return nil, errors.New("auth: unreadable password hash for a user")
		}
		return nil, emcdp.Errorf(emcdp.EUnauthorized, MsgBadLogon)
	}
	if _, ok := emcdp.ParseRole(string(u.Role)); !ok {
		return nil, emcdp.Errorf(emcdp.EUnauthorized, MsgBadLogon)
	}
	if n > 0 {
		if err := s.Store.ClearLogonFailures(sctx, key); err != nil {
			return nil, err
		}
	}
	if s.cacheTTL() > 0 {
		s.remember(ck, u, now)
	}
	return u, nil
}

// reservePoll is how often a check whose user has every failure slot
// reserved by checks still running asks again.
const reservePoll = 20 * time.Millisecond

// reserve takes one of key's failure slots in the store before a password
// is compared, so that no more than MaxFailures wrong passwords are ever
// compared per window, however many checks run at once on however many
// replicas. It returns the time of the reservation (to settle it by) and
// the number of failures already recorded. A user with MaxFailures failures
// is locked out. A user whose slots are held by checks still running waits
// for them, at most HashWait, since those may end as successes and free
// their slots; when they do not, the request is refused as busy.
func (s *Service) reserve(ctx context.Context, key string) (time.Time, int, error) {
	var deadline time.Time
	for {
		now := s.Clock.Now()
		n, ok, err := s.Store.ReserveLogonFailure(ctx, key, now, now.Add(-s.failureWindow()), s.maxFailures())
		switch {
		case err != nil:
			return now, 0, err
		case ok:
			return now, n, nil
		case n >= s.maxFailures():
			return now, n, emcdp.Errorf(emcdp.EUnauthorized, MsgLockedOut)
		}
		if deadline.IsZero() {
			deadline = time.Now().Add(s.hashWait())
		} else if time.Now().After(deadline) {
			return now, n, emcdp.Errorf(emcdp.EUnavailable, MsgBusy)
		}
		t := time.NewTimer(reservePoll)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return now, n, ctx.Err()
		}
	}
}

// compare checks the password of key, inside a hashing slot and a
// reservation: u is the user (nil when unknown), cmp the result of the
// bcrypt comparison and took its duration. An unknown user costs the same
// comparison as a known one.
func (s *Service) compare(ctx context.Context, key, password string) (u *emcdp.User, cmp error, took time.Duration, err error) {
	u, err = s.Store.User(ctx, key)
	if err != nil && !errors.Is(err, emcdp.ErrNotFound) {
		return nil, nil, 0, err
	}
	hash := dummyHash()
	if err == nil {
		hash = []byte(u.PasswordHash)
	} else {
		u = nil
	}
	if s.OnHash != nil {
		s.OnHash()
	}
	start := time.Now()
	cmp = bcrypt.CompareHashAndPassword(hash, []byte(password))
	return u, cmp, time.Since(start), nil
}

// cached answers from the cache. ok is false when the cache cannot vouch
// for the credentials and the full check must run.
func (s *Service) cached(ctx context.Context, key string, ck [32]byte) (*emcdp.User, bool, error) {
	now := s.Clock.Now()
	s.mu.Lock()
	e, hit := s.cache[ck]
	if hit && !now.Before(e.expires) {
		delete(s.cache, ck)
		hit = false
	}
	s.mu.Unlock()
	if !hit {
		return nil, false, nil
	}
	u, err := s.Store.User(ctx, key)
	if errors.Is(err, emcdp.ErrNotFound) {
		s.forget(ck)
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	fp := sha256.Sum256([]byte(u.PasswordHash))
	if subtle.ConstantTimeCompare(fp[:], e.hashFP[:]) != 1 {
		s.forget(ck)
		return nil, false, nil
	}
	if _, ok := emcdp.ParseRole(string(u.Role)); !ok {
		s.forget(ck)
		return nil, false, nil
	}
	return u, true, nil
}

func (s *Service) remember(ck [32]byte, u *emcdp.User, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cache == nil {
		s.cache = make(map[[32]byte]cacheEntry)
	}
	if len(s.cache) >= s.cacheSize() {
		for k, e := range s.cache {
			if !now.Before(e.expires) {
				delete(s.cache, k)
			}
		}
		// Still full: drop arbitrary entries (map order is random).
		for k := range s.cache {
			if len(s.cache) < s.cacheSize() {
				break
			}
			delete(s.cache, k)
		}
	}
	s.cache[ck] = cacheEntry{hashFP: sha256.Sum256([]byte(u.PasswordHash)), expires: now.Add(s.cacheTTL())}
}

func (s *Service) forget(ck [32]byte) {
	s.mu.Lock()
	delete(s.cache, ck)
	s.mu.Unlock()
}

// cacheKey hashes the user key and password; the key's length is hashed
// first so that no two (key, password) pairs share an input.
func cacheKey(key, password string) [32]byte {
	h := sha256.New()
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(key)))
	h.Write([]byte("emcdp-basic"))
	h.Write(n[:])
	h.Write([]byte(key))
	h.Write([]byte(password))
	var out [32]byte
	h.Sum(out[:0])
	return out
}

func (s *Service) maxFailures() int {
	if s.MaxFailures > 0 {
		return s.MaxFailures
	}
	return DefaultMaxFailures
}

func (s *Service) failureWindow() time.Duration {
	if s.FailureWindow > 0 {
		return s.FailureWindow
	}
	return DefaultFailureWindow
}

func (s *Service) cacheTTL() time.Duration {
	switch {
	case s.BasicCacheTTL < 0:
		return 0
	case s.BasicCacheTTL == 0:
		return DefaultBasicCacheTTL
	}
	return s.BasicCacheTTL
}

func (s *Service) cacheSize() int {
	if s.BasicCacheSize > 0 {
		return s.BasicCacheSize
	}
	return DefaultBasicCacheSize
}
