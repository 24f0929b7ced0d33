package listen

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
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
	// Secured follows a TLS handshake: after accept on a direct TLS
	// listener it comes just before Connected; after StartTLS on its own.
	Secured(c *Conn, starttls bool)
	Disconnected(c *Conn, err error)
}

// Errors a handler may see in Disconnected.
var (
	ErrClosedByPeer   = errors.New("closed")
	ErrReadTimeout    = errors.New("read timeout")
	ErrSendTimeout    = errors.New("send timeout")
	ErrSendBufferFull = errors.New("send buffer exceeded max_send_buffer_size")
	ErrShutdown       = errors.New("server shutting down")
)

var connIDs atomic.Uint64

// Conn is one TCP connection, accepted or dialled.
//
// One goroutine per connection reads: it waits for the socket to be
// readable holding no buffer (an idle connection costs no read buffer),
// reads into a pooled one, frames the data by the read mode and hands each
// frame to the handler. Data queued while it delivers is written by that
// same goroutine right after, so an echo costs no goroutine switch; data
// queued at other times is written by a short-lived writer goroutine.
type Conn struct {
	ID       uint64
	nc       net.Conn
	hp       atomic.Pointer[handlerRef]
	settings Settings
	Listener string // the listener it came in on; empty for outgoing ones
	Service  string
	BindKey  string // the listening socket's key (ports.Binding.Key)

	local, remote net.Addr

	mu         sync.Mutex
	queue      [][]byte
	spare      [][]byte
	wbufs      net.Buffers // the batch being written, kept to avoid an allocation
	rawW       *rawWriter  // TCP only: writes without a deadline when the socket has room
	queued     int
	writing    bool // a goroutine is writing the queue out
	delivering bool // the reader is handing data over and flushes after
	closing    bool
	closeErr   error // what Disconnected reports after a graceful close
	finished   bool

	mode      atomic.Pointer[Mode]
	paused    atomic.Bool
	resume    chan struct{}
	done      chan struct{}
	wantDrain atomic.Bool
	onFinish  func(*Conn)
	release   func()           // gives back the connection's place in its listener's counts
	refuse    func(why string) // counts and logs a refusal after accept (PROXY header, access list)
	// admitClient judges the client a PROXY header names (access lists,
	// per-address cap); handOff takes an HTTP connection over once it is
	// admitted; closer replaces Close's flush-then-close for it.
	admitClient func(netip.Addr) string
	handOff     func(*Conn)
	closer      func()

	// Started is when the connection was accepted or dialled.
	Started time.Time
	// Stats are the counters of the listener it came in on (nil for
	// outgoing connections).
	Stats             *Stats
	bytesIn, bytesOut atomic.Int64

	tlsConfig *tls.Config // for the accept handshake or StartTLS; nil if none
	implicit  bool        // handshake on accept
	secure    atomic.Bool // the connection speaks TLS
	upgrade   bool        // StartTLS asked for; the reader does it after delivery
	replay    []byte      // bytes to frame again after the current delivery (Redeliver)
	tlsReplay []byte      // bytes the TLS handshake reads first (StartTLSReplay)
	// detach is set by DetachHTTP: net/http takes the socket after the
	// callback; serving is then the HTTP service that has it.
	detach    *HTTPFront
	serving   string
	announced bool   // the handler has seen Connected, so Disconnected follows
	diverts   uint64 // how often Divert handed the connection to another handler
	wantShut  bool   // CloseWrite asked: shut the sending side once the queue is sent
	shutDone  bool   // that shutdown has been claimed
}

func newConn(nc net.Conn, h Handler, s Settings) *Conn {
	c := &Conn{ID: connIDs.Add(1), nc: nc, settings: s, Started: time.Now(),
		resume: make(chan struct{}, 1), done: make(chan struct{})}
	c.hp.Store(&handlerRef{h})
	c.SetMode(ChunkMode(s.ReadSize))
	if nc != nil {
		c.local, c.remote = nc.LocalAddr(), nc.RemoteAddr()
	}
	return c
}

// start runs the connection's reader; it ends when the connection
// finishes.
func (c *Conn) start() { go c.run() }

// ErrReceiveBufferFull closes a connection whose incomplete frame grew past
// max_receive_buffer_size.
var ErrReceiveBufferFull = errors.New("receive buffer exceeded max_receive_buffer_size")

func (c *Conn) run() {
	if err := connOptions(c.nc, c.settings); err != nil {
		c.finish(err) // the handler never saw this connection
		if c.refuse != nil {
			c.refuse(err.Error())
		}
		return
	}
	if c.settings.ProxyProtocol {
		if err := c.takeProxyHeader(); err != nil {
			c.finish(err)
			if c.refuse != nil {
				c.refuse(err.Error())
			}
			return
		}
	}
	if c.handOff != nil {
		c.handOff(c) // an HTTP connection: net/http reads it from here on
		return
	}
	diverts := c.Diverts()
	if c.implicit {
		if err := c.handshake(); err != nil {
			c.finish(err) // the handler never saw this connection
			return
		}
		c.handler().Secured(c, false)
	} else if tc, ok := c.nc.(*net.TCPConn); ok {
		if rc, err := tc.SyscallConn(); err == nil {
			c.rawW = &rawWriter{rc: rc}
			c.rawW.try = c.rawW.attempt
		}
	}
	c.mu.Lock()
	c.announced = true
	diverted := c.diverts != diverts
	c.mu.Unlock()
	if !diverted { // a handler that diverted from Secured has announced it already
		c.handler().Connected(c)
	}
	c.readLoop()
}

// ErrNoTLS is returned by StartTLS on a listener without a certificate.
var ErrNoTLS = errors.New("no TLS certificate is configured for this listener")

// TLSAvailable reports whether StartTLS can succeed.
func (c *Conn) TLSAvailable() bool { return c.tlsConfig != nil && !c.secure.Load() }

// Secure reports whether the connection speaks TLS.
func (c *Conn) Secure() bool { return c.secure.Load() }

// TLSState describes the TLS session; ok is false on a plain connection.
func (c *Conn) TLSState() (tls.ConnectionState, bool) {
	c.mu.Lock()
	tc, ok := c.nc.(*tls.Conn)
	c.mu.Unlock()
	if !ok {
		return tls.ConnectionState{}, false
	}
	return tc.ConnectionState(), true
}

// StartTLS asks for a TLS handshake once the current callback returns and
// what it queued is sent (the STARTTLS reply). Anything the peer sent
// after the command is dropped, so nothing plaintext can be smuggled into
// the secure session. It must be called from a callback of this
// connection's incoming data.
func (c *Conn) StartTLS() error {
	if c.secure.Load() {
		return errors.New("the connection is already secure")
	}
	if c.tlsConfig == nil {
		return ErrNoTLS
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.delivering {
		return errors.New("starttls must be called from the connection's onincoming")
	}
	c.upgrade = true
	return nil
}

// StartTLSReplay is StartTLS for a peer that already sent its TLS
// ClientHello (a multiplexer detected it): the handshake reads hello first.
func (c *Conn) StartTLSReplay(hello []byte) error {
	if err := c.StartTLS(); err != nil {
		return err
	}
	c.mu.Lock()
	c.tlsReplay = append([]byte(nil), hello...)
	c.mu.Unlock()
	return nil
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

// handshake runs a server TLS handshake on the socket within
// ssl_handshake_timeout and makes the connection use it.
func (c *Conn) handshake() error {
	c.mu.Lock()
	raw := c.nc
	if len(c.tlsReplay) > 0 {
		raw = &prefixConn{Conn: raw, rest: c.tlsReplay}
		c.tlsReplay = nil
	}
	c.mu.Unlock()
	tc := tls.Server(raw, c.tlsConfig)
	if t := c.settings.HandshakeTimeout; t > 0 {
		_ = raw.SetDeadline(time.Now().Add(t))
	}
	err := tc.Handshake()
	_ = raw.SetDeadline(time.Time{})
	if st := c.Stats; st != nil {
		if err != nil {
			st.TLSFailures.Add(1)
		} else {
			st.TLSHandshakes.Add(1)
		}
	}
	if err != nil {
		return fmt.Errorf("TLS handshake: %w", err)
	}
	c.mu.Lock()
	c.nc = tc
	c.rawW = nil
	c.mu.Unlock()
	c.secure.Store(true)
	return nil
}

// upgradeNow runs a StartTLS handshake from the reader, once no other
// goroutine is writing.
func (c *Conn) upgradeNow() error {
	for {
		c.mu.Lock()
		if c.finished {
			c.mu.Unlock()
			return net.ErrClosed
		}
		if !c.writing {
			c.writing = true // hold other writers off during the handshake
			c.upgrade = false
			c.mu.Unlock()
			break
		}
		c.mu.Unlock()
		time.Sleep(time.Millisecond)
	}
	err := c.handshake()
	c.mu.Lock()
	c.writing = false
	flush := err == nil && c.takeWriterLocked()
	c.mu.Unlock()
	if err != nil {
		return err
	}
	c.handler().Secured(c, true)
	if flush {
		c.writeOut()
	}
	return nil
}

type handlerRef struct{ Handler }

func (c *Conn) handler() Handler { return c.hp.Load().Handler }

// Handler is the handler the connection's events go to.
func (c *Conn) Handler() Handler { return c.handler() }

// SetHandler sends the connection's next events to h, as when a module is
// reloaded: an event already under way finishes with the old handler.
func (c *Conn) SetHandler(h Handler) { c.hp.Store(&handlerRef{h}) }

// Bytes is what the connection has received and sent so far.
func (c *Conn) Bytes() (in, out int64) { return c.bytesIn.Load(), c.bytesOut.Load() }

// Stats counts a listener's connections and traffic; the console and
// metrics read it.
type Stats struct {
	Accepted, Rejected, Open atomic.Int64
	// BytesIn and BytesOut are of finished connections; live ones add theirs.
	BytesIn, BytesOut atomic.Int64
	LuaErrors         atomic.Int64
	// TLS handshakes on the listener's Lua connections (direct or STARTTLS).
	TLSHandshakes, TLSFailures atomic.Int64
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
	if c.closing || c.finished || c.wantShut || c.handOff != nil { // handOff: net/http has the socket
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
	spawn := c.takeWriterLocked()
	c.mu.Unlock()
	if spawn {
		go c.writeOut()
	}
	return nil
}

// takeWriterLocked claims the job of writing the queue out when nobody
// has it and the reader is not about to flush.
func (c *Conn) takeWriterLocked() bool {
	if c.writing || c.delivering || c.nc == nil || c.finished || c.queued == 0 {
		return false
	}
	c.writing = true
	return true
}

// Queued is the number of bytes waiting to be sent.
func (c *Conn) Queued() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.queued
}

// Close sends what is queued, then closes; incoming data is dropped from
// now on. Disconnected follows with a nil error.
func (c *Conn) Close() {
	c.mu.Lock()
	closer := c.closer // set later for a connection handed to net/http
	c.mu.Unlock()
	if closer != nil {
		closer()
		return
	}
	c.closeGracefully(nil)
}

// closeGracefully flushes the queue, then finishes with err.
func (c *Conn) closeGracefully(err error) {
	c.mu.Lock()
	if c.closing || c.finished {
		c.mu.Unlock()
		return
	}
	c.closing = true
	c.closeErr = err
	now := c.queued == 0 && !c.writing && c.nc != nil
	spawn := !now && c.takeWriterLocked()
	c.mu.Unlock()
	if now {
		c.finish(err)
		return
	}
	// What is left is sent with send_timeout as its deadline, so a peer
	// that never reads cannot hold the connection open.
	if spawn {
		go c.writeOut()
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
	c.queue, c.spare, c.queued = nil, nil, 0
	nc := c.nc
	c.mu.Unlock()
	if nc != nil {
		_ = nc.Close()
	}
	// The handler hears of it before the server lets the connection go,
	// so a shutdown waiting for connections also waits for this news to
	// be queued.
	c.mu.Lock()
	announced := c.announced
	c.mu.Unlock()
	if announced {
		c.handler().Disconnected(c, err)
	}
	c.settle()
}

// settle does the bookkeeping of a connection that has ended: its
// goroutines stop, the server and its listener's counts let it go.
func (c *Conn) settle() {
	close(c.done)
	c.Resume()
	if c.onFinish != nil {
		c.onFinish(c)
	}
	if c.release != nil {
		c.release()
	}
	if st := c.Stats; st != nil {
		st.Open.Add(-1)
		st.BytesIn.Add(c.bytesIn.Load())
		st.BytesOut.Add(c.bytesOut.Load())
	}
}

func (c *Conn) isClosing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closing || c.finished
}

func (c *Conn) isFinished() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.finished
}

// writeOut writes the queue until it is empty; the caller has claimed the
// writer's job. It finishes a closing connection once all is sent.
func (c *Conn) writeOut() {
	for {
		c.mu.Lock()
		if c.finished {
			c.writing = false
			c.mu.Unlock()
			return
		}
		if c.queued == 0 {
			c.writing = false
			closing, err := c.closing, c.closeErr
			shut := !closing && c.takeShutLocked()
			c.mu.Unlock()
			if closing {
				c.finish(err)
			} else if shut {
				c.shutWrite()
			}
			return
		}
		batch := c.queue
		c.queue, c.spare = c.spare[:0], nil
		c.queued = 0
		c.mu.Unlock()
		err := c.send(batch)
		clear(batch)
		c.mu.Lock()
		if c.spare == nil && !c.finished {
			c.spare = batch[:0]
		}
		empty := c.queued == 0
		c.mu.Unlock()
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				err = ErrSendTimeout
			}
			c.finish(err)
			return
		}
		if empty && c.wantDrain.Load() {
			c.handler().Drained(c)
		}
	}
}

// send writes a batch. A single buffer is first tried without waiting
// (the usual case: the socket has room), which needs no deadline; what is
// left is written with send_timeout as the deadline.
func (c *Conn) send(batch [][]byte) error {
	if w := c.rawW; w != nil && len(batch) == 1 {
		w.buf = batch[0]
		if err := w.rc.Write(w.try); err != nil {
			return err
		}
		w.buf = nil
		if w.n > 0 {
			c.bytesOut.Add(int64(w.n))
		}
		switch {
		case w.err == nil && w.n == len(batch[0]):
			return nil
		case w.err == nil, w.err == syscall.EAGAIN:
			batch[0] = batch[0][max(w.n, 0):]
		default:
			return w.err
		}
	}
	if c.settings.SendTimeout > 0 {
		_ = c.nc.SetWriteDeadline(time.Now().Add(c.settings.SendTimeout))
	}
	var n int64
	var err error
	if len(batch) == 1 {
		var k int
		k, err = c.nc.Write(batch[0])
		n = int64(k)
	} else {
		c.wbufs = batch
		n, err = c.wbufs.WriteTo(c.nc)
	}
	c.bytesOut.Add(n)
	return err
}

// rawWriter makes one write attempt that never waits for the socket.
type rawWriter struct {
	rc  syscall.RawConn
	buf []byte
	n   int
	err error
	try func(fd uintptr) bool // w.attempt, bound once
}

func (w *rawWriter) attempt(fd uintptr) bool {
	for {
		w.n, w.err = syscall.Write(int(fd), w.buf)
		if w.err != syscall.EINTR {
			return true
		}
	}
}

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

// read waits for data and returns it in a pooled buffer the caller puts
// back.
func (c *Conn) read(raw *rawReader, pool *sync.Pool) ([]byte, *[]byte, error) {
	if raw == nil {
		bp := pool.Get().(*[]byte)
		n, err := c.nc.Read(*bp)
		return (*bp)[:n], bp, err
	}
	raw.bp, raw.n, raw.err = nil, 0, nil
	err := raw.rc.Read(raw.try)
	bp := raw.bp
	switch {
	case err != nil:
		if bp != nil {
			pool.Put(bp)
		}
		return nil, nil, err
	case raw.err != nil:
		return nil, bp, raw.err
	case raw.n == 0:
		return nil, bp, io.EOF
	}
	return (*bp)[:raw.n], bp, nil
}

func (c *Conn) readLoop() {
	pool := bufferPool(c.settings.ReadSize)
	var raw *rawReader
	if tc, ok := c.nc.(*net.TCPConn); ok && !c.secure.Load() {
		if rc, err := tc.SyscallConn(); err == nil {
			raw = &rawReader{rc: rc, pool: pool}
			raw.try = raw.attempt
		}
	}
	var f framer
	// The read deadline is armed once per read_timeout, not on every read:
	// when it fires, the time of the last data decides whether the peer
	// really was silent that long.
	timeout := c.settings.ReadTimeout
	lastData := time.Now()
	if timeout > 0 {
		_ = c.nc.SetReadDeadline(lastData.Add(timeout))
	}
	for {
		data, bp, err := c.read(raw, pool)
		if len(data) > 0 {
			c.bytesIn.Add(int64(len(data)))
			if timeout > 0 {
				lastData = time.Now()
			}
		}
		if len(data) > 0 && !c.isClosing() {
			alive := c.deliver(&f, data)
			if !alive {
				pool.Put(bp)
				return
			}
			if to, rest := c.takeDetach(); to != nil {
				pool.Put(bp)
				c.handToHTTP(to, rest)
				return
			}
			if c.wantsUpgrade() {
				pool.Put(bp)
				f.reset()
				if err := c.upgradeNow(); err != nil {
					c.finish(err)
					return
				}
				raw = nil // TLS reads go through the tls.Conn
				continue
			}
		}
		if bp != nil {
			pool.Put(bp)
		}
		if err == nil {
			continue
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() && !c.isClosing() {
			if silent := time.Since(lastData); silent < timeout {
				_ = c.nc.SetReadDeadline(lastData.Add(timeout))
				continue
			}
			if c.handler().ReadTimeout(c) {
				lastData = time.Now()
				_ = c.nc.SetReadDeadline(lastData.Add(timeout))
				continue
			}
			c.finish(ErrReadTimeout)
			return
		}
		if c.isClosing() {
			return
		}
		switch {
		case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, net.ErrClosed):
			c.finish(nil)
		case errors.Is(err, io.EOF):
			// The peer may only have shut down its side: its last bytes are
			// still a frame, and what is queued (or the answer to them) is sent.
			c.deliverTail(&f)
			if c.keepHalfOpen() {
				c.waitHalfOpen(timeout)
				return
			}
			c.closeGracefully(ErrClosedByPeer)
		case errors.Is(err, syscall.ECONNRESET):
			c.finish(ErrClosedByPeer)
		default:
			c.finish(err)
		}
		return
	}
}

func (c *Conn) wantsUpgrade() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.upgrade
}
