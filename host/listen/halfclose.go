package listen

import (
	"crypto/tls"
	"errors"
	"net"
	"time"
)

// A TCP peer may shut down only its sending side (a half-close, as
// `nc -N` does) and still read the answer. Prosody treats that as a hang-up
// and so does a handler by default; a handler that relays data (a proxy)
// needs to pass the half-close on instead, which these allow.

// ReadCloser is optional for a Handler: ReadClosed hears that the peer shut
// down its sending side, after its last data was delivered, and reports
// whether to keep the connection open for sending. Without it, or when it
// reports false, the connection closes as when the peer hangs up.
type ReadCloser interface {
	ReadClosed(c *Conn) bool
}

// keepHalfOpen asks the handler whether a connection whose peer shut down
// its sending side goes on sending.
func (c *Conn) keepHalfOpen() bool {
	rc, ok := c.handler().(ReadCloser)
	return ok && !c.isClosing() && rc.ReadClosed(c)
}

// waitHalfOpen holds the reader of a half-open connection until the
// connection ends. The peer can say nothing more, so read_timeout still
// applies: past it the handler is asked, as for a silent peer, whether
// the connection stays.
func (c *Conn) waitHalfOpen(timeout time.Duration) {
	var expired <-chan time.Time
	if timeout > 0 {
		t := time.NewTicker(timeout)
		defer t.Stop()
		expired = t.C
	}
	for {
		select {
		case <-c.done:
			return
		case <-expired:
			if !c.isClosing() && !c.handler().ReadTimeout(c) {
				c.finish(ErrReadTimeout)
				return
			}
		}
	}
}

// CloseWrite sends what is queued, then shuts down the sending side (a TCP
// FIN; on TLS a close_notify first): the peer reads to its end while this
// side goes on reading. Writing afterwards fails; Close ends the rest.
func (c *Conn) CloseWrite() error {
	c.mu.Lock()
	if c.closing || c.finished {
		c.mu.Unlock()
		return net.ErrClosed
	}
	if c.wantShut {
		c.mu.Unlock()
		return nil
	}
	c.wantShut = true
	now := c.queued == 0 && !c.writing && c.nc != nil
	if now {
		c.shutDone = true
	}
	spawn := !now && c.takeWriterLocked()
	c.mu.Unlock()
	if now {
		c.shutWrite()
	} else if spawn {
		go c.writeOut()
	}
	return nil
}

// takeShutLocked claims a shutdown CloseWrite asked for, once the queue is
// empty.
func (c *Conn) takeShutLocked() bool {
	if !c.wantShut || c.shutDone || c.queued > 0 || c.nc == nil {
		return false
	}
	c.shutDone = true
	return true
}

type closeWriter interface{ CloseWrite() error }

// shutWrite shuts down the sending side of the socket; a failure ends the
// connection.
func (c *Conn) shutWrite() {
	c.mu.Lock()
	nc := c.nc
	c.mu.Unlock()
	err := errors.New("the socket cannot shut down only its sending side")
	if tc, ok := nc.(*tls.Conn); ok {
		if err = tc.CloseWrite(); err == nil {
			nc = tc.NetConn() // tls.Conn.CloseWrite leaves the socket's own side open
		}
	}
	if p, ok := nc.(*prefixConn); ok {
		nc = p.Conn
	}
	if cw, ok := nc.(closeWriter); ok {
		err = cw.CloseWrite()
	}
	if err != nil {
		c.finish(err)
	}
}

// flushDialled starts the sending of an outgoing connection that has just
// come up: what was queued while it connected, then a Close or CloseWrite
// asked for meanwhile.
func (c *Conn) flushDialled() {
	c.mu.Lock()
	spawn := c.takeWriterLocked()
	closeNow := !spawn && c.closing && c.queued == 0
	shut := !spawn && c.takeShutLocked()
	err := c.closeErr
	c.mu.Unlock()
	switch {
	case spawn:
		go c.writeOut()
	case closeNow:
		c.finish(err)
	case shut:
		c.shutWrite()
	}
}
