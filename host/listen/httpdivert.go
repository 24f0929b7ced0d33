package listen

import (
	"net"
	"net/http"
)

// HTTPFront is net/http for connections that came in on a listener of
// Lua connections and were handed to an HTTP service afterwards (a
// multiplexer routing them). They go on as the connections they were, on
// the listener that admitted them: counted against the server's, the
// service's and the listener's caps until they really close, listed by
// the console as the HTTP service's, closed by conn:close and shutdown,
// just as the HTTP listener's own (see httpFront.adopt).
type HTTPFront struct {
	front   *httpFront
	service string
}

// ServeHTTPFront starts net/http with h and lim for connections handed to
// service; Close stops it taking more.
func ServeHTTPFront(service string, h http.Handler, lim HTTPLimits) *HTTPFront {
	f, srv := newHTTPFront(&net.TCPAddr{}, h, lim)
	go func() { _ = srv.Serve(f) }() // ends when Close closes f
	return &HTTPFront{front: f, service: service}
}

// Close stops taking connections: one handed over from now on is closed.
// Those already taken go on until they end or the server shuts down.
func (f *HTTPFront) Close() { _ = f.front.Close() }

// DetachHTTP hands the connection to f once the current callback returns
// (the multiplexer giving it to an HTTP service): its own reading stops,
// net/http reads data (what the callback was given) first, and the
// handler sees Disconnected with a nil error. A later call in the same
// callback replaces an earlier one.
func (c *Conn) DetachHTTP(data []byte, f *HTTPFront) {
	c.mu.Lock()
	c.replay = append([]byte(nil), data...)
	c.detach = f
	c.mu.Unlock()
}

func (c *Conn) takeDetach() (*HTTPFront, []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f, rest := c.detach, c.replay
	c.detach, c.replay = nil, nil
	return f, rest
}

// handToHTTP ends the connection's life with its handler and makes it an
// HTTP connection of f, on the reader's goroutine. The handler is swapped
// under the lock, so a close racing with this tells the old handler of
// the end once, here, and nothing later.
func (c *Conn) handToHTTP(f *HTTPFront, rest []byte) {
	c.mu.Lock()
	if c.finished {
		c.mu.Unlock()
		return
	}
	old := c.handler()
	c.hp.Store(&handlerRef{httpHandler{}})
	c.serving = f.service
	c.mu.Unlock()
	old.Disconnected(c, nil)
	f.front.take(f.front.adopt(c), rest)
}

// Serving is the service that serves the connection now: the one it came
// in on, or the HTTP service a multiplexer handed it to. Service stays
// what the connection was admitted as, which its caps count.
func (c *Conn) Serving() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.serving != "" {
		return c.serving
	}
	return c.Service
}
