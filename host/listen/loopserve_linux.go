//go:build linux

package listen

import (
	"io"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// What the loop does with its connections: take them on, read and deliver,
// hand them back to a reader goroutine.

// add registers a connection that joined. A connection closed meanwhile
// (its descriptor gone) is dropped: whoever closed it finished it.
func (l *Loop) add(c *Conn, st *readState) {
	var i int32
	if n := len(l.free); n > 0 {
		i, l.free = l.free[n-1], l.free[:n-1]
	} else {
		l.slots = append(l.slots, loopSlot{})
		i = int32(len(l.slots) - 1)
	}
	s := &l.slots[i]
	s.gen++
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP, Fd: i, Pad: s.gen}
	var cerr error
	err := c.rawW.rc.Control(func(fd uintptr) { cerr = unix.EpollCtl(l.epfd, unix.EPOLL_CTL_ADD, int(fd), &ev) })
	if err != nil || cerr != nil {
		l.free = append(l.free, i)
		if err == nil { // not closed, yet epoll refused it: read it the usual way
			go c.readFrom(st, nil, true)
		}
		return
	}
	s.c, s.st = c, st
	c.lslot = i
	if t := c.settings.ReadTimeout; t > 0 {
		l.armSweep(t)
	}
	if n := c.settings.ReadSize; n > len(l.buf) {
		l.buf = make([]byte, n)
	}
}

// remove frees slot i; the connection is finished or goes elsewhere.
func (l *Loop) remove(i int32) {
	s := &l.slots[i]
	c := s.c
	_ = c.rawW.rc.Control(func(fd uintptr) { _ = unix.EpollCtl(l.epfd, unix.EPOLL_CTL_DEL, int(fd), nil) })
	c.lslot = -1
	s.c, s.st = nil, nil
	l.free = append(l.free, i)
}

// leave hands slot i's connection to a reader goroutine of its own, which
// deals with first (when not nil) as if its own read had returned it.
func (l *Loop) leave(i int32, first error) {
	c, st := l.slots[i].c, l.slots[i].st
	l.remove(i)
	go c.readFrom(st, first, true)
}

func (l *Loop) readSocket(fd uintptr) {
	for {
		l.rd.n, l.rd.err = syscall.Read(int(fd), l.rd.buf)
		if l.rd.err != syscall.EINTR {
			return
		}
	}
}

// serve reads slot i's socket once and delivers what came.
func (l *Loop) serve(i int32) {
	s := &l.slots[i]
	c := s.c
	if c.paused.Load() { // the reader goroutine waits for Resume
		l.leave(i, nil)
		return
	}
	l.rd.buf = l.buf[:c.settings.ReadSize]
	// Control holds the descriptor open while it is read, so a Close on
	// another goroutine cannot hand its number to a new socket meanwhile.
	if err := c.rawW.rc.Control(l.readFn); err != nil {
		l.remove(i) // closed: finished by whoever closed it
		return
	}
	n, err := l.rd.n, l.rd.err
	switch {
	case err == syscall.EAGAIN:
		return
	case err != nil:
		l.leave(i, err)
		return
	case n == 0:
		l.leave(i, io.EOF)
		return
	}
	if n == len(l.rd.buf) {
		l.more = true
	}
	c.bytesIn.Add(int64(n))
	s.st.lastData = l.now
	if c.isClosing() {
		return // dropped, as the reader goroutine does
	}
	switch c.loopDeliver(&s.st.f, l.buf[:n]) {
	case delivered:
		if c.lslot == i && (c.detaching() || c.wantsUpgrade()) {
			l.leave(i, nil)
		}
	case mustLeave:
		if c.lslot == i {
			l.leave(i, nil)
		}
	case connGone:
		if c.lslot == i {
			l.remove(i)
		}
	}
}

// armSweep makes the read-timeout sweep run often enough for timeout: a
// connection silent past its read_timeout is found within an eighth of it
// (at most a second late).
func (l *Loop) armSweep(timeout time.Duration) {
	tick := min(max(timeout/8, 10*time.Millisecond), time.Second)
	if l.tick != 0 && l.tick <= tick {
		return
	}
	l.tick = tick
	ts := unix.NsecToTimespec(int64(tick))
	_ = unix.TimerfdSettime(l.tfd, 0, &unix.ItimerSpec{Interval: ts, Value: ts}, nil)
}

// sweep hands the connections silent past their read_timeout to reader
// goroutines, which ask the handler (onreadtimeout) as they always have.
func (l *Loop) sweep() {
	for i := range l.slots {
		s := &l.slots[i]
		if s.c == nil {
			continue
		}
		if t := s.c.settings.ReadTimeout; t > 0 && l.now.Sub(s.st.lastData) >= t {
			l.leave(int32(i), nil)
		}
	}
}
