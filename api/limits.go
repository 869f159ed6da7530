package api

import (
	"context"
	"errors"
	"runtime"
	"time"

	"github.com/emcdp/emcdp"
)

// Defaults of the request limits (see Config).
const (
	DefaultRequestTimeout = 30 * time.Second
)

// DefaultMaxScans is the number of scanning reads (collections and query
// pages) that run at once when Config.MaxScans is zero: half the processors
// this process may use, at least one, so that reads by id always find a
// processor, and a connection of the store's pool (the embedded store opens
// one per processor), free of scans.
func DefaultMaxScans() int { return max(1, runtime.GOMAXPROCS(0)/2) }

// MsgTimeout is the message of the 503 given to a request that ran out of
// time; the store work it started has been cancelled.
const MsgTimeout = "The request did not complete in time and was stopped; retry later or ask for a smaller page"

// scanSlot waits for one of the scanning slots for as long as the request
// may still run; the returned function frees it. A request whose deadline
// passes in the queue gets the 503 of a timeout.
func (h *Handler) scanSlot(c *call) (func(), error) {
	select {
	case h.scans <- struct{}{}:
		return func() { <-h.scans }, nil
	default:
	}
	select {
	case h.scans <- struct{}{}:
		return func() { <-h.scans }, nil
	case <-c.ctx().Done():
		return nil, c.ctx().Err()
	}
}

// timedOut turns any failure of a request whose deadline has passed into the
// 503 of a timeout: the store reports a cancelled query in its own words
// (an interrupted statement, a closed connection), which would otherwise
// read as an internal error.
func timedOut(ctx context.Context, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return emcdp.Errorf(emcdp.EUnavailable, MsgTimeout)
	}
	return err
}
