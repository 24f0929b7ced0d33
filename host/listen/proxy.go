package listen

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"time"

	proxyproto "github.com/pires/go-proxyproto"
)

// errProxyHeader is why a connection on a PROXY-protocol listener closed.
var errProxyHeader = errors.New("missing or malformed PROXY protocol header")

// PROXY protocol framing (haproxy.org/download/2.9/doc/proxy-protocol.txt).
var (
	sigV1 = []byte("PROXY ")
	sigV2 = []byte("\r\n\r\n\x00\r\nQUIT\n")
)

const (
	minHeader = 15  // "PROXY UNKNOWN\r\n"; a v2 header is at least 16 bytes
	maxV1     = 107 // the longest v1 line, CRLF included
)

// prefixConn replays bytes read ahead (a multiplexer's sniffed bytes, a
// ClientHello) before the socket's own data.
type prefixConn struct {
	net.Conn
	rest []byte
}

func (p *prefixConn) Read(b []byte) (int, error) {
	if len(p.rest) > 0 {
		n := copy(b, p.rest)
		p.rest = p.rest[n:]
		return n, nil
	}
	return p.Conn.Read(b)
}

// readProxyHeader reads a PROXY v1 or v2 header within timeout and returns
// the original client's address and the connection to read the rest from.
// The address is nil when the header names no IP client: LOCAL (health
// checks), UNKNOWN, or a UNIX-socket source.
//
// It takes exactly the header off the socket, however long its TLVs make
// it (up to 16 + 65535 bytes for v2), and never more: the rest stays in
// the socket for whoever reads next, and a server that speaks first is not
// kept waiting for data the client has no reason to send.
func readProxyHeader(nc net.Conn, timeout time.Duration) (net.Addr, net.Conn, error) {
	_ = nc.SetReadDeadline(time.Now().Add(timeout))
	defer nc.SetReadDeadline(time.Time{})
	raw, err := readHeaderBytes(nc)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", errProxyHeader, err)
	}
	h, err := proxyproto.Read(bufio.NewReaderSize(bytes.NewReader(raw), len(raw)))
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", errProxyHeader, err)
	}
	if _, err := h.TLVs(); err != nil {
		return nil, nil, fmt.Errorf("%w: %v", errProxyHeader, err)
	}
	if h.Command.IsLocal() {
		return nil, nc, nil
	}
	switch a := h.SourceAddr.(type) {
	case *net.TCPAddr:
		return a, nc, nil
	case *net.UDPAddr:
		return &net.TCPAddr{IP: a.IP, Port: a.Port, Zone: a.Zone}, nc, nil
	}
	return nil, nc, nil
}

// headerReader reads a PROXY header off a socket in pieces that never go
// past its end, and gives up as soon as the bytes cannot be one.
type headerReader struct {
	nc  net.Conn
	buf []byte
}

// fill reads until the buffer holds n bytes, or (for v1) its line ended.
func (r *headerReader) fill(n int) error {
	if cap(r.buf) < n {
		r.buf = append(make([]byte, 0, n), r.buf...)
	}
	for len(r.buf) < n && !r.lineDone() {
		k, err := r.nc.Read(r.buf[len(r.buf):n])
		r.buf = r.buf[:len(r.buf)+k]
		// The reasons are few and fixed (no bytes, no addresses), so the
		// refusal log can add them up.
		if !plausible(r.buf) {
			return errors.New("the first bytes are not a PROXY header")
		}
		var ne net.Error
		switch {
		case errors.As(err, &ne) && ne.Timeout():
			return errors.New("no complete header within ssl_handshake_timeout")
		case err != nil:
			return errors.New("closed before the header ended")
		}
	}
	return nil
}

func (r *headerReader) lineDone() bool {
	return bytes.HasPrefix(r.buf, sigV1) && bytes.IndexByte(r.buf, '\n') >= 0
}

// plausible reports whether b can still become a PROXY header.
func plausible(b []byte) bool {
	for _, sig := range [][]byte{sigV1, sigV2} {
		n := min(len(b), len(sig))
		if bytes.Equal(b[:n], sig[:n]) {
			return true
		}
	}
	return false
}

// readHeaderBytes returns the raw bytes of one PROXY header.
func readHeaderBytes(nc net.Conn) ([]byte, error) {
	r := &headerReader{nc: nc}
	if err := r.fill(minHeader); err != nil {
		return nil, err
	}
	if bytes.HasPrefix(r.buf, sigV1) {
		// A v1 line ends in CRLF: while the last byte is no CR, two more
		// are needed at least, so reading two at a time never overshoots.
		for !r.lineDone() {
			if len(r.buf) >= maxV1 {
				return nil, fmt.Errorf("a v1 header is at most %d bytes", maxV1)
			}
			step := 2
			if r.buf[len(r.buf)-1] == '\r' {
				step = 1
			}
			if err := r.fill(min(len(r.buf)+step, maxV1)); err != nil {
				return nil, err
			}
		}
		return r.buf, nil
	}
	if err := r.fill(16); err != nil {
		return nil, err
	}
	if r.buf[12]>>4 != 2 {
		return nil, fmt.Errorf("PROXY v2 header of version %d", r.buf[12]>>4)
	}
	size := 16 + int(r.buf[14])<<8 + int(r.buf[15])
	if err := r.fill(size); err != nil {
		return nil, err
	}
	return r.buf, nil
}

// takeProxyHeader reads the connection's PROXY header and lets the guard
// judge the client it names. LOCAL and UNKNOWN headers (a load
// balancer's health checks) name no client: the proxy's own address is
// then judged by allow, deny and max_connections_per_ip, so they are no
// way around the access lists.
func (c *Conn) takeProxyHeader() error {
	timeout := c.settings.HandshakeTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	client, nc, err := readProxyHeader(c.nc, timeout)
	if err != nil {
		return err
	}
	who := peerAddr(c.remote)
	if client != nil {
		who = peerAddr(client)
	}
	if c.admitClient != nil {
		if why := c.admitClient(who); why != "" {
			return errors.New(why)
		}
	}
	c.mu.Lock()
	c.nc = nc
	if client != nil {
		c.remote = client
	}
	c.mu.Unlock()
	return nil
}
