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
	u, n, cmp, took, err := s.compare(ctx, key, password)
	time.AfterFunc(min(took, s.hashWait()/2), release)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	since := now.Add(-s.failureWindow())
	if u == nil || cmp != nil {
		if u != nil && !errors.Is(cmp, bcrypt.ErrMismatchedHashAndPassword) {
			// A stored hash that bcrypt cannot read is a server fault, not a
			// wrong password; it is reported without details.
			return nil, errors.New("auth: unreadable password hash for a user")
		}
		if _, err := s.Store.AddLogonFailure(ctx, key, now, since); err != nil {
			return nil, err
		}
		return nil, emcdp.Errorf(emcdp.EUnauthorized, MsgBadLogon)
	}
	if _, ok := emcdp.ParseRole(string(u.Role)); !ok {
		return nil, emcdp.Errorf(emcdp.EUnauthorized, MsgBadLogon)
	}
	if n > 0 {
		if err := s.Store.ClearLogonFailures(ctx, key); err != nil {
			return nil, err
		}
	}
	if s.cacheTTL() > 0 {
		s.remember(ck, u, now)
	}
	return u, nil
}

// compare checks the lockout of key and then the password, inside a hashing
// slot: n is the number of recent failures, u the user (nil when unknown),
// cmp the result of the bcrypt comparison and took its duration. A
// locked-out user is refused before any hash is computed; an unknown user
// costs the same comparison as a known one.
func (s *Service) compare(ctx context.Context, key, password string) (u *emcdp.User, n int, cmp error, took time.Duration, err error) {
	since := s.Clock.Now().Add(-s.failureWindow())
	if n, err = s.Store.LogonFailures(ctx, key, since); err != nil {
		return nil, 0, nil, 0, err
	}
	if n >= s.maxFailures() {
		return nil, n, nil, 0, emcdp.Errorf(emcdp.EUnauthorized, MsgLockedOut)
	}
	u, err = s.Store.User(ctx, key)
	if err != nil && !errors.Is(err, emcdp.ErrNotFound) {
		return nil, 0, nil, 0, err
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
	return u, n, cmp, time.Since(start), nil
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
