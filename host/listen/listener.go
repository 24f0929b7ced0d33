// Package listen opens sockets and runs connections: listening sockets with
// their backlog and options, a Pool that keeps unchanged sockets open
// across reloads, accepted and outgoing connections with their send queues,
// read framing, timeouts and limits.
//
// It decides nothing about what to bind (host/ports does) and knows nothing
// of Lua: connection events go to a Handler.
package listen

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/moonport/moonport/host/ports"
	"github.com/sirupsen/logrus"
)

// Listener is one listening socket and its accept loop.
type Listener struct {
	Binding  ports.Binding
	ln       net.Listener
	pc       *net.UDPConn // for a UDP binding, instead of ln
	endpoint atomic.Pointer[Endpoint]
	srv      *Server
	done     chan struct{}
	// Stats count what the listener accepted; they survive reloads that
	// keep the socket.
	Stats Stats
	guard *guard

	httpMu  sync.Mutex
	httpSrv *http.Server // in HTTP mode
}

// Source gives the handler that will own a new connection for good: the
// same one each time, or one of several copies of a module in turn.
type Source interface {
	Pick() Handler
}

// Addr is the bound address (with the real port when 0 was asked for).
func (l *Listener) Addr() net.Addr {
	if l.pc != nil {
		return l.pc.LocalAddr()
	}
	return l.ln.Addr()
}

func (l *Listener) closeSocket() {
	if l.pc != nil {
		_ = l.pc.Close()
		return
	}
	_ = l.ln.Close()
}

// Update swaps the endpoint new connections get.
func (l *Listener) Update(ep Endpoint) { l.endpoint.Store(&ep) }

// BindError explains why a socket could not be opened, in words an
// operator can act on.
type BindError struct {
	Binding ports.Binding
	Err     error
}

func (e *BindError) Error() string {
	reason := e.Err.Error()
	switch {
	case errors.Is(e.Err, syscall.EADDRINUSE):
		reason = "this port is in use by another application (or another moonport is running)"
	case errors.Is(e.Err, syscall.EACCES), errors.Is(e.Err, syscall.EPERM):
		reason = "permission denied: ports below 1024 need root or CAP_NET_BIND_SERVICE"
	case errors.Is(e.Err, syscall.EADDRNOTAVAIL):
		reason = "no interface on this machine has that address"
	case errors.Is(e.Err, syscall.EAFNOSUPPORT):
		reason = "this machine does not support that address family (set use_ipv6 = false or use_ipv4 = false)"
	}
	return fmt.Sprintf("failed to open port for service '%s' (listener %s) on %s: %s", e.Binding.Service, e.Binding.Listener, e.Binding.AddrPort(), reason)
}

func (e *BindError) Unwrap() error { return e.Err }

// listenTCP opens a socket with the binding's backlog. Go's net package
// always listens with the system maximum; listen(2) called again on the
// open socket sets the backlog the operator asked for.
func listenTCP(b ports.Binding, s Settings) (net.Listener, error) {
	lc := net.ListenConfig{KeepAlive: -1, Control: socketControl(s, b.Network)}
	ln, err := lc.Listen(context.Background(), b.Network, b.AddrPort())
	if err != nil {
		return nil, &BindError{Binding: b, Err: err}
	}
	if tl, ok := ln.(*net.TCPListener); ok && s.Backlog > 0 {
		if rc, err := tl.SyscallConn(); err == nil {
			var lerr error
			_ = rc.Control(func(fd uintptr) { lerr = syscall.Listen(int(fd), s.Backlog) })
			if lerr != nil {
				ln.Close()
				return nil, &BindError{Binding: b, Err: lerr}
			}
		}
	}
	return ln, nil
}

// refuse closes a connection the listener will not take.
func (l *Listener) refuse(nc net.Conn, why string) {
	l.Stats.Rejected.Add(1)
	_ = nc.Close()
	l.guard.refuse(l.logWarn, why)
}

func (l *Listener) logWarn(msg string) { l.srv.log.Warn(msg) }

func (l *Listener) acceptLoop() {
	defer close(l.done)
	var delay time.Duration
	for {
		nc, err := l.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of file descriptors and the like: back off instead of spinning.
			if delay == 0 {
				delay = 5 * time.Millisecond
			} else if delay < time.Second {
				delay *= 2
			}
			l.srv.log.WithError(err).WithField("listener", l.Binding.Listener).Warn("accept failed; retrying")
			time.Sleep(delay)
			continue
		}
		delay = 0
		ep := l.endpoint.Load()
		peer := peerAddr(nc.RemoteAddr())
		if why := l.guard.admit(ep.Settings, &l.Stats, peer); why != "" {
			l.refuse(nc, why)
			continue
		}
		c := newConn(nc, ep.Handlers.Pick(), ep.Settings)
		c.tlsConfig, c.implicit = ep.TLS, ep.Implicit
		c.Listener, c.Service, c.BindKey = l.Binding.Listener, l.Binding.Service, l.Binding.Key()
		c.release = func() { l.guard.release(peer) }
		c.refuse = func(why string) { l.Stats.Rejected.Add(1); l.guard.refuse(l.logWarn, why) }
		c.Stats = &l.Stats // before track publishes c to the console's stats
		if why := l.srv.track(c, ep.ServiceMax); why != "" {
			l.guard.release(peer)
			l.refuse(nc, why)
			continue
		}
		l.Stats.Accepted.Add(1)
		l.Stats.Open.Add(1)
		c.start()
	}
}

// Server tracks every live connection, so shutdown can close them all and
// wait for their handlers.
type Server struct {
	log        logrus.FieldLogger
	mu         sync.Mutex
	conns      map[uint64]*Conn
	perService map[string]int
	max        int
	wg         sync.WaitGroup
	shut       bool
}

// NewServer returns an empty connection registry.
func NewServer(log logrus.FieldLogger) *Server {
	return &Server{log: log, conns: map[uint64]*Conn{}, perService: map[string]int{}}
}

// SetMaxConnections caps the connections of the whole server
// (max_connections); 0 removes the cap.
func (s *Server) SetMaxConnections(n int) {
	s.mu.Lock()
	s.max = n
	s.mu.Unlock()
}

// track registers a connection, unless the server or its service is full
// (the reason is returned then).
func (s *Server) track(c *Conn, serviceMax int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.shut:
		return "shutting down"
	case s.max > 0 && len(s.conns) >= s.max && c.nc != nil:
		return "server full (max_connections)"
	case serviceMax > 0 && s.perService[c.Service] >= serviceMax:
		return "service full (" + c.Service + "_max_connections)"
	}
	s.conns[c.ID] = c
	s.perService[c.Service]++
	s.wg.Add(1)
	c.onFinish = s.untrack
	return ""
}

func (s *Server) untrack(c *Conn) {
	s.mu.Lock()
	delete(s.conns, c.ID)
	s.perService[c.Service]--
	s.mu.Unlock()
	s.wg.Done()
}

// Conns lists the live connections.
func (s *Server) Conns() []*Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Conn, 0, len(s.conns))
	for _, c := range s.conns {
		out = append(out, c)
	}
	return out
}

// Count is the number of live connections.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Dial opens an outgoing TCP connection whose events go to h. It returns
// at once; Connected or Disconnected (with the dial error) follows.
func (s *Server) Dial(ctx context.Context, address string, h Handler, st Settings) *Conn {
	c := newConn(nil, h, st)
	c.announced = true // a failed dial is reported to the handler too
	if s.track(c, 0) != "" {
		go h.Disconnected(c, ErrShutdown)
		return c
	}
	go func() {
		d := net.Dialer{Timeout: st.ConnectTimeout}
		nc, err := d.DialContext(ctx, "tcp", address)
		if err != nil {
			c.finish(err)
			return
		}
		c.mu.Lock()
		gone := c.finished
		c.nc = nc
		c.local, c.remote = nc.LocalAddr(), nc.RemoteAddr()
		c.mu.Unlock()
		if gone {
			_ = nc.Close()
			return
		}
		c.start()
		// Send what was written while connecting.
		c.mu.Lock()
		spawn := c.takeWriterLocked()
		c.mu.Unlock()
		if spawn {
			go c.writeOut()
		}
	}()
	return c
}

// WaitIdle waits until every connection has ended by itself, or ctx ends.
func (s *Server) WaitIdle(ctx context.Context) {
	idle := make(chan struct{})
	go func() { s.wg.Wait(); close(idle) }()
	select {
	case <-idle:
	case <-ctx.Done():
	}
}

// Shutdown stops new connections, asks every connection to close (sending
// what it has queued) and waits until they are gone or ctx ends, when the
// rest are cut.
func (s *Server) Shutdown(ctx context.Context) {
	s.mu.Lock()
	s.shut = true
	conns := make([]*Conn, 0, len(s.conns))
	for _, c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
	waited := make(chan struct{})
	go func() { s.wg.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-ctx.Done():
		s.mu.Lock()
		for _, c := range s.conns {
			conns = append(conns, c)
		}
		s.mu.Unlock()
		for _, c := range conns {
			c.finish(ErrShutdown)
		}
		<-waited
	}
}
