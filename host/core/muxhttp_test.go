package core

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moonport/moonport/host/tlsconf/tlstest"
)

const helloRequest = "GET /r/hello HTTP/1.1\r\nHost: x\r\n\r\n"

// keepAliveHTTP opens n keep-alive HTTP/1.1 connections with dial and
// returns those that were answered, still open; the test closes them.
func keepAliveHTTP(t *testing.T, n int, dial func() (net.Conn, error)) []net.Conn {
	t.Helper()
	var served []net.Conn
	for i := 0; i < n; i++ {
		c, err := dial()
		if err != nil {
			continue
		}
		t.Cleanup(func() { c.Close() })
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		_, _ = io.WriteString(c, helloRequest)
		if resp, err := http.ReadResponse(bufio.NewReader(c), nil); err == nil {
			resp.Body.Close()
			served = append(served, c)
		} else {
			c.Close()
		}
	}
	return served
}

// waitCount waits until the server counts want connections.
func waitCount(t *testing.T, th *testHost, want int, what string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for th.Server.Count() != want && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := th.Server.Count(); n != want {
		t.Fatalf("%s: the server counts %d connection(s), want %d", what, n, want)
	}
}

// TestMultiplexedHTTPCountsAndShows: an HTTP connection the multiplexer
// hands to net/http stays counted against max_connections and the
// multiplex service's cap until it really closes, shows in conn:list as
// HTTP on the multiplex listener, and conn:close closes it. They used to
// leave every count once handed over.
func TestMultiplexedHTTPCountsAndShows(t *testing.T) {
	shipped, _ := filepath.Abs("../../modules")
	dir := t.TempDir()
	ca := tlstest.NewCA(t, dir)
	crt, key := ca.Server(t, dir, "localhost")
	console, plain, secure := freePort(t), freePort(t), freePort(t)
	th := startHost(t, fmt.Sprintf(`plugin_paths = { %q }
modules_enabled = { "routes", "net_multiplex", "admin_telnet" }
interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
console_ports = { %d }
console_auth = false
ports = { %d }
ssl_ports = { %d }
ssl = { certificate = %q, key = %q }
http_ports = { }
https_ports = { }
max_connections = 5
`, shipped, console, plain, secure, crt, key), map[string]string{"routes": routesModule})
	s := openConsole(t, console, "")
	plainDial := func() (net.Conn, error) {
		return net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", plain), 5*time.Second)
	}
	tlsDial := func() (net.Conn, error) {
		d := &net.Dialer{Timeout: 5 * time.Second}
		return tls.DialWithDialer(d, "tcp", fmt.Sprintf("127.0.0.1:%d", secure),
			&tls.Config{RootCAs: ca.Pool, ServerName: "localhost", NextProtos: []string{"http/1.1"}})
	}
	held := keepAliveHTTP(t, 1, tlsDial)
	held = append(held, keepAliveHTTP(t, 5, plainDial)...)
	if len(held) != 4 {
		t.Fatalf("max_connections = 5 with the console open let %d HTTP connections in through the multiplexer; want 4", len(held))
	}
	waitCount(t, th, 5, "4 multiplexed HTTP connections and the console")
	rows := s.ok(`conn:list("http")`, "OK: 4 connection(s)")
	if len(rows) != 5 || !strings.Contains(rows[1], " multiplex") || !strings.Contains(strings.Join(rows, "\n"), "TLS 1.3") {
		t.Errorf("conn:list(\"http\") should show the 4 connections on the multiplex listeners, one over TLS:\n%s", strings.Join(rows, "\n"))
	}
	// The bytes the multiplexer read count once, not again when net/http reads them.
	if f := strings.Fields(rows[len(rows)-1]); len(f) < 7 || f[5]+" "+f[6] != fmt.Sprintf("%d B", len(helloRequest)) {
		t.Errorf("a multiplexed HTTP connection that sent %d bytes: %v", len(helloRequest), f)
	}

	// conn:close closes an idle one: its place is free again.
	id := strings.Fields(rows[1])[0]
	s.ok("conn:close(" + id + ")")
	waitCount(t, th, 4, "after conn:close("+id+")")
	more := keepAliveHTTP(t, 2, plainDial)
	if len(more) != 1 {
		t.Errorf("after conn:close one more multiplexed HTTP connection may come in; %d did", len(more))
	}
	// The clients hang up: the count drops to the console alone.
	for _, c := range append(held, more...) {
		c.Close()
	}
	waitCount(t, th, 1, "after the HTTP clients hung up")
	s.ok(`conn:list("http")`, "OK: 0 connection(s)")

	// The multiplex service's own cap counts them too.
	capped := freePort(t)
	startHost(t, fmt.Sprintf(`plugin_paths = { %q }
modules_enabled = { "routes", "net_multiplex" }
interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
ports = { %d }
ssl_ports = { }
http_ports = { }
https_ports = { }
multiplex_max_connections = 2
`, shipped, capped), map[string]string{"routes": routesModule})
	if n := len(keepAliveHTTP(t, 4, func() (net.Conn, error) {
		return net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", capped), 5*time.Second)
	})); n != 2 {
		t.Errorf("multiplex_max_connections = 2 let %d of 4 multiplexed HTTP connections in", n)
	}
}
