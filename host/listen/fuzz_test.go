package listen

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"

	proxyproto "github.com/pires/go-proxyproto"
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
		r := bytes.NewReader(data)
		client, nc, err := readProxyHeader(&bytesConn{r: r}, time.Second)
		if err != nil {
			return
		}
		_ = client // any address family a header may carry is fine
		// Exactly the header was taken: a v1 line, or v2's 16 bytes and
		// the length they give.
		taken := data[:len(data)-r.Len()]
		switch {
		case bytes.HasPrefix(taken, sigV1):
			if len(taken) > maxV1 || !bytes.HasSuffix(taken, []byte("\r\n")) || bytes.IndexByte(taken, '\n') != len(taken)-1 {
				t.Fatalf("took %q as a v1 header", taken)
			}
		case bytes.HasPrefix(taken, sigV2):
			if len(taken) != 16+int(taken[14])<<8+int(taken[15]) {
				t.Fatalf("took %d bytes for a v2 header of length %d", len(taken), int(taken[14])<<8+int(taken[15]))
			}
		default:
			t.Fatalf("took %q as a header", taken)
		}
		rest, _ := io.ReadAll(nc)
		if !bytes.Equal(rest, data[len(taken):]) {
			t.Fatalf("after the header %q, want %q", rest, data[len(taken):])
		}
	})
}

// FuzzProxyV2TLVs builds PROXY v2 headers around arbitrary TLV bytes, for
// IPv4, IPv6 and UNIX sources: a header whose TLVs split into whole
// entries must be taken (however long) with the client it names and the
// data after it intact; one whose TLVs do not must be refused.
func FuzzProxyV2TLVs(f *testing.F) {
	for _, seed := range []struct {
		family byte
		tlvs   []byte
	}{
		{0x11, nil},
		{0x11, []byte("\x05\x00\x03abc")}, // unique-id
		{0x21, append([]byte("\x02\x01\x00"), bytes.Repeat([]byte("a"), 256)...)}, // authority past 256 bytes
		{0x11, []byte("\x20\x00\x0d\x01\x00\x00\x00\x00\x21\x00\x07TLSv1.3")},     // ssl with a version sub-TLV
		{0x31, []byte("\x04\x00\x02\x00\x00")},                                    // UNIX source, noop padding
		{0x11, []byte("\x05\x00\x09abc")},                                         // truncated
		{0x21, []byte("\x05")},
	} {
		f.Add(seed.family, seed.tlvs, []byte("payload"))
	}
	f.Fuzz(func(t *testing.T, family byte, tlvs, payload []byte) {
		addrLen := map[byte]int{0x11: 12, 0x21: 36, 0x31: 216}[family&0xf1]
		if addrLen == 0 || len(tlvs) > 65535-addrLen {
			return
		}
		family &= 0xf1
		addr := make([]byte, addrLen)
		switch family {
		case 0x11:
			copy(addr, []byte{10, 1, 2, 3, 127, 0, 0, 1, 0x30, 0x39, 0, 80})
		case 0x21:
			copy(addr, net.ParseIP("2001:db8::7"))
			copy(addr[16:], net.IPv6loopback)
			copy(addr[32:], []byte{0x30, 0x39, 0, 80})
		case 0x31:
			copy(addr, "/run/lb.sock")
		}
		size := addrLen + len(tlvs)
		hdr := append(append([]byte{}, sigV2...), 0x21, family, byte(size>>8), byte(size))
		hdr = append(append(hdr, addr...), tlvs...)
		r := bytes.NewReader(append(append([]byte{}, hdr...), payload...))
		client, nc, err := readProxyHeader(&bytesConn{r: r}, time.Second)
		_, splitErr := proxyproto.SplitTLVs(tlvs)
		if (err == nil) != (splitErr == nil) {
			t.Fatalf("%d-byte header, TLVs %x: read error %v, TLV error %v", len(hdr), tlvs, err, splitErr)
		}
		if err != nil {
			return
		}
		want := map[byte]string{0x11: "10.1.2.3:12345", 0x21: "[2001:db8::7]:12345"}[family]
		got := ""
		if client != nil {
			got = client.String()
		}
		if got != want {
			t.Fatalf("client %q, want %q", got, want)
		}
		rest, _ := io.ReadAll(nc)
		if !bytes.Equal(rest, payload) {
			t.Fatalf("after a %d-byte header: %q, want %q", len(hdr), rest, payload)
		}
	})
}
