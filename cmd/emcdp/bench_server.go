package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// serverProc is "emcdp serve" running as a child process.
type serverProc struct {
	cmd  *exec.Cmd
	url  string // https://127.0.0.1:PORT
	done chan struct{}
	err  error // set once done is closed
	logf *os.File

	mu      sync.Mutex
	maxRSS  int64 // the largest VmRSS sampled since the last resetPeak
	maxAnon int64 // the largest RssAnon (heap and stacks, not mapped files) sampled since then
	stopped bool
}

// startServer starts "emcdp serve" on a free loopback port with the
// benchmark route on, and waits until it says it is serving. Its log goes
// to serve.log in the dataset folder.
func (b *bench) startServer(ctx context.Context) (*serverProc, error) {
	dir := b.s.datasetDir()
	logPath := filepath.Join(dir, "serve.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	args := append([]string{"serve"}, b.s.storeArgs()...)
	args = append(args, "--listen", "127.0.0.1:0", "--bench-route", "--log-level", "warn")
	cmd := exec.Command(b.s.binary, args...)
	cmd.Env = childEnv()
	cmd.Stderr = logf
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		logf.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start emcdp serve: %w", err)
	}
	p := &serverProc{cmd: cmd, done: make(chan struct{}), logf: logf}
	urls := make(chan string, 1)
	go func() {
		// Read the announcement, then keep draining so the child never blocks.
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			if u, ok := strings.CutPrefix(line, "emcdp serving "); ok {
				select {
				case urls <- strings.TrimSuffix(strings.TrimSpace(u), "/api/"):
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	go func() {
		p.err = cmd.Wait()
		logf.Close()
		close(p.done)
	}()

	timer := time.NewTimer(2 * time.Minute)
	defer timer.Stop()
	select {
	case p.url = <-urls:
	case <-p.done:
		return nil, fmt.Errorf("emcdp serve exited before serving (%v); see %s", p.err, logPath)
	case <-timer.C:
		p.stop()
		return nil, fmt.Errorf("emcdp serve did not start within 2 minutes; see %s", logPath)
	case <-ctx.Done():
		p.stop()
		return nil, ctx.Err()
	}
	go p.sample()
	return p, nil
}

// sample records the largest VmRSS of the child every 50 ms until it ends.
func (p *serverProc) sample() {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-p.done:
			return
		case <-t.C:
			st, err := procStatus(p.cmd.Process.Pid)
			if err != nil {
				continue
			}
			p.mu.Lock()
			p.maxRSS = max(p.maxRSS, st["VmRSS"])
			p.maxAnon = max(p.maxAnon, st["RssAnon"])
			p.mu.Unlock()
		}
	}
}

// resetPeak starts a new measurement of peak memory: the sampled maximum is
// set to the current RSS and the kernel's high-water mark (VmHWM) is reset.
// It reports whether the kernel reset worked (it needs Linux ≥ 4.0).
func (p *serverProc) resetPeak() bool {
	pid := p.cmd.Process.Pid
	ok := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0) == nil
	st, _ := procStatus(pid)
	p.mu.Lock()
	p.maxRSS, p.maxAnon = st["VmRSS"], st["RssAnon"]
	p.mu.Unlock()
	return ok
}

// peak returns the peak RSS since the last resetPeak: the kernel's VmHWM
// when hwm is true (exact), else the largest sample; and the largest
// samples of the whole RSS and of its anonymous part (the Go heap, stacks
// and C allocations, without pages of mapped files such as a database).
func (p *serverProc) peak(hwm bool) (peakRSS, sampled, anon int64) {
	st, _ := procStatus(p.cmd.Process.Pid)
	p.mu.Lock()
	sampled = max(p.maxRSS, st["VmRSS"])
	anon = max(p.maxAnon, st["RssAnon"])
	p.mu.Unlock()
	peakRSS = sampled
	if hwm {
		peakRSS = max(peakRSS, st["VmHWM"])
	}
	return peakRSS, sampled, anon
}

// alive reports whether the child is still running.
func (p *serverProc) alive() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// stop asks the child to shut down (SIGTERM), and kills it if it has not
// ended within 15 seconds. It is safe to call more than once.
func (p *serverProc) stop() error {
	p.mu.Lock()
	first := !p.stopped
	p.stopped = true
	p.mu.Unlock()
	if first && p.alive() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
	}
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		return errors.New("emcdp serve did not stop within 15 s and was killed")
	}
	return nil
}

// procStatus reads the memory lines of /proc/PID/status, in bytes.
func procStatus(pid int) (map[string]int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, err
	}
	return parseProcStatus(string(b)), nil
}

// parseProcStatus picks the "VmXxx:  1234 kB" and "RssXxx: …" lines out of a status file.
func parseProcStatus(s string) map[string]int64 {
	out := map[string]int64{}
	for _, line := range strings.Split(s, "\n") {
		name, rest, ok := strings.Cut(line, ":")
		if !ok || !strings.HasPrefix(name, "Vm") && !strings.HasPrefix(name, "Rss") {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			continue
		}
		if n, err := strconv.ParseInt(f[0], 10, 64); err == nil {
			out[name] = n << 10
		}
	}
	return out
}
