package listen

import (
	"bytes"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	proxyproto "github.com/pires/go-proxyproto"
)

// loopbackPair is a real TCP connection on loopback: the client's end and
// the server's.
func loopbackPair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	client, err = net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server = <-accepted
	if server == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

// v2Header is a PROXY v2 header from src carrying tlvs of the given total
// value size (as HAProxy's unique-id, authority and ssl TLVs grow it).
func v2Header(t *testing.T, src string, tlvBytes int) []byte {
	t.Helper()
	h := proxyproto.HeaderProxyFromAddrs(2, &net.TCPAddr{IP: net.ParseIP(src), Port: 4444}, &net.TCPAddr{IP: net.ParseIP("127.0.0.1"), Port: 80})
	var tlvs []proxyproto.TLV
	for left := tlvBytes; left > 0; {
		n := min(left, 200)
		tlvs = append(tlvs, proxyproto.TLV{Type: proxyproto.PP2_TYPE_MIN_CUSTOM, Value: bytes.Repeat([]byte{'v'}, n)})
		left -= n
	}
	if err := h.SetTLVs(tlvs); err != nil {
		t.Fatal(err)
	}
	b, err := h.Format()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestProxyV2LargeHeader: load balancers' TLVs make v2 headers far longer
// than 256 bytes; any valid one up to the protocol's maximum is taken.
func TestProxyV2LargeHeader(t *testing.T) {
	for _, size := range []int{300, 4000, 65535 - 12 - 3*328} {
		client, server := loopbackPair(t)
		hdr := v2Header(t, "10.1.1.1", size)
		go func() { _, _ = client.Write(append(hdr, "hello"...)) }()
		addr, nc, err := readProxyHeader(server, 5*time.Second)
		if err != nil {
			t.Fatalf("%d-byte header: %v", len(hdr), err)
		}
		if got := addr.String(); got != "10.1.1.1:4444" {
			t.Errorf("%d-byte header: client %s", len(hdr), got)
		}
		buf := make([]byte, 5)
		if _, err := io.ReadFull(nc, buf); err != nil || string(buf) != "hello" {
			t.Errorf("%d-byte header: after it %q, %v", len(hdr), buf, err)
		}
	}
}

// TestProxyHeaderReadsNoFurther: the reader takes exactly the header off
// the socket, nothing of what follows, and does not wait for more when
// the server is to speak first.
func TestProxyHeaderReadsNoFurther(t *testing.T) {
	for name, hdr := range map[string][]byte{
		"v1":         []byte("PROXY TCP4 10.1.1.1 127.0.0.1 4444 80\r\n"),
		"v1 unknown": []byte("PROXY UNKNOWN\r\n"),
		"v2":         v2Header(t, "10.1.1.1", 0),
		"v2 TLVs":    v2Header(t, "10.1.1.1", 700),
	} {
		client, server := loopbackPair(t)
		if _, err := client.Write(append(append([]byte(nil), hdr...), "rest"...)); err != nil {
			t.Fatal(err)
		}
		_, _, err := readProxyHeader(server, 5*time.Second)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// What follows the header is still in the socket itself.
		_ = server.SetReadDeadline(time.Now().Add(5 * time.Second))
		buf := make([]byte, 4)
		if _, err := io.ReadFull(server, buf); err != nil || string(buf) != "rest" {
			t.Errorf("%s: the socket holds %q after the header (%v); the reader took more than the header", name, buf, err)
		}
		// Server speaks first: the header alone must be enough.
		client, server = loopbackPair(t)
		_, _ = client.Write(hdr)
		done := make(chan error, 1)
		// A reader waiting for more than the header would return only at
		// its timeout, with an error; the bound below it is far past what
		// reading a few bytes takes on a loaded machine.
		go func() { _, _, err := readProxyHeader(server, 30*time.Second); done <- err }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%s alone: %v", name, err)
			}
		case <-time.After(20 * time.Second):
			t.Errorf("%s alone: the reader waits for more than the header", name)
		}
	}
}

// TestProxyHeaderRefusesGarbageAtOnce: a peer that sends something else
// is refused as soon as its first bytes show it, not at the timeout.
func TestProxyHeaderRefusesGarbageAtOnce(t *testing.T) {
	for _, data := range []string{"QUIT\r\n", "GET / HTTP/1.0\r\n\r\n", "\r\n\r\n\x00\r\nQUIX", "PROXY TCP4 1.2.3.4\r\n"} {
		client, server := loopbackPair(t)
		_, _ = client.Write([]byte(data))
		// "At once" is before the timeout: a reader that waited for it
		// takes all of it, and a loaded machine takes nowhere near 30 s
		// to read a few bytes (a fixed 2 s bound it could pass).
		const timeout = 30 * time.Second
		start := time.Now()
		if _, _, err := readProxyHeader(server, timeout); err == nil {
			t.Errorf("%q was taken as a PROXY header", data)
		}
		if d := time.Since(start); d >= timeout {
			t.Errorf("%q: refused only at the timeout, after %s", data, d)
		}
	}
	if !strings.Contains(errProxyHeader.Error(), "PROXY") {
		t.Error(errProxyHeader)
	}
}
