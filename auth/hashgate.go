package auth

import (
	"context"
	"runtime"
	"time"

	"github.com/emcdp/emcdp"
)

// DefaultHashWait is how long a password check waits for a free slot before
// the request is refused as busy.
const DefaultHashWait = time.Second

// MsgBusy is the message of the 503 given when every hashing slot stays busy.
const MsgBusy = "The server is busy checking other logons; retry in a moment"

// DefaultHashConcurrency is the number of password hashes computed at once
// when Service.HashConcurrency is zero: half the processors this process may
// use, at least one. Each slot keeps its processor at most half busy (see
// verify), so a storm of logons leaves at least three quarters of the
// processors to requests that carry a token.
func DefaultHashConcurrency() int {
	return max(1, runtime.GOMAXPROCS(0)/2)
}

func (s *Service) hashWait() time.Duration {
	if s.HashWait > 0 {
		return s.HashWait
	}
	return DefaultHashWait
}

// hashSlot waits for one of the hashing slots, at most HashWait; the
// returned function frees it. A request that finds no slot in time gets
// EUnavailable (503), so that logons beyond what the processors can hash
// are turned away instead of queueing without bound.
func (s *Service) hashSlot(ctx context.Context) (func(), error) {
	s.gateOnce.Do(func() {
		n := s.HashConcurrency
		if n <= 0 {
			n = DefaultHashConcurrency()
		}
		s.gate = make(chan struct{}, n)
	})
	select {
	case s.gate <- struct{}{}:
		return func() { <-s.gate }, nil
	default:
	}
	t := time.NewTimer(s.hashWait())
	defer t.Stop()
	select {
	case s.gate <- struct{}{}:
		return func() { <-s.gate }, nil
	case <-t.C:
		return nil, emcdp.Errorf(emcdp.EUnavailable, MsgBusy)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
