package listen

import (
	"bytes"
	"net"
	"testing"
	"time"
)

// bytesConn is a net.Conn that reads from a fixed buffer.
type bytesConn struct {
	net.Conn
	r *bytes.Reader
}

func (b *bytesConn) Read(p []byte) (int, error)      { return b.r.Read(p) }
func (b *bytesConn) SetReadDeadline(time.Time) error { return nil }
func (b *bytesConn) RemoteAddr() net.Addr            { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1} }

// FuzzProxyHeader feeds arbitrary bytes to the PROXY header reader: it
// must not panic, and what follows a good header must come through whole.
func FuzzProxyHeader(f *testing.F) {
	v2 := []byte("\r\n\r\n\x00\r\nQUIT\n\x21\x11\x00\x0c\x7f\x00\x00\x09\x7f\x00\x00\x01\x30\x39\x00\x50")
	for _, seed := range [][]byte{
		[]byte("PROXY TCP4 127.0.0.9 127.0.0.1 12345 80\r\nhello"),
		[]byte("PROXY TCP6 ::1 ::1 1 2\r\n"),
		[]byte("PROXY UNKNOWN\r\n"),
		append(append([]byte{}, v2...), "payload"...),
		[]byte("GET / HTTP/1.0\r\n\r\n"),
		[]byte("PROXY TCP4 999.0.0.1 127.0.0.1 1 2\r\n"),
		{},
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		client, nc, err := readProxyHeader(&bytesConn{r: bytes.NewReader(data)}, time.Second)
		if err != nil {
			return
		}
		_ = client // any address family a header may carry is fine
		rest := make([]byte, len(data)+1)
		n, _ := nc.Read(rest)
		if n > len(data) {
			t.Fatalf("read %d bytes from a %d-byte input", n, len(data))
		}
	})
}
