package listen

import (
	"io"
	"net"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// Raw socket I/O: reads and writes on the file descriptor of a plain TCP
// connection, through the runtime's poller but without net.Conn's
// buffering, so an idle connection holds no read buffer and a write the
// socket has room for needs no deadline. Linux is the target; other systems
// use the portable fallback in rawio_other.go.

// rawWriter makes one write attempt that never waits for the socket.
type rawWriter struct {
	rc   syscall.RawConn
	buf  []byte
	n    int
	err  error
	try  func(fd uintptr) bool // w.attempt, bound once
	bufs [][]byte
	tryv func(fd uintptr) bool // w.attemptv, bound once
}

// newRawWriter returns a raw writer for a plain TCP connection, or nil.
func newRawWriter(nc net.Conn) *rawWriter {
	tc, ok := nc.(*net.TCPConn)
	if !ok {
		return nil
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return nil
	}
	w := &rawWriter{rc: rc}
	w.try, w.tryv = w.attempt, w.attemptv
	return w
}

func (w *rawWriter) attempt(fd uintptr) bool {
	for {
		w.n, w.err = syscall.Write(int(fd), w.buf)
		if w.err != syscall.EINTR {
			return true
		}
	}
}

// writeNow writes as much of b as the socket takes at once and returns how
// much that was; a full socket is not an error.
func (w *rawWriter) writeNow(b []byte) (int, error) {
	w.buf = b
	n, err := w.written(w.rc.Write(w.try))
	w.buf = nil
	return n, err
}

// written is the outcome of one write attempt (attempt or attemptv):
// how much the socket took, and the error unless it was only full.
func (w *rawWriter) written(err error) (int, error) {
	if err != nil {
		return 0, err
	}
	n := max(w.n, 0)
	if w.err != nil && w.err != syscall.EAGAIN {
		return n, w.err
	}
	return n, nil
}

// rawReader reads a TCP socket without holding a buffer while it waits:
// only once the socket is readable does it take one from the pool.
type rawReader struct {
	rc   syscall.RawConn
	pool *sync.Pool
	bp   *[]byte
	n    int
	err  error
	try  func(fd uintptr) bool // r.attempt, bound once
}

// newRawReader returns a raw reader for a plain TCP connection, taking its
// buffers from pool, or nil.
func newRawReader(nc net.Conn, pool *sync.Pool) *rawReader {
	tc, ok := nc.(*net.TCPConn)
	if !ok {
		return nil
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return nil
	}
	r := &rawReader{rc: rc, pool: pool}
	r.try = r.attempt
	return r
}

func (r *rawReader) attempt(fd uintptr) bool {
	r.bp = r.pool.Get().(*[]byte)
	for {
		r.n, r.err = syscall.Read(int(fd), *r.bp)
		if r.err != syscall.EINTR {
			break
		}
	}
	if r.err == syscall.EAGAIN {
		r.pool.Put(r.bp)
		r.bp = nil
		return false
	}
	return true
}

// read waits until the socket is readable and returns what it holds in a
// pooled buffer the caller puts back.
func (r *rawReader) read() ([]byte, *[]byte, error) {
	r.bp, r.n, r.err = nil, 0, nil
	err := r.rc.Read(r.try)
	bp := r.bp
	switch {
	case err != nil:
		if bp != nil {
			r.pool.Put(bp)
		}
		return nil, nil, err
	case r.err != nil:
		return nil, bp, r.err
	case r.n == 0:
		return nil, bp, io.EOF
	}
	return (*bp)[:r.n], bp, nil
}

// maxIOV bounds the buffers of one writev (Linux's IOV_MAX).
const maxIOV = 1024

func (w *rawWriter) attemptv(fd uintptr) bool {
	for {
		w.n, w.err = unix.Writev(int(fd), w.bufs)
		if w.err != unix.EINTR {
			return true
		}
	}
}

// writevNow is writeNow for several buffers at once (writev).
func (w *rawWriter) writevNow(bufs [][]byte) (int, error) {
	w.bufs = bufs
	n, err := w.written(w.rc.Write(w.tryv))
	w.bufs = nil
	return n, err
}
