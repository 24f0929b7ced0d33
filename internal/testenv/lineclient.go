package testenv

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// LineClient is a TCP client for line protocols: it sends text and reads
// newline-terminated lines, each with a deadline so a test never hangs.
type LineClient struct {
	t testing.TB
	net.Conn
	r *bufio.Reader
}

// DialLine connects to 127.0.0.1:port; the connection closes with the test.
func DialLine(t testing.TB, port int) *LineClient {
	t.Helper()
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &LineClient{t: t, Conn: c, r: bufio.NewReader(c)}
}

// Send writes s as it is.
func (c *LineClient) Send(s string) {
	c.t.Helper()
	c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte(s)); err != nil {
		c.t.Fatal(err)
	}
}

// ReadLine returns the next line without its newline, or the error.
func (c *LineClient) ReadLine() (string, error) {
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	s, err := c.r.ReadString('\n')
	return strings.TrimRight(s, "\r\n"), err
}

// Line returns the next line and fails the test if there is none.
func (c *LineClient) Line() string {
	c.t.Helper()
	s, err := c.ReadLine()
	if err != nil {
		c.t.Fatalf("reading a line: %v (got %q)", err, s)
	}
	return s
}

// Expect fails the test unless the next line is want.
func (c *LineClient) Expect(want string) {
	c.t.Helper()
	if got := c.Line(); got != want {
		c.t.Fatalf("got %q, want %q", got, want)
	}
}

// ExpectClosed waits for the server to close the connection; it fails
// the test if the connection is still open after 10 s.
func (c *LineClient) ExpectClosed() {
	c.t.Helper()
	c.ExpectClosedWithin(10 * time.Second)
}

// ExpectClosedWithin is ExpectClosed with its own bound, for a close that
// comes after work whose length depends on the machine's load (a memory
// budget filled under -race), not on a timer.
func (c *LineClient) ExpectClosedWithin(bound time.Duration) {
	c.t.Helper()
	c.SetReadDeadline(time.Now().Add(bound))
	buf := make([]byte, 4096)
	for {
		if _, err := c.r.Read(buf); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				c.t.Fatalf("connection still open after %s", bound)
			}
			return
		}
	}
}

// Rest reads what the server sends until it closes the connection.
func (c *LineClient) Rest() (string, error) {
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	b, err := io.ReadAll(c.r)
	return string(b), err
}
