package listen

import (
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
)

// ErrReceiveBufferFull closes a connection whose incomplete frame grew past
// max_receive_buffer_size.
var ErrReceiveBufferFull = errors.New("receive buffer exceeded max_receive_buffer_size")

// bufferPools hands out read buffers by size, so a connection holds one
// only while data is being handed over.
var bufferPools sync.Map // int -> *sync.Pool

func bufferPool(size int) *sync.Pool {
	if p, ok := bufferPools.Load(size); ok {
		return p.(*sync.Pool)
	}
	p, _ := bufferPools.LoadOrStore(size, &sync.Pool{New: func() any { b := make([]byte, size); return &b }})
	return p.(*sync.Pool)
}

// read waits for data and returns it in a pooled buffer the caller puts
// back.
func (c *Conn) read(raw *rawReader, pool *sync.Pool) ([]byte, *[]byte, error) {
	if raw == nil {
		bp := pool.Get().(*[]byte)
		n, err := c.nc.Read(*bp)
		return (*bp)[:n], bp, err
	}
	return raw.read()
}

// readState is what reading a connection carries from one reader to the
// next, when the connection moves between a reader goroutine and a Loop:
// the bytes of a frame not yet complete and when data last came.
type readState struct {
	f        framer
	lastData time.Time
}

// readLoop is the connection's reader from its start.
func (c *Conn) readLoop() { c.readFrom(&readState{lastData: time.Now()}, nil, false) }

// readFrom is the connection's reader goroutine: it reads, frames and
// delivers until the connection ends, hands it to net/http, or joins its
// Loop. A connection coming from the loop brings first, the error its read
// there returned, or nil when something else sent it here (held frames,
// a StartTLS or HTTP hand-off asked for, Pause, a read timeout): resumed.
func (c *Conn) readFrom(st *readState, first error, resumed bool) {
	pool := bufferPool(c.settings.ReadSize)
	var raw *rawReader
	if !c.secure.Load() {
		raw = newRawReader(c.nc, pool)
	}
	f := &st.f
	timeout := c.settings.ReadTimeout
	switch {
	case first != nil:
		if !c.readFailed(first, f, timeout, &st.lastData) {
			return
		}
	case !resumed:
	case c.detaching() || c.wantsUpgrade():
		if !c.afterDelivery(f, &raw) {
			return
		}
	case f.pending() > 0 && !c.isClosing():
		if !c.deliver(f, nil) || !c.afterDelivery(f, &raw) {
			return
		}
	}
	armed := false
	for {
		if raw != nil && c.mayJoin(st) {
			if armed { // the loop keeps time itself: no timer left behind
				_ = c.nc.SetReadDeadline(time.Time{})
				armed = false
			}
			if c.loop.join(c, st) {
				return
			}
		}
		// The read deadline is armed once per read_timeout, not on every
		// read: when it fires, the time of the last data decides whether
		// the peer really was silent that long.
		if timeout > 0 && !armed {
			_ = c.nc.SetReadDeadline(st.lastData.Add(timeout))
			armed = true
		}
		data, bp, err := c.read(raw, pool)
		if len(data) > 0 {
			c.bytesIn.Add(int64(len(data)))
			if timeout > 0 {
				st.lastData = time.Now()
			}
		}
		if len(data) > 0 && !c.isClosing() {
			alive := c.deliver(f, data)
			pool.Put(bp)
			if !alive || !c.afterDelivery(f, &raw) {
				return
			}
			continue
		}
		if bp != nil {
			pool.Put(bp)
		}
		if err == nil {
			continue
		}
		if !c.readFailed(err, f, timeout, &st.lastData) {
			return
		}
	}
}

// afterDelivery does what the callbacks just run asked for: a hand-off to
// net/http, a StartTLS upgrade (reads then go through the tls.Conn). It
// reports whether this goroutine goes on reading.
func (c *Conn) afterDelivery(f *framer, raw **rawReader) bool {
	if to, rest := c.takeDetach(); to != nil {
		c.handToHTTP(to, rest)
		return false
	}
	if c.wantsUpgrade() {
		f.reset()
		if err := c.upgradeNow(); err != nil {
			c.finish(err)
			return false
		}
		*raw = nil
	}
	return true
}

// mayJoin reports whether the connection is back to what its Loop serves:
// plain TCP (the caller knows), reading, not paused, not closing, not
// silent past its read_timeout (its reader asks the handler about that).
func (c *Conn) mayJoin(st *readState) bool {
	if c.loop == nil || c.rawW == nil || c.paused.Load() || c.isClosing() {
		return false
	}
	t := c.settings.ReadTimeout
	return t <= 0 || time.Since(st.lastData) < t
}

// readFailed deals with what ended a read: the read deadline (the peer
// silent for read_timeout, unless the handler keeps it), the peer's end of
// stream or reset, or a socket error. It reports whether reading goes on.
func (c *Conn) readFailed(err error, f *framer, timeout time.Duration, lastData *time.Time) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() && !c.isClosing() {
		if silent := time.Since(*lastData); silent < timeout {
			_ = c.nc.SetReadDeadline(lastData.Add(timeout))
			return true
		}
		if c.handler().ReadTimeout(c) {
			*lastData = time.Now()
			_ = c.nc.SetReadDeadline(lastData.Add(timeout))
			return true
		}
		c.finish(ErrReadTimeout)
		return false
	}
	if c.isClosing() {
		return false
	}
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, net.ErrClosed):
		c.finish(nil)
	case errors.Is(err, io.EOF):
		// The peer may only have shut down its side: its last bytes are
		// still a frame, and what is queued (or the answer to them) is sent.
		c.deliverTail(f)
		if c.keepHalfOpen() {
			c.waitHalfOpen(timeout)
			return false
		}
		c.closeGracefully(ErrClosedByPeer)
	case errors.Is(err, syscall.ECONNRESET):
		c.finish(ErrClosedByPeer)
	default:
		c.finish(err)
	}
	return false
}

// Redeliver makes data be framed again, under the current read mode and
// handler, once the current callback returns: a multiplexer that read the
// first bytes hands them to the service it chose this way.
func (c *Conn) Redeliver(data []byte) {
	c.mu.Lock()
	c.replay = append([]byte(nil), data...)
	c.mu.Unlock()
}

func (c *Conn) takeReplay() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.replay
	c.replay = nil
	return r
}
