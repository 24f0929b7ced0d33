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
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/moonport/moonport/host/ports"
)

// Listener is one listening socket and its accept loop.
type Listener struct {
	// binding is what the socket serves; a reload that keeps the socket
	// replaces it (another service or listener name) while the accept
	// loop and the console read it.
	binding  atomic.Pointer[ports.Binding]
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
	front   *httpFront   // hands admitted connections to httpSrv

	// release tells the upgrader the socket is closed, so that it is not
	// handed to a new process (nil without an upgrader).
	release func()
	// suspended is set while the socket is closed to let an overlapping
	// bind of a reload have the port (see Pool.openOrSwap).
	suspended bool

	loopMu sync.Mutex
	loops  []*Loop // by handler slot (SlotSource), made on first use
}

// Source gives the handler that will own a new connection for good: the
// same one each time, or one of several copies of a module in turn.
type Source interface {
	Pick() Handler
}

// Binding is what the socket serves now.
func (l *Listener) Binding() ports.Binding { return *l.binding.Load() }

// Addr is the bound address (with the real port when 0 was asked for).
func (l *Listener) Addr() net.Addr {
	if l.pc != nil {
		return l.pc.LocalAddr()
	}
	return l.ln.Addr()
}

// closeSocket closes the listening socket, so the address is free again,
// and takes it off the upgrader's list.
func (l *Listener) closeSocket() {
	if l.pc != nil {
		_ = l.pc.Close()
	} else {
		_ = l.ln.Close()
	}
	if l.release != nil {
		l.release()
		l.release = nil
	}
}

// start runs the loop that serves the socket until it closes.
func (l *Listener) start() {
	switch {
	case l.pc != nil:
		go l.packetLoop()
	case l.endpoint.Load().HTTP != nil:
		go l.serveHTTP()
	default:
		go l.acceptLoop()
	}
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
			l.srv.log.WithError(err).WithField("listener", l.Binding().Listener).Warn("accept failed; retrying")
			time.Sleep(delay)
			continue
		}
		delay = 0
		l.take(nc)
	}
}

// take admits an accepted socket through the guard and the server's caps
// and starts its connection; Lua and HTTP connections alike, so both are
// counted, listed and refused the same way.
func (l *Listener) take(nc net.Conn) {
	ep := l.endpoint.Load()
	peer := peerAddr(nc.RemoteAddr())
	why, sl := l.guard.admit(ep.Settings, &l.Stats, peer)
	if why != "" {
		l.refuse(nc, why)
		return
	}
	// The socket's mode is fixed when it opens: a reload that gives the
	// address to a service of the other kind keeps it in that mode.
	front := l.httpFront()
	var h Handler = httpHandler{}
	slot := 0
	if front == nil {
		h, slot = pick(ep.Handlers)
	}
	c := newConn(nc, h, ep.Settings)
	if front == nil && ep.Settings.Engine.resolve() == EngineLoop {
		c.loop = l.loopFor(slot)
	}
	c.tlsConfig, c.implicit = ep.TLS, ep.Implicit
	b := l.Binding()
	c.Listener, c.Service, c.BindKey = b.Listener, b.Service, b.Key()
	c.release = func() { l.guard.release(sl) }
	c.admitClient = func(a netip.Addr) string { return l.guard.admitClient(ep.Settings, sl, a) }
	c.refuse = func(why string) { l.Stats.Rejected.Add(1); l.guard.refuse(l.logWarn, why) }
	c.Stats = &l.Stats // before track publishes c to the console's stats
	if front != nil {
		front.adopt(c)
	}
	if why := l.srv.track(c, ep.ServiceMax, ep.Reserved && peer.IsLoopback()); why != "" {
		l.guard.release(sl)
		l.refuse(nc, why)
		return
	}
	l.Stats.Accepted.Add(1)
	l.Stats.Open.Add(1)
	c.start()
}
