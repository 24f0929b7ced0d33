package listen

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// fastCtx is a fast-path request's context: done when the client goes
// while the handler runs, or once the handler returned, as net/http's.
// Seeing the client go takes a read on the socket; net/http starts one
// for every request, the fast path only when someone waits on Done (a
// handler that answers later), so a handler that answers at once costs
// no goroutine and no extra read(2).
type fastCtx struct {
	fc   *fastConn
	body *fastBody

	mu    sync.Mutex
	done  chan struct{}
	err   error
	ended bool
}

func (c *fastCtx) Deadline() (time.Time, bool) { return time.Time{}, false }

func (c *fastCtx) Value(key any) any {
	if key == http.LocalAddrContextKey {
		return c.fc.hc.LocalAddr()
	}
	return nil
}

func (c *fastCtx) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

func (c *fastCtx) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done != nil {
		return c.done
	}
	c.done = make(chan struct{})
	switch {
	case c.err != nil:
		close(c.done)
	case c.body.remain == 0 && c.fc.w == nil && len(c.fc.rest) == 0 && c.fc.br.Buffered() == 0:
		// The body is read (else the watch would take its bytes) and
		// no next request waits: watch the socket.
		c.fc.w = startWatch(c)
	}
	return c.done
}

// cancel ends the context once, with err.
func (c *fastCtx) cancel(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return
	}
	c.err = err
	if c.done != nil {
		close(c.done)
	}
}

// end is the handler having returned: the watch stops (its byte, if it
// read one, is the next request's) and the context is done.
func (c *fastCtx) end() {
	c.mu.Lock()
	w := c.fc.w
	c.mu.Unlock()
	if w != nil {
		w.stop()
	}
	c.cancel(context.Canceled)
}

// watch is a read of one byte on the socket while a handler waits: EOF
// or an error means the client went; a byte is kept for the next read.
type watch struct {
	fc       *fastConn
	finished chan struct{}
	b        [1]byte
	n        int
	err      error
	aborted  atomic.Bool // stop ended the read
}

// startWatch starts the read; its goroutine ends when the read returns
// (stop makes it return).
func startWatch(c *fastCtx) *watch {
	w := &watch{fc: c.fc, finished: make(chan struct{})}
	go func() {
		defer close(w.finished)
		w.n, w.err = w.fc.hc.Read(w.b[:])
		if w.n == 0 && w.err != nil && !w.aborted.Load() {
			c.cancel(context.Canceled)
		}
	}()
	return w
}

// stop ends the read (a deadline in the past) and waits for it.
func (w *watch) stop() {
	c := w.fc
	select {
	case <-w.finished:
	default:
		w.aborted.Store(true)
		_ = c.hc.SetReadDeadline(time.Unix(1, 0))
		<-w.finished
		_ = c.hc.SetReadDeadline(time.Time{})
	}
}

// take gives a later read what the watch read: its byte, or the error
// that ended the client (not the one stop caused). ok is false once
// there is nothing left of it.
func (w *watch) take(p []byte) (n int, err error, ok bool) {
	defer func() { w.fc.w = nil }()
	if w.n == 1 {
		p[0] = w.b[0]
		return 1, nil, true
	}
	if w.err != nil && !w.aborted.Load() {
		return 0, w.err, true
	}
	return 0, nil, false
}
