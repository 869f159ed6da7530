package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"
)

// progress reports a long operation: a redrawn bar on a terminal, or a line
// every few seconds otherwise (logs, CI).
type progress struct {
	w     io.Writer
	what  string
	tty   bool
	start time.Time
	last  time.Time
	done  int
	total int
}

func newProgress(w io.Writer, what string) *progress {
	tty := false
	if f, ok := w.(*os.File); ok {
		tty = term.IsTerminal(int(f.Fd()))
	}
	return &progress{w: w, what: what, tty: tty, start: time.Now()}
}

// update is the callback given to the simulator.
func (p *progress) update(done, total int) {
	p.done, p.total = done, total
	now := time.Now()
	every := 2 * time.Second
	if p.tty {
		every = 100 * time.Millisecond
	}
	if now.Sub(p.last) < every {
		return
	}
	p.last = now
	p.draw(false)
}

func (p *progress) draw(final bool) {
	el := time.Since(p.start).Seconds()
	rate := 0.0
	if el > 0 {
		rate = float64(p.done) / el
	}
	frac := 0.0
	if p.total > 0 {
		frac = min(float64(p.done)/float64(p.total), 1)
	}
	if p.tty {
		const width = 30
		n := int(frac * width)
		fmt.Fprintf(p.w, "\r[%s%s] %3.0f%% %d/%d %s, %.0f/s ", strings.Repeat("=", n), strings.Repeat(" ", width-n), frac*100, p.done, p.total, p.what, rate)
		if final {
			fmt.Fprintln(p.w)
		}
		return
	}
	fmt.Fprintf(p.w, "%d/%d %s (%.0f%%), %.0f/s, %.1fs\n", p.done, p.total, p.what, frac*100, rate, el)
}

// finish draws the last state.
func (p *progress) finish() {
	if p.done > 0 || p.tty {
		p.draw(true)
	}
}
