package listen

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// HTTPLimits bound what an HTTP client may make the server hold.
type HTTPLimits struct {
	MaxHeaderBytes    int           // http_max_header_size
	ReadHeaderTimeout time.Duration // http_header_timeout: a client trickling headers (slowloris) is cut off
	IdleTimeout       time.Duration // http_idle_timeout: keep-alive connections with nothing to do
	BodyTimeout       time.Duration // http_body_timeout: a request body trickled in slower is cut off
	// MaxBody is the body the handler takes (http_max_content_size; 0
	// for httpserve's default of 1 MiB): a request with a longer
	// Content-Length goes to net/http, whose answer (413, then the
	// connection closed) the fast path cannot give the same way.
	MaxBody int64
	// NetHTTPOnly serves every connection with net/http, none on the
	// fast path (tests compare the two).
	NetHTTPOnly bool
}

// bodyLimit is MaxBody, or httpserve's default.
func (lim HTTPLimits) bodyLimit() int64 {
	if lim.MaxBody > 0 {
		return lim.MaxBody
	}
	return 1 << 20
}

// NewHTTPServer is net/http with the limits, for a listener's own
// connections and for those a multiplexer hands over.
func NewHTTPServer(h http.Handler, lim HTTPLimits) *http.Server {
	return &http.Server{
		Handler:           handlerChain(h, lim),
		ReadHeaderTimeout: lim.ReadHeaderTimeout,
		IdleTimeout:       lim.IdleTimeout,
		MaxHeaderBytes:    lim.MaxHeaderBytes,
		ConnState:         connState,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
}

// handlerChain is what serves a request, on net/http and on the fast
// path alike.
func handlerChain(h http.Handler, lim HTTPLimits) http.Handler {
	return bodyDeadline(h, lim.BodyTimeout)
}

// newHTTPFront is the front of a listener (or of a multiplexer's
// hand-overs) and the net/http server behind it; cleartext connections
// go to the fast path first (httpfast.go).
func newHTTPFront(addr net.Addr, h http.Handler, lim HTTPLimits) (*httpFront, *http.Server) {
	f := &httpFront{ch: make(chan net.Conn), closed: make(chan struct{}), addr: addr}
	if httpFastPath && !lim.NetHTTPOnly {
		f.fast = &fastServer{handler: handlerChain(h, lim), lim: lim, front: f}
	}
	return f, NewHTTPServer(h, lim)
}

// bodyDeadline gives a request's body d from the end of its headers:
// net/http bounds the headers but not the body, so a client sending one
// byte every few seconds would hold its connection for ever.
func bodyDeadline(h http.Handler, d time.Duration) http.Handler {
	if d <= 0 {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength != 0 && r.Body != nil && r.Body != http.NoBody {
			rc := http.NewResponseController(w)
			if rc.SetReadDeadline(time.Now().Add(d)) == nil {
				r.Body = &deadlineBody{ReadCloser: r.Body, rc: rc}
			}
		}
		h.ServeHTTP(w, r)
	})
}

// deadlineBody lifts the body's deadline once it is all read, so a
// handler that takes its time afterwards is not cut short.
type deadlineBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	done bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if errors.Is(err, io.EOF) && !b.done {
		b.done = true
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

// serveHTTP runs net/http on the listener's socket: HTTP/1.1, and HTTP/2
// over TLS. Connections are accepted and admitted like any other (guard,
// PROXY header, the server's and service's caps, the console's listing)
// and then handed to net/http; each request goes to the endpoint's
// current handler, so a reload swaps routes without touching the socket.
//
// A listener whose socket was reopened (see Pool.openOrSwap) serves it
// with the same server, which still owns the connections accepted before.
func (l *Listener) serveHTTP() {
	l.httpMu.Lock()
	if l.httpSrv == nil {
		ep := l.endpoint.Load()
		front, srv := newHTTPFront(l.ln.Addr(), http.HandlerFunc(l.serveRequest), ep.HTTPLimits)
		if front.fast != nil {
			// The router's body limit follows reloads (its policy comes
			// with each request's endpoint); so must the fast path's.
			front.fast.maxBody = func() int64 { return l.endpoint.Load().HTTPLimits.bodyLimit() }
		}
		if ep.Implicit && ep.TLS != nil {
			srv.TLSConfig = l.httpTLS()
			front.tls = srv.TLSConfig
		}
		l.httpSrv, l.front = srv, front
		go func() { _ = srv.Serve(front) }() // ends when stopHTTP closes front
	}
	l.httpMu.Unlock()
	l.acceptLoop()
}

// httpTLS offers HTTP/2 and takes the endpoint's current certificates for
// each handshake.
func (l *Listener) httpTLS() *tls.Config {
	protos := []string{"h2", "http/1.1"}
	cfg := l.endpoint.Load().TLS.Clone()
	cfg.NextProtos = protos
	cfg.GetConfigForClient = func(*tls.ClientHelloInfo) (*tls.Config, error) {
		c := l.endpoint.Load().TLS.Clone()
		c.NextProtos = protos
		return c, nil
	}
	return cfg
}

// stopHTTP lets requests under way finish (within a few seconds) after the
// socket closed.
func (l *Listener) stopHTTP() {
	l.httpMu.Lock()
	srv, front := l.httpSrv, l.front
	l.httpMu.Unlock()
	if srv == nil {
		return
	}
	_ = front.Close()
	if front.fast != nil {
		front.fast.stop()
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}()
}

// httpFront is where the listener hands its connections to net/http;
// nil for a listener of Lua connections.
func (l *Listener) httpFront() *httpFront {
	l.httpMu.Lock()
	defer l.httpMu.Unlock()
	return l.front
}

// serveRequest sends a request to the endpoint's current routes.
func (l *Listener) serveRequest(w http.ResponseWriter, r *http.Request) {
	if h := l.endpoint.Load().HTTP; h != nil {
		h.ServeHTTP(w, r)
		return
	}
	http.Error(w, "503 Service Unavailable", http.StatusServiceUnavailable)
}

// httpFront is the net.Listener net/http serves: it yields the
// connections the listener admitted.
type httpFront struct {
	ch     chan net.Conn
	closed chan struct{}
	once   sync.Once
	addr   net.Addr
	tls    *tls.Config // direct TLS (https)
	fast   *fastServer // the HTTP/1.1 fast path; nil when off
}

func (f *httpFront) Accept() (net.Conn, error) {
	select {
	case nc := <-f.ch:
		return nc, nil
	case <-f.closed:
		return nil, net.ErrClosed
	}
}

func (f *httpFront) Close() error   { f.once.Do(func() { close(f.closed) }); return nil }
func (f *httpFront) Addr() net.Addr { return f.addr }

// adopt makes c an HTTP connection: once admitted it goes to net/http,
// and the console's conn:close (or shutdown) lets the request under way
// finish first. A connection a multiplexer hands over is adopted while
// it is already listed, hence the lock.
func (f *httpFront) adopt(c *Conn) *httpConn {
	hc := &httpConn{c: c}
	c.mu.Lock()
	c.handOff = func(*Conn) { f.take(hc, nil) }
	c.closer = hc.closeWhenIdle
	c.mu.Unlock()
	return hc
}

// take hands an admitted connection to net/http, which reads rest (bytes
// a multiplexer already read) first; it runs on the connection's own
// goroutine, after the PROXY header.
func (f *httpFront) take(hc *httpConn, rest []byte) {
	c := hc.c
	c.mu.Lock()
	hc.Conn = c.nc
	if f.fast != nil && f.tls == nil && !isTLSConn(c.nc) {
		c.mu.Unlock()
		f.fast.start(hc, rest)
		return
	}
	var nc net.Conn = hc
	if len(rest) > 0 {
		nc = &prefixConn{Conn: hc, rest: rest} // above hc: they were counted when first read
	}
	if f.tls != nil {
		tc := tls.Server(nc, f.tls)
		c.nc, nc = tc, tc // conn:list shows its TLS version; closing it says close_notify
		c.secure.Store(true)
	}
	c.mu.Unlock()
	select {
	case f.ch <- nc:
	case <-f.closed:
		c.finish(ErrShutdown)
	}
}

// httpConn is what net/http reads and writes: the socket, counted as the
// connection's bytes, reporting the client a PROXY header named.
type httpConn struct {
	net.Conn // the socket after its PROXY header, set by httpFront.take
	c        *Conn
	busy     atomic.Bool // a request is under way
	closing  atomic.Bool // Close was asked for: close once idle
}

func (h *httpConn) Read(b []byte) (int, error) {
	n, err := h.Conn.Read(b)
	h.c.bytesIn.Add(int64(n))
	return n, err
}

func (h *httpConn) Write(b []byte) (int, error) {
	n, err := h.Conn.Write(b)
	h.c.bytesOut.Add(int64(n))
	return n, err
}

// Close is net/http closing the connection: the socket, then the
// connection's bookkeeping.
func (h *httpConn) Close() error {
	err := h.Conn.Close()
	h.c.finish(nil)
	return err
}

func (h *httpConn) RemoteAddr() net.Addr { return h.c.RemoteAddr() }

// closeWhenIdle closes now if no request is under way, else once its
// response is written.
func (h *httpConn) closeWhenIdle() {
	h.closing.Store(true)
	if !h.busy.Load() {
		h.c.finish(nil)
	}
}

// connState follows net/http's view of a connection, so closeWhenIdle
// knows when a request is under way.
func connState(nc net.Conn, st http.ConnState) {
	if tc, ok := nc.(*tls.Conn); ok {
		nc = tc.NetConn()
	}
	if p, ok := nc.(*prefixConn); ok {
		nc = p.Conn
	}
	h, ok := nc.(*httpConn)
	if !ok {
		return
	}
	switch st {
	case http.StateActive:
		h.busy.Store(true)
	case http.StateIdle:
		h.busy.Store(false)
		if h.closing.Load() {
			h.c.finish(nil)
		}
	}
}

// httpHandler is the handler of an HTTP connection, which has no Lua
// callbacks: net/http serves it.
type httpHandler struct{}

func (httpHandler) Connected(*Conn)           {}
func (httpHandler) Incoming(*Conn, []byte)    {}
func (httpHandler) ReadTimeout(*Conn) bool    { return false }
func (httpHandler) Drained(*Conn)             {}
func (httpHandler) Secured(*Conn, bool)       {}
func (httpHandler) Disconnected(*Conn, error) {}
