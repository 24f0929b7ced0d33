package listen

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Handler receives a connection's events. Connected, Drained and
// Disconnected must not block; Incoming and ReadTimeout block until the
// handler has dealt with them, which is what stops a fast peer from running
// ahead of a slow handler.
type Handler interface {
	Connected(c *Conn)
	// Incoming delivers data framed by the connection's read mode. data is
	// only valid until Incoming returns.
	Incoming(c *Conn, data []byte)
	// ReadTimeout asks whether a silent connection should stay open.
	ReadTimeout(c *Conn) bool
	Drained(c *Conn)
	Disconnected(c *Conn, err error)
}

// Errors a handler may see in Disconnected.
var (
	ErrClosedByPeer      = errors.New("closed")
	ErrReadTimeout       = errors.New("read timeout")
	ErrSendTimeout       = errors.New("send timeout")
	ErrSendBufferFull    = errors.New("send buffer exceeded max_send_buffer_size")
	ErrShutdown          = errors.New("server shutting down")
	ErrConnectionRefused = errors.New("connection refused")
)

var connIDs atomic.Uint64

// Conn is one TCP connection, accepted or dialled. Its reader goroutine
// reads and frames data; its writer goroutine drains the send queue. Both
// stop when the connection finishes, exactly once, with Disconnected.
type Conn struct {
	ID       uint64
	nc       net.Conn
	handler  Handler
	settings Settings
	Listener string // the listener it came in on; empty for outgoing ones
	Service  string

	// State is the handler's own per-connection value.
	State any

	local, remote net.Addr

	mu       sync.Mutex
	queue    [][]byte
	queued   int
	closing  bool
	closeErr error // what Disconnected reports after a graceful close
	finished bool
	wake     chan struct{}

	mode      atomic.Pointer[Mode]
	paused    atomic.Bool
	resume    chan struct{}
	done      chan struct{}
	wantDrain atomic.Bool
	onFinish  func(*Conn)
}

func newConn(nc net.Conn, h Handler, s Settings) *Conn {
	c := &Conn{ID: connIDs.Add(1), nc: nc, handler: h, settings: s,
		wake: make(chan struct{}, 1), resume: make(chan struct{}, 1), done: make(chan struct{})}
	c.SetMode(ChunkMode(s.ReadSize))
	if nc != nil {
		c.local, c.remote = nc.LocalAddr(), nc.RemoteAddr()
	}
	return c
}

// start runs the connection's goroutines; they end when it finishes.
func (c *Conn) start() {
	applyTCPOptions(c.nc, c.settings)
	c.handler.Connected(c)
	go c.writeLoop()
	go c.readLoop()
}

func applyTCPOptions(nc net.Conn, s Settings) {
	tc, ok := nc.(*net.TCPConn)
	if !ok {
		return
	}
	_ = tc.SetNoDelay(!s.Nagle)
	if s.KeepAlive > 0 {
		_ = tc.SetKeepAliveConfig(net.KeepAliveConfig{Enable: true, Idle: s.KeepAlive, Interval: s.KeepAlive, Count: 3})
	} else {
		_ = tc.SetKeepAlive(false)
	}
}

// Done is closed once the connection has finished.
func (c *Conn) Done() <-chan struct{} { return c.done }

// LocalAddr and RemoteAddr are the connection's endpoints.
func (c *Conn) LocalAddr() net.Addr  { return c.local }
func (c *Conn) RemoteAddr() net.Addr { return c.remote }

// SetMode changes how incoming data is framed from the next frame on.
func (c *Conn) SetMode(m Mode) { c.mode.Store(&m) }

// Mode is the current read mode.
func (c *Conn) Mode() Mode { return *c.mode.Load() }

// WantDrain asks for Drained each time the send queue empties.
func (c *Conn) WantDrain(on bool) { c.wantDrain.Store(on) }

// Pause stops delivering incoming data until Resume.
func (c *Conn) Pause() { c.paused.Store(true) }

// Resume undoes Pause.
func (c *Conn) Resume() {
	if c.paused.Swap(false) {
		select {
		case c.resume <- struct{}{}:
		default:
		}
	}
}

// Write queues data to send. It never blocks; a queue that grows past
// max_send_buffer_size finishes the connection with ErrSendBufferFull.
func (c *Conn) Write(data []byte) error {
	c.mu.Lock()
	if c.closing || c.finished {
		c.mu.Unlock()
		return net.ErrClosed
	}
	if c.queued+len(data) > c.settings.MaxSendBuffer {
		c.mu.Unlock()
		c.finish(ErrSendBufferFull)
		return ErrSendBufferFull
	}
	c.queue = append(c.queue, data)
	c.queued += len(data)
	c.mu.Unlock()
	c.signal()
	return nil
}

// Queued is the number of bytes waiting to be sent.
func (c *Conn) Queued() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.queued
}

func (c *Conn) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// Close sends what is queued, then closes; incoming data is dropped from
// now on. Disconnected follows with a nil error.
func (c *Conn) Close() { c.closeGracefully(nil) }

// closeGracefully flushes the queue, then finishes with err.
func (c *Conn) closeGracefully(err error) {
	c.mu.Lock()
	if c.closing || c.finished {
		c.mu.Unlock()
		return
	}
	c.closing = true
	c.closeErr = err
	empty := c.queued == 0
	nc := c.nc
	c.mu.Unlock()
	if empty && nc != nil {
		c.finish(err)
		return
	}
	c.signal()
	// A peer that never reads must not hold the connection open forever.
	if nc != nil && c.settings.SendTimeout > 0 {
		_ = nc.SetWriteDeadline(time.Now().Add(c.settings.SendTimeout))
	}
}

// Abort closes at once, dropping what is queued.
func (c *Conn) Abort(err error) { c.finish(err) }

// SetOption sets a socket option by its LuaSocket name.
func (c *Conn) SetOption(name string, value any) error {
	tc, ok := c.nc.(*net.TCPConn)
	if !ok {
		return fmt.Errorf("option %s needs a TCP connection", name)
	}
	on, _ := value.(bool)
	switch name {
	case "tcp-nodelay":
		return tc.SetNoDelay(on)
	case "keepalive":
		return tc.SetKeepAlive(on)
	case "linger":
		secs, _ := value.(float64)
		if value == false {
			secs = -1
		}
		return tc.SetLinger(int(secs))
	}
	return fmt.Errorf("unknown socket option %q (known: tcp-nodelay, keepalive, linger)", name)
}

// finish ends the connection once: close the socket, stop the goroutines
// and tell the handler.
func (c *Conn) finish(err error) {
	c.mu.Lock()
	if c.finished {
		c.mu.Unlock()
		return
	}
	c.finished = true
	c.queue, c.queued = nil, 0
	nc := c.nc
	c.mu.Unlock()
	if nc != nil {
		_ = nc.Close()
	}
	close(c.done)
	c.signal()
	c.Resume()
	if c.onFinish != nil {
		c.onFinish(c)
	}
	c.handler.Disconnected(c, err)
}

func (c *Conn) isClosing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closing || c.finished
}

func (c *Conn) readLoop() {
	buf := make([]byte, c.settings.ReadSize)
	var framer framer
	for {
		if c.settings.ReadTimeout > 0 {
			_ = c.nc.SetReadDeadline(time.Now().Add(c.settings.ReadTimeout))
		}
		n, err := c.nc.Read(buf)
		if n > 0 && !c.isClosing() {
			if !c.deliver(&framer, buf[:n]) {
				return
			}
		}
		if err == nil {
			continue
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() && !c.isClosing() {
			if c.handler.ReadTimeout(c) {
				continue
			}
			c.finish(ErrReadTimeout)
			return
		}
		if c.isClosing() {
			return
		}
		if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, net.ErrClosed) {
			c.finish(nil)
		} else if errors.Is(err, io.EOF) {
			// The peer may only have shut down its side: send what is queued.
			c.closeGracefully(ErrClosedByPeer)
		} else if errors.Is(err, syscall.ECONNRESET) {
			c.finish(ErrClosedByPeer)
		} else {
			c.finish(err)
		}
		return
	}
}

// deliver frames data by the current mode and hands each frame over,
// holding while paused. It reports false once the connection is gone.
func (c *Conn) deliver(f *framer, data []byte) bool {
	f.buf = append(f.buf, data...)
	for {
		for c.paused.Load() {
			select {
			case <-c.resume:
			case <-c.done:
				return false
			}
		}
		if c.isClosing() {
			f.buf = f.buf[:0]
			return !c.isFinished()
		}
		frame, ok := f.next(c.Mode())
		if !ok {
			return true
		}
		c.handler.Incoming(c, frame)
	}
}

func (c *Conn) isFinished() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.finished
}

func (c *Conn) writeLoop() {
	var batch net.Buffers
	for {
		select {
		case <-c.wake:
		case <-c.done:
			return
		}
		for {
			c.mu.Lock()
			if c.finished {
				c.mu.Unlock()
				return
			}
			if c.queued == 0 {
				closing, err := c.closing, c.closeErr
				c.mu.Unlock()
				if closing {
					c.finish(err)
					return
				}
				break
			}
			batch = append(batch[:0], c.queue...)
			clear(c.queue)
			c.queue = c.queue[:0]
			c.queued = 0
			c.mu.Unlock()
			if c.settings.SendTimeout > 0 {
				_ = c.nc.SetWriteDeadline(time.Now().Add(c.settings.SendTimeout))
			}
			_, err := batch.WriteTo(c.nc)
			clear(batch[:cap(batch)])
			if err != nil {
				if errors.Is(err, os.ErrDeadlineExceeded) {
					err = ErrSendTimeout
				}
				c.finish(err)
				return
			}
			if c.wantDrain.Load() {
				c.mu.Lock()
				empty := c.queued == 0 && !c.finished
				c.mu.Unlock()
				if empty {
					c.handler.Drained(c)
				}
			}
		}
	}
}

// ModeKind says how incoming data is cut into frames.
type ModeKind int

const (
	Chunks ModeKind = iota // "*a": whatever arrived, up to N bytes
	Lines                  // "*l": one line at a time, without its end
	Bytes                  // a number: up to N bytes at a time
)

// Mode is a Prosody read mode.
type Mode struct {
	Kind ModeKind
	N    int
}

// ChunkMode delivers data as it arrives, in pieces of at most n bytes.
func ChunkMode(n int) Mode { return Mode{Kind: Chunks, N: n} }

// ParseMode reads a Prosody read mode: "*a", "*l" or a byte count.
func ParseMode(v any, readSize int) (Mode, error) {
	switch x := v.(type) {
	case nil:
		return ChunkMode(readSize), nil
	case string:
		switch x {
		case "*a", "a":
			return ChunkMode(readSize), nil
		case "*l", "l":
			return Mode{Kind: Lines, N: readSize}, nil
		}
	case float64:
		if x >= 1 && x == float64(int(x)) {
			return Mode{Kind: Bytes, N: int(x)}, nil
		}
	}
	return Mode{}, fmt.Errorf("read mode %v: expected \"*a\", \"*l\" or a number of bytes", v)
}

// maxLine bounds a line held while waiting for its end, so a peer that
// never sends a newline cannot grow memory without limit.
const maxLine = 1 << 20

type framer struct{ buf []byte }

// next cuts one frame off the buffer, or reports that none is complete.
func (f *framer) next(m Mode) ([]byte, bool) {
	if len(f.buf) == 0 {
		return nil, false
	}
	take := 0
	skip := 0
	switch m.Kind {
	case Lines:
		i := bytes.IndexByte(f.buf, '\n')
		if i < 0 {
			if len(f.buf) < maxLine {
				return nil, false
			}
			take = len(f.buf)
		} else {
			take, skip = i, 1
		}
	default:
		take = len(f.buf)
		if m.N > 0 && take > m.N {
			take = m.N
		}
	}
	frame := f.buf[:take]
	if m.Kind == Lines && bytes.IndexByte(frame, '\r') >= 0 {
		// LuaSocket's "*l" drops every CR in the line, not just a final one.
		frame = bytes.ReplaceAll(frame, []byte{'\r'}, nil)
	}
	rest := f.buf[take+skip:]
	if len(rest) == 0 {
		f.buf = f.buf[:0]
		return frame, true
	}
	// Keep the frame valid while the handler runs: copy the rest aside.
	out := append([]byte(nil), frame...)
	f.buf = append(f.buf[:0], rest...)
	return out, true
}
