//go:build linux

package listen

import (
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// The event loop (Engine "loop"): one goroutine reads the plain TCP
// connections of one copy of a listener's module. It owns an epoll
// instance and, per wake-up, reads every ready socket into one buffer,
// frames the data and hands each frame to the handler in turn, then
// writes what the callbacks queued. So the callbacks of a busy instance
// run on one goroutine, one core, with no hand-off between goroutines and
// no lock taken by another, and an idle connection holds no goroutine.
//
// The loop never blocks in a system call: its epoll descriptor is itself
// registered in the runtime's poller, so between wake-ups the goroutine is
// parked like any reader. Only the common case lives here: a connection
// that is plain TCP and reading. Anything else (StartTLS, a hand-off to
// net/http, Pause, end of stream, errors, a read timeout falling due)
// hands the connection back to a reader goroutine of its own (readFrom)
// with its framer state, which rejoins the loop once the connection is
// back to the common case (see Conn.mayJoin). What the socket cannot
// take at once is left to a writer goroutine, as a write queued outside
// a callback always is (writeQueue); the connection stays on the loop.

const loopAvailable = true

// Loop is one event loop. Its owner (the Listener) stops it; stop hands
// the connections it holds to reader goroutines, so they carry on.
type Loop struct {
	epfd, efd, tfd int // epoll; an eventfd that wakes it; a timerfd for read timeouts
	file           *os.File
	rc             syscall.RawConn

	mu      sync.Mutex
	joins   []loopJoin
	gone    []*Conn
	woken   bool
	stopped bool
	done    chan struct{}

	// Owned by the loop goroutine.
	slots  []loopSlot
	free   []int32
	events []unix.EpollEvent
	n      int
	more   bool // a read filled the buffer: the socket may hold more
	ended  bool // dispatch saw the stop
	buf    []byte
	now    time.Time
	tick   time.Duration
	rd     struct {
		buf []byte
		n   int
		err error
	}
	readFn func(fd uintptr)
	pollFn func(fd uintptr) bool
}

type loopJoin struct {
	c  *Conn
	st *readState
}

// loopSlot is a connection on the loop. gen tells a slot's occupants
// apart, so an event for one that left cannot reach the next.
type loopSlot struct {
	c   *Conn
	st  *readState
	gen int32
}

// Event data of the loop's own descriptors; connections use slot numbers.
const (
	wakeSlot  = -1
	timerSlot = -2
)

func newLoop() (*Loop, error) {
	l := &Loop{epfd: -1, efd: -1, tfd: -1, done: make(chan struct{}), events: make([]unix.EpollEvent, 128)}
	var err error
	defer func() {
		if err != nil {
			l.closeFDs()
		}
	}()
	if l.epfd, err = unix.EpollCreate1(unix.EPOLL_CLOEXEC); err != nil {
		return nil, err
	}
	if l.efd, err = unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK); err != nil {
		return nil, err
	}
	if l.tfd, err = unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_CLOEXEC|unix.TFD_NONBLOCK); err != nil {
		return nil, err
	}
	for fd, slot := range map[int]int32{l.efd: wakeSlot, l.tfd: timerSlot} {
		ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: slot}
		if err = unix.EpollCtl(l.epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
			return nil, err
		}
	}
	if err = unix.SetNonblock(l.epfd, true); err != nil {
		return nil, err
	}
	// A non-blocking descriptor given to os.NewFile goes into the
	// runtime's poller: epoll descriptors are pollable (readable when an
	// event is ready), so the goroutine parks on it instead of blocking a
	// thread in epoll_wait.
	l.file = os.NewFile(uintptr(l.epfd), "moonport-loop")
	if l.rc, err = l.file.SyscallConn(); err != nil {
		return nil, err
	}
	l.readFn = l.readSocket
	l.pollFn = l.poll
	go l.run()
	return l, nil
}

func (l *Loop) closeFDs() {
	if l.file != nil {
		_ = l.file.Close()
	} else if l.epfd >= 0 {
		_ = unix.Close(l.epfd)
	}
	for _, fd := range []int{l.efd, l.tfd} {
		if fd >= 0 {
			_ = unix.Close(fd)
		}
	}
}

// Done is closed once the loop's goroutine has ended.
func (l *Loop) Done() <-chan struct{} { return l.done }

// stop ends the loop: the connections on it go on with reader goroutines
// of their own. It does not wait (the caller may be one of the loop's own
// callbacks); Done tells when it is over.
func (l *Loop) stop() {
	l.mu.Lock()
	l.stopped = true
	l.wakeLocked()
	l.mu.Unlock()
}

// join hands c's reading to the loop, from c's reader goroutine, which
// ends if join reports true.
func (l *Loop) join(c *Conn, st *readState) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stopped {
		return false
	}
	l.joins = append(l.joins, loopJoin{c, st})
	l.wakeLocked()
	return true
}

// forget tells the loop c has finished, so its slot is freed.
func (l *Loop) forget(c *Conn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.stopped {
		l.gone = append(l.gone, c)
		l.wakeLocked()
	}
}

func (l *Loop) wakeLocked() {
	if l.woken {
		return
	}
	l.woken = true
	one := [8]byte{1}
	_, _ = unix.Write(l.efd, one[:])
}

// poll serves the ready events, batch after batch, and reports false to
// park the goroutine in the runtime's poller until the epoll descriptor
// is readable again (true once the loop has stopped). After a batch it
// parks without asking epoll again when nothing can be left over: every
// socket read came short (the kernel had no more), and anything arriving
// since wakes the epoll descriptor's waiters, which is the runtime's
// poller: so an idle moment costs no empty epoll_wait.
func (l *Loop) poll(fd uintptr) bool {
	for {
		n, err := unix.EpollWait(int(fd), l.events, 0)
		if err == unix.EINTR {
			continue
		}
		if n <= 0 {
			return false
		}
		l.n, l.more = n, false
		if !l.dispatch() {
			l.ended = true
			return true
		}
		if n < len(l.events) && !l.more {
			return false
		}
	}
}

func (l *Loop) run() {
	defer close(l.done)
	defer l.closeFDs()
	if err := l.rc.Read(l.pollFn); err != nil || !l.ended {
		l.shutdown()
	}
}

// dispatch serves one batch of events; false once the loop stopped.
func (l *Loop) dispatch() bool {
	l.now = time.Now()
	for _, ev := range l.events[:l.n] {
		switch ev.Fd {
		case wakeSlot:
			if !l.woke() {
				return false
			}
		case timerSlot:
			var b [8]byte
			_, _ = unix.Read(l.tfd, b[:])
			l.sweep()
		default:
			if s := &l.slots[ev.Fd]; s.c != nil && s.gen == ev.Pad {
				l.serve(ev.Fd)
			}
		}
	}
	return true
}

// woke takes what other goroutines handed over; false once stopped.
func (l *Loop) woke() bool {
	var b [8]byte
	_, _ = unix.Read(l.efd, b[:])
	l.mu.Lock()
	l.woken = false
	joins, gone, stopped := l.joins, l.gone, l.stopped
	l.joins, l.gone = nil, nil
	l.mu.Unlock()
	for _, j := range joins {
		l.add(j.c, j.st)
	}
	for _, c := range gone {
		if i := c.lslot; i >= 0 && l.slots[i].c == c {
			l.remove(i)
		}
	}
	if stopped {
		l.shutdown()
	}
	return !stopped
}

// shutdown hands every connection to a reader goroutine of its own.
func (l *Loop) shutdown() {
	l.mu.Lock()
	l.stopped = true
	joins := l.joins
	l.joins, l.gone = nil, nil
	l.mu.Unlock()
	for _, j := range joins {
		go j.c.readFrom(j.st, nil, true)
	}
	for i := range l.slots {
		if l.slots[i].c != nil {
			l.leave(int32(i), nil)
		}
	}
}
