// Package auth keeps the users and logon sessions of the server: password
// hashing, logon with lockout after repeated failures, logoff, and the
// authentication of each request by session token, session cookie or HTTP
// Basic credentials.
//
// Everything that must be shared between server processes (sessions, failed
// logon counters) lives in the emcdp.AuthStore. Kept in process are a
// short-lived cache of successful Basic verifications, which spares a bcrypt
// comparison on every request of clients that send Basic credentials instead
// of a token, and — only when the service is the sole writer of its store's
// logon sessions (Service.SoleWriter), or while the store tells it of every
// process's changes to them (emcdp.ChangeFeed) — the live sessions themselves.
package auth

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/emcdp/emcdp"
	"golang.org/x/crypto/bcrypt"
)

// Defaults used when the corresponding Service field is zero.
const (
	DefaultIdleTimeout    = 15 * time.Minute
	DefaultMaxFailures    = 5
	DefaultFailureWindow  = 5 * time.Minute
	DefaultBasicCacheTTL  = 60 * time.Second
	DefaultBasicCacheSize = 1024
	DefaultTouchInterval  = time.Second
)

// SessionHeader is the name of the header and of the cookie that carry a
// session token, spelled exactly as the real server writes it.
const SessionHeader = "X-RestSvcSessionId"

// sessionHeaderKey is SessionHeader as the server's header map spells it:
// canonicalized once here, not at every request by Header.Get.
var sessionHeaderKey = http.CanonicalHeaderKey(SessionHeader)

// Messages of the 401 answers. MsgNoSession is the text the real server
// gives when a request carries no usable session.
const (
	MsgNoSession  = "Session header X-RestSvcSessionId was expected but not found, or the session has expired"
	MsgBadLogon   = "Logon failed: the user name or password is incorrect, or the user holds no Enterprise Manager role"
	MsgLockedOut  = "Logon failed: too many failed attempts for this user; try again later"
	msgNoUserName = "Logon failed: no credentials were given"
)

// Service authenticates users and manages logon sessions. The zero value of
// each setting selects its default; Store and Clock are required. A Service
// is safe for concurrent use and must not be copied after first use.
type Service struct {
	Store emcdp.AuthStore
	Clock emcdp.Clock

	// IdleTimeout is how long a session lives without a request (default 15 min).
	IdleTimeout time.Duration
	// MaxFailures failed logons for one user within FailureWindow lock the
	// user out until the window has passed (defaults 5 and 5 min).
	MaxFailures   int
	FailureWindow time.Duration
	// BasicCacheTTL is how long a successful Basic verification is
	// remembered (default 60 s; negative disables the cache), and
	// BasicCacheSize bounds the number of entries (default 1024).
	BasicCacheTTL  time.Duration
	BasicCacheSize int
	// TouchInterval: a session's LastSeen is written only when it is older
	// than this (default 1 s), so that bursts of reads do not all write.
	TouchInterval time.Duration
	// HashConcurrency bounds the bcrypt comparisons that run at once
	// (default DefaultHashConcurrency()); after a comparison its slot stays
	// taken for as long again, so hashing keeps each slot's processor at
	// most half busy. A check that finds every slot busy for HashWait
	// (default DefaultHashWait) is refused with EUnavailable. Requests that
	// carry a live token never hash and never wait.
	HashConcurrency int
	HashWait        time.Duration
	// OnHash, when set, is called before every bcrypt comparison, once a
	// hashing slot is held. Tests use it to count comparisons.
	OnHash func()
	// SoleWriter tells the service that no other process creates, renews
	// or ends logon sessions in Store, so that it may remember live
	// sessions in memory and authenticate a token without reading the
	// store. Set it only when that holds: "emcdp serve" locks an embedded
	// database for itself and sets it; replicas sharing PostgreSQL must not,
	// since a logoff at one replica has to end the session at all of them.
	// Replicas remember live sessions only while their store's change feed
	// listens (emcdp.ChangeFeed), which tells them of every logoff.
	SoleWriter bool

	sessions sessionCache
	renewing renewals

	feedOnce sync.Once
	feed     emcdp.ChangeFeed // the store's, when it has one and SoleWriter is off

	gateOnce sync.Once
	gate     chan struct{} // one token per hashing slot

	mu    sync.Mutex
	cache map[[32]byte]cacheEntry
	// basicSession remembers, per user key, the session handed to a caller
	// that authenticates by Basic credentials alone (see CallerSession).
	basicSession map[string]emcdp.ID
}

// Caller is an authenticated requester. The requests of one logon session
// may share one Caller and its Session: neither may be changed.
type Caller struct {
	UserName string              // as typed
	UserKey  string              // emcdp.UserKey(UserName)
	Session  *emcdp.LogonSession // nil when authenticated by Basic credentials
}

// HashPassword returns the bcrypt hash of pw at the default cost.
func HashPassword(pw string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	if err != nil {
		return "", err
	}
	return string(h), nil
}

// Token returns the token of a session as clients send it: the standard
// base64 encoding of the lower-case hyphenated session id.
func Token(id emcdp.ID) string {
	var b [36]byte
	return base64.StdEncoding.EncodeToString(id.AppendTo(b[:0]))
}

// ParseToken returns the session id that a token names. Padding may be
// missing; anything that does not decode to a GUID is rejected.
func ParseToken(tok string) (emcdp.ID, bool) {
	tok = strings.TrimSpace(tok)
	if len(tok) == 0 || len(tok) > 64 {
		return emcdp.ID{}, false
	}
	var buf [48]byte
	var src [64]byte // the token's bytes, without an allocation
	b := src[:copy(src[:], tok)]
	n, err := base64.StdEncoding.Decode(buf[:], b)
	if err != nil {
		n, err = base64.RawStdEncoding.Decode(buf[:], b)
		if err != nil {
			return emcdp.ID{}, false
		}
	}
	return emcdp.ParseIDBytes(buf[:n])
}

// CreateUser validates and stores a user with a freshly hashed password.
// The name is stored in its emcdp.UserKey form.
func (s *Service) CreateUser(ctx context.Context, name, password string, role emcdp.Role) error {
	if err := CheckUserName(name); err != nil {
		return err
	}
	if err := CheckPassword(password); err != nil {
		return err
	}
	key := emcdp.UserKey(name)
	r, ok := emcdp.ParseRole(string(role))
	if !ok {
		return emcdp.Errorf(emcdp.EInvalid, "unknown role %q", role)
	}
	h, err := HashPassword(password)
	if err != nil {
		return err
	}
	return s.Store.PutUser(ctx, &emcdp.User{Name: key, PasswordHash: h, Role: r, Created: s.Clock.Now()})
}

// Logon checks the credentials, honouring the lockout, and opens a new
// logon session. The returned token is what the client sends afterwards.
// Credentials outside the limits (see wellFormed) are refused as wrong ones
// are, without touching the store.
func (s *Service) Logon(ctx context.Context, user, password string) (*emcdp.LogonSession, string, error) {
	key := emcdp.UserKey(user)
	if key == "" {
		return nil, "", emcdp.Errorf(emcdp.EUnauthorized, msgNoUserName)
	}
	if wellFormed(user, password) != nil {
		return nil, "", emcdp.Errorf(emcdp.EUnauthorized, MsgBadLogon)
	}
	if _, err := s.verify(ctx, user, key, password, false); err != nil {
		return nil, "", err
	}
	now := emcdp.Ticks(s.Clock.Now())
	ls := &emcdp.LogonSession{ID: emcdp.NewID(), UserName: user, UserKey: key, Created: now, LastSeen: now}
	if err := s.Store.CreateLogonSession(ctx, ls); err != nil {
		return nil, "", err
	}
	return ls, Token(ls.ID), nil
}

// Authenticate identifies the caller of r: by the session cookie (which
// wins when a header is sent too), by the session header, or by Basic
// credentials, which are also tried when the token sent is not live. A live
// session is renewed. Failures are *emcdp.Error with code EUnauthorized;
// store failures are passed through. The store is read and written through
// ctx, which need not be r's: a server bounds the work of a request with a
// context of its own.
func (s *Service) Authenticate(ctx context.Context, r *http.Request) (*Caller, error) {
	return s.authenticate(ctx, r, nil)
}

// SessionID returns the id of the logon session whose token r carries: the
// one Authenticate looks up first.
func SessionID(r *http.Request) (emcdp.ID, bool) {
	tok, ok := sessionToken(r)
	if !ok {
		return emcdp.ID{}, false
	}
	return ParseToken(tok)
}

// AuthenticateRead is Authenticate for a request whose logon session,
// SessionID(r), the caller has just read from Store (ls; nil when there is
// none), together with what the request asks for, in one round trip. Expiry,
// renewal and the fall-back to Basic credentials are Authenticate's.
func (s *Service) AuthenticateRead(ctx context.Context, r *http.Request, ls *emcdp.LogonSession) (*Caller, error) {
	return s.authenticate(ctx, r, &readSession{ls: ls})
}

// readSession is a logon session already read from the store (nil ls: none).
type readSession struct{ ls *emcdp.LogonSession }

func (s *Service) authenticate(ctx context.Context, r *http.Request, read *readSession) (*Caller, error) {
	user, pw, basic := basicAuth(r)
	if tok, ok := sessionToken(r); ok {
		c, err := s.authenticateToken(ctx, tok, read)
		// A dead token does not hide valid Basic credentials sent with it:
		// any one valid means of authentication suffices.
		if err == nil || !basic || emcdp.ErrorCode(err) != emcdp.EUnauthorized {
			return c, err
		}
	}
	if basic {
		key := emcdp.UserKey(user)
		if key == "" {
			return nil, emcdp.Errorf(emcdp.EUnauthorized, MsgNoSession)
		}
		if wellFormed(user, pw) != nil {
			return nil, emcdp.Errorf(emcdp.EUnauthorized, MsgBadLogon)
		}
		if _, err := s.verify(ctx, user, key, pw, true); err != nil {
			return nil, err
		}
		return &Caller{UserName: user, UserKey: key}, nil
	}
	return nil, emcdp.Errorf(emcdp.EUnauthorized, MsgNoSession)
}

// basicAuth is r.BasicAuth, which canonicalizes "Authorization" at every
// call: a request without the header, as every request by token is, is
// answered by one lookup of the key as net/http stores it.
func basicAuth(r *http.Request) (user, pw string, ok bool) {
	if len(r.Header["Authorization"]) == 0 {
		return "", "", false
	}
	return r.BasicAuth()
}

// sessionToken finds the token in the cookie, else in the header (whose
// name Go's header map already matches case-insensitively).
func sessionToken(r *http.Request) (string, bool) {
	for _, c := range r.Cookies() {
		if strings.EqualFold(c.Name, SessionHeader) && c.Value != "" {
			return c.Value, true
		}
	}
	if v := r.Header[sessionHeaderKey]; len(v) > 0 && v[0] != "" {
		return v[0], true
	}
	// A header map built by hand (not by the server) may hold the exact spelling.
	if v := r.Header[SessionHeader]; len(v) > 0 && v[0] != "" {
		return v[0], true
	}
	return "", false
}

func (s *Service) authenticateToken(ctx context.Context, tok string, read *readSession) (*Caller, error) {
	id, ok := ParseToken(tok)
	if !ok {
		return nil, emcdp.Errorf(emcdp.EUnauthorized, MsgNoSession)
	}
	c, err := s.live(ctx, id, read)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	if now.Sub(c.Session.LastSeen) >= s.touchInterval() && s.renewing.claim(id, now, s.touchInterval()) {
		now = emcdp.Ticks(now)
		t := s.sessions.ticket()
		if err := s.Store.TouchLogonSession(ctx, id, now); err != nil {
			s.renewing.release(id)
			if errors.Is(err, emcdp.ErrNotFound) { // logged off meanwhile
				s.sessions.drop(id)
				return nil, emcdp.Errorf(emcdp.EUnauthorized, MsgNoSession)
			}
			return nil, err
		}
		ls := *c.Session
		ls.LastSeen = now
		c = callerOf(&ls)
		if read == nil && s.caching() {
			s.sessions.put(t, c, s.idleSince())
		}
	}
	return c, nil
}

// callerOf returns the caller that logon session ls authenticates.
func callerOf(ls *emcdp.LogonSession) *Caller {
	return &Caller{UserName: ls.UserName, UserKey: ls.UserKey, Session: ls}
}

// caching reports whether live sessions may be remembered and served from
// memory now: as sole writer, or while the store's change feed listens.
func (s *Service) caching() bool {
	s.feedOnce.Do(func() {
		if f, ok := s.Store.(emcdp.ChangeFeed); ok && !s.SoleWriter {
			s.feed = f
			s.sessions.keyByHash()
			f.OnChange(s.sessions.change)
		}
	})
	return s.SoleWriter || s.feed != nil && s.feed.Listening()
}

// live returns the caller of session id: it reads the session, unless read
// holds it already or the session is remembered (see caching), and reports
// EUnauthorized when it is unknown or idle for too long. A remembered session
// that looks idle is read again: another process may have renewed it.
func (s *Service) live(ctx context.Context, id emcdp.ID, read *readSession) (*Caller, error) {
	// caching is asked first even for a session already read, since its
	// first call makes the service listen to the store's changes: a request
	// that came before the feed listened must not leave it deaf.
	caching := s.caching() && read == nil
	var t uint64
	if caching {
		if c, ok := s.sessions.get(id); ok {
			if !s.expired(c.Session) {
				return c, nil
			}
			s.sessions.drop(id)
		}
		t = s.sessions.ticket()
	}
	var ls *emcdp.LogonSession
	var err error
	switch {
	case read == nil:
		ls, err = s.Store.LogonSession(ctx, id)
	case read.ls == nil || read.ls.ID != id:
		err = emcdp.ErrNotFound
	default:
		ls = read.ls
	}
	if errors.Is(err, emcdp.ErrNotFound) {
		return nil, emcdp.Errorf(emcdp.EUnauthorized, MsgNoSession)
	}
	if err != nil {
		return nil, err
	}
	if s.expired(ls) {
		return nil, emcdp.Errorf(emcdp.EUnauthorized, MsgNoSession)
	}
	c := callerOf(ls)
	if caching {
		s.sessions.put(t, c, s.idleSince())
	}
	return c, nil
}

// idleSince is the instant before which a session last seen is expired.
func (s *Service) idleSince() time.Time { return s.Clock.Now().Add(-s.idleTimeout()) }

func (s *Service) expired(ls *emcdp.LogonSession) bool {
	return !s.Clock.Now().Before(ls.LastSeen.Add(s.idleTimeout()))
}

// Session returns the caller's live session id. Any other user's session,
// an expired or an unknown one is reported as ENotFound.
func (s *Service) Session(ctx context.Context, c *Caller, id emcdp.ID) (*emcdp.LogonSession, error) {
	if c.Session != nil && c.Session.ID == id {
		return c.Session, nil
	}
	ls, err := s.Store.LogonSession(ctx, id)
	if err != nil && !errors.Is(err, emcdp.ErrNotFound) {
		return nil, err
	}
	if err != nil || ls.UserKey != c.UserKey || s.expired(ls) {
		return nil, emcdp.Errorf(emcdp.ENotFound, "No LogonSession with id '%s'", id)
	}
	return ls, nil
}

// CallerSession returns the session that represents the caller: its own
// when it sent a token. A caller that sent Basic credentials alone is given
// the session this service last gave to its user in the same way while that
// session lives, else a new one: stores keep sessions under a hash of their
// id, so a user's sessions cannot be listed, and a client polling with Basic
// credentials must not open a session per request.
func (s *Service) CallerSession(ctx context.Context, c *Caller) (*emcdp.LogonSession, error) {
	if c.Session != nil {
		return c.Session, nil
	}
	s.mu.Lock()
	id, ok := s.basicSession[c.UserKey]
	s.mu.Unlock()
	if ok {
		ls, err := s.Store.LogonSession(ctx, id)
		if err != nil && !errors.Is(err, emcdp.ErrNotFound) {
			return nil, err
		}
		if err == nil && ls.UserKey == c.UserKey && !s.expired(ls) {
			return ls, nil
		}
	}
	now := emcdp.Ticks(s.Clock.Now())
	ls := &emcdp.LogonSession{ID: emcdp.NewID(), UserName: c.UserName, UserKey: c.UserKey, Created: now, LastSeen: now}
	if err := s.Store.CreateLogonSession(ctx, ls); err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.basicSession == nil || len(s.basicSession) >= s.cacheSize() {
		// Users are few; a full map is simply started again.
		s.basicSession = make(map[string]emcdp.ID)
	}
	s.basicSession[c.UserKey] = ls.ID
	s.mu.Unlock()
	return ls, nil
}

// Logoff ends one of the caller's sessions. Another user's session or an
// unknown one is ENotFound.
func (s *Service) Logoff(ctx context.Context, c *Caller, id emcdp.ID) error {
	if _, err := s.Session(ctx, c, id); err != nil {
		return err
	}
	err := s.Store.DeleteLogonSession(ctx, id)
	s.sessions.drop(id)
	if errors.Is(err, emcdp.ErrNotFound) {
		return emcdp.Errorf(emcdp.ENotFound, "No LogonSession with id '%s'", id)
	}
	return err
}

// Sweep removes sessions that have been idle past the timeout and failed
// logons older than the failure window (and the oldest beyond
// MaxFailureRecords). Expired sessions and old failures are disregarded
// whether or not they were swept; sweeping only keeps the store small. It
// returns the number of sessions removed.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	// A session is expired once LastSeen+timeout <= now; the store's bound is exclusive.
	before := s.idleSince().Add(time.Nanosecond)
	s.sessions.dropIdle(before)
	n, err := s.Store.DeleteLogonSessionsBefore(ctx, before)
	if err != nil {
		return n, err
	}
	_, err = s.Store.PruneLogonFailures(ctx, s.Clock.Now().Add(-s.failureWindow()), MaxFailureRecords)
	return n, err
}

func (s *Service) idleTimeout() time.Duration {
	if s.IdleTimeout > 0 {
		return s.IdleTimeout
	}
	return DefaultIdleTimeout
}

func (s *Service) touchInterval() time.Duration {
	if s.TouchInterval > 0 {
		return s.TouchInterval
	}
	return DefaultTouchInterval
}
