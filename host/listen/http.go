package listen

import (
	"context"
	"crypto/tls"
	"io"
	"log"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"
)

// HTTPLimits bound what an HTTP client may make the server hold.
type HTTPLimits struct {
	MaxHeaderBytes    int           // http_max_header_size
	ReadHeaderTimeout time.Duration // http_header_timeout: a client trickling headers (slowloris) is cut off
	IdleTimeout       time.Duration // http_idle_timeout: keep-alive connections with nothing to do
}

// serveHTTP runs net/http on the listener's socket: HTTP/1.1, and HTTP/2
// over TLS. The guard (access lists, caps, accept rate) still decides who
// gets in, and each request goes to the endpoint's current handler, so a
// reload swaps routes without touching the socket.
func (l *Listener) serveHTTP() {
	defer close(l.done)
	ep := l.endpoint.Load()
	srv := &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { l.endpoint.Load().HTTP.ServeHTTP(w, r) }),
		ReadHeaderTimeout: ep.HTTPLimits.ReadHeaderTimeout,
		IdleTimeout:       ep.HTTPLimits.IdleTimeout,
		MaxHeaderBytes:    ep.HTTPLimits.MaxHeaderBytes,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	l.httpMu.Lock()
	l.httpSrv = srv
	l.httpMu.Unlock()
	gl := &guardedListener{l: l}
	if ep.Implicit && ep.TLS != nil {
		cfg := ep.TLS.Clone()
		cfg.NextProtos = []string{"h2", "http/1.1"}
		cfg.GetConfigForClient = func(*tls.ClientHelloInfo) (*tls.Config, error) {
			c := l.endpoint.Load().TLS.Clone()
			c.NextProtos = []string{"h2", "http/1.1"}
			return c, nil
		}
		srv.TLSConfig = cfg
		_ = srv.ServeTLS(gl, "", "")
		return
	}
	_ = srv.Serve(gl)
}

// stopHTTP lets requests under way finish (within a few seconds) after the
// socket closed.
func (l *Listener) stopHTTP() {
	l.httpMu.Lock()
	srv := l.httpSrv
	l.httpMu.Unlock()
	if srv == nil {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}()
}

// guardedListener admits HTTP connections through the listener's guard
// and counts them.
type guardedListener struct{ l *Listener }

func (g *guardedListener) Accept() (net.Conn, error) {
	l := g.l
	for {
		nc, err := l.ln.Accept()
		if err != nil {
			return nil, err
		}
		ep := l.endpoint.Load()
		peer := peerAddr(nc.RemoteAddr())
		if why := l.guard.admit(ep.Settings, &l.Stats, peer); why != "" {
			l.refuse(nc, why)
			continue
		}
		l.Stats.Accepted.Add(1)
		l.Stats.Open.Add(1)
		return &countedConn{Conn: nc, l: l, peer: peer}, nil
	}
}

func (g *guardedListener) Close() error   { return g.l.ln.Close() }
func (g *guardedListener) Addr() net.Addr { return g.l.ln.Addr() }

// countedConn keeps the listener's counters for an HTTP connection.
type countedConn struct {
	net.Conn
	l    *Listener
	peer netip.Addr
	once sync.Once
}

func (c *countedConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.l.Stats.BytesIn.Add(int64(n))
	return n, err
}

func (c *countedConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.l.Stats.BytesOut.Add(int64(n))
	return n, err
}

func (c *countedConn) Close() error {
	c.once.Do(func() {
		c.l.Stats.Open.Add(-1)
		c.l.guard.release(c.peer)
	})
	return c.Conn.Close()
}
