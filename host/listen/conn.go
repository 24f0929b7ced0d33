package listen

import (
	"crypto/tls"
	"errors"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
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
// A reader reads: the listener's Loop for a plain TCP connection while it
// is just reading (Engine "loop", loop_linux.go), else a goroutine of the
// connection's own, which waits for the socket to be readable holding no
// buffer (an idle connection costs no read buffer), reads into a pooled
// one, frames the data by the read mode and hands each frame to the
// handler. Data queued while a reader delivers is written by that reader
// right after, so an echo costs no goroutine switch; data queued at other
// times is written by a short-lived writer goroutine.
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

	// loop is the Loop that reads the connection while it is plain TCP and
	// reading (nil: a reader goroutine always does); lslot is its place
	// there, which only the loop's goroutine touches (-1: not on it).
	loop  *Loop
	lslot int32
}

func newConn(nc net.Conn, h Handler, s Settings) *Conn {
	c := &Conn{ID: connIDs.Add(1), nc: nc, settings: s, Started: time.Now(),
		resume: make(chan struct{}, 1), done: make(chan struct{}), lslot: -1}
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
	} else {
		c.rawW = newRawWriter(c.nc)
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
	if c.loop != nil {
		c.loop.forget(c)
	}
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
