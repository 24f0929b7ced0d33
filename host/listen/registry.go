package listen

import (
	"context"
	"net"
	"sync"

	"github.com/sirupsen/logrus"
)

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

// ReservedPlaces is how many connections of a Reserved endpoint from
// loopback may go past the server-wide cap: an operator's shell and a
// `moonport reload` beside it.
const ReservedPlaces = 2

// track registers a connection, unless the server or its service is full
// (the reason is returned then). A reserved connection may use the
// ReservedPlaces above the server's cap.
func (s *Server) track(c *Conn, serviceMax int, reserved bool) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	limit := s.max
	if reserved {
		limit += ReservedPlaces
	}
	switch {
	case s.shut:
		return "shutting down"
	case s.max > 0 && len(s.conns) >= limit && c.nc != nil:
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

// A DialFunc opens an outgoing connection: a net.Dialer's DialContext,
// or one that refuses (a check's, which opens none).
type DialFunc func(ctx context.Context, network, address string) (net.Conn, error)

// Dial opens an outgoing TCP connection with dial, whose events go to h.
// It returns at once; Connected or Disconnected (with the dial error)
// follows. The caller's dial owns the connect timeout.
func (s *Server) Dial(ctx context.Context, address string, h Handler, st Settings, dial DialFunc) *Conn {
	c := newConn(nil, h, st)
	c.announced = true // a failed dial is reported to the handler too
	if s.track(c, 0, false) != "" {
		go h.Disconnected(c, ErrShutdown)
		return c
	}
	go func() {
		nc, err := dial(ctx, "tcp", address)
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
		c.flushDialled()
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
