package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// running is a started peer: its commands and the goroutine that reaps
// them (it ends when they all have exited, which stop makes sure of).
type running struct {
	cmds   []*exec.Cmd
	exited chan struct{}
}

// startPeer starts a peer's processes and waits until its services listen.
func startPeer(p peer, l launch) (*running, error) {
	cmds, err := p.start(l)
	r := &running{cmds: cmds, exited: make(chan struct{})}
	if err != nil {
		close(r.exited)
		return r, err
	}
	started := 0
	for _, c := range cmds {
		if err = c.Start(); err != nil {
			break
		}
		started++
	}
	go func() {
		defer close(r.exited)
		for _, c := range cmds[:started] {
			_ = c.Wait()
		}
	}()
	if err != nil {
		return r, err
	}
	var addrs []string
	for _, s := range []struct {
		on   bool
		addr string
	}{{p.echo, l.echo}, {p.resp, l.resp}, {p.http, l.http}} {
		if s.on {
			addrs = append(addrs, s.addr)
		}
	}
	return r, waitListening(addrs, r)
}

// waitListening waits until every address accepts connections.
func waitListening(addrs []string, r *running) error {
	deadline := time.Now().Add(30 * time.Second)
	for _, a := range addrs {
		for {
			c, err := net.DialTimeout("tcp", a, time.Second)
			if err == nil {
				c.Close()
				break
			}
			select {
			case <-r.exited:
				return fmt.Errorf("exited before listening on %s", a)
			default:
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("nothing listens on %s after 30s", a)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return nil
}

// stop asks the peer to exit (SIGTERM), then kills what is left after 10s.
func (r *running) stop() {
	for _, c := range r.cmds {
		if c != nil && c.Process != nil {
			_ = c.Process.Signal(syscall.SIGTERM)
		}
	}
	select {
	case <-r.exited:
	case <-time.After(10 * time.Second):
		for _, c := range r.cmds {
			if c != nil && c.Process != nil {
				_ = c.Process.Kill()
			}
		}
		<-r.exited
	}
}

// pids is every process of the peer: its commands and all their
// descendants (nginx's workers). Threads (HAProxy's) count in their
// process's figures.
func (r *running) pids() []int {
	var roots []int
	for _, c := range r.cmds {
		if c != nil && c.Process != nil {
			roots = append(roots, c.Process.Pid)
		}
	}
	return descendants(roots, parents())
}

// parents maps every live process to its parent, from /proc.
func parents() map[int]int {
	out := map[int]int{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if f := statFields(pid); len(f) > 1 {
			out[pid], _ = strconv.Atoi(f[1])
		}
	}
	return out
}

// descendants returns roots and every process below them in parent.
func descendants(roots []int, parent map[int]int) []int {
	in := map[int]bool{}
	for _, r := range roots {
		in[r] = true
	}
	for grew := true; grew; {
		grew = false
		for pid, pp := range parent {
			if in[pp] && !in[pid] {
				in[pid], grew = true, true
			}
		}
	}
	out := make([]int, 0, len(in))
	for pid := range in {
		out = append(out, pid)
	}
	return out
}

// statFields are /proc/PID/stat's fields after the command name (which is
// in parentheses and may hold spaces): [0] is the state, [1] the parent.
func statFields(pid int) []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 > len(s) {
		return nil
	}
	return strings.Fields(s[i+2:])
}

// cpuTime is the CPU time the peer's processes have used, all threads:
// the sum of each thread's run time in /proc/PID/task/TID/schedstat
// (nanoseconds; /proc/PID/stat counts in 10 ms ticks, too coarse for a
// short redis-benchmark run), falling back to stat's ticks when schedstat
// is missing. Threads that exited in between are not counted; the peers
// keep theirs for their lifetime.
func (r *running) cpuTime() time.Duration {
	var total time.Duration
	for _, pid := range r.pids() {
		total += processCPU(pid)
	}
	return total
}

func processCPU(pid int) time.Duration {
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if _, serr := os.Stat(fmt.Sprintf("/proc/%d/schedstat", pid)); err == nil && serr == nil {
		var total time.Duration
		for _, t := range tasks {
			// A thread that exited since ReadDir has no file: skipped.
			if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/schedstat", pid, t.Name())); err == nil {
				total += parseSchedstat(string(b))
			}
		}
		return total
	}
	f := statFields(pid)
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / clockTicks
}

// parseSchedstat reads the first field of a schedstat line: nanoseconds
// the thread has run on a CPU.
func parseSchedstat(s string) time.Duration {
	f := strings.Fields(s)
	if len(f) == 0 {
		return 0
	}
	ns, _ := strconv.ParseInt(f[0], 10, 64)
	return time.Duration(ns)
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat times (100 on Linux).
const clockTicks = 100

// rss is the resident memory of the peer's processes, in bytes.
func (r *running) rss() int64 {
	var total int64
	for _, pid := range r.pids() {
		v, _ := rssOf(pid)
		total += v
	}
	return total
}

func rssOf(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmRSS:"); ok {
			fields := strings.Fields(v)
			kb, err := strconv.ParseInt(fields[0], 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("no VmRSS for pid %d", pid)
}

// freeAddr is a loopback address nothing listens on now: the kernel picks
// the port, so helpers and CI running side by side do not clash.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// countLogErrors counts moonport's error and warning lines in a log.
func countLogErrors(dir, name string) int {
	b, _ := os.ReadFile(filepath.Join(dir, name))
	return strings.Count(string(b), "level=error") + strings.Count(string(b), "level=warning")
}
