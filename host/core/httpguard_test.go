package core

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moonport/moonport/host/tlsconf/tlstest"
	"github.com/moonport/moonport/internal/testenv"
)

// rawHTTP sends data (a PROXY header, a request) from a chosen loopback
// address and returns the response, or an error if the server closed the
// connection without one.
func rawHTTP(t *testing.T, src string, port int, data string) (*http.Response, string, error) {
	t.Helper()
	c, err := dialFrom(t, src, port)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write([]byte(data)); err != nil {
		return nil, "", err
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return nil, "", err
	}
	body := make([]byte, 4096)
	n, _ := resp.Body.Read(body)
	return resp, string(body[:n]), nil
}

const getHello = "GET /r/hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"

// TestHTTPBehindProxyProtocol: an HTTP listener with proxy_protocol takes
// the header from its trusted proxies only (and requires it), applies
// allow/deny and the per-address cap to the original client, and routes
// see that client's address.
func TestHTTPBehindProxyProtocol(t *testing.T) {
	_, plain, _, _ := httpHost(t, `http_proxy_protocol = true
http_proxy_trusted = { "127.0.0.1" }
http_allow = { "10.0.0.0/8" }
http_max_connections_per_ip = 2`)
	resp, body, err := rawHTTP(t, "127.0.0.1", plain, "PROXY TCP4 10.1.1.1 127.0.0.1 4444 80\r\n"+getHello)
	if err != nil || resp.StatusCode != 200 || body != "hello 10.1.1.1" {
		t.Errorf("a valid PROXY header: %v %v %q; want 200 \"hello 10.1.1.1\"", err, resp, body)
	}
	v2 := string(v2HeaderFrom(t, "10.1.1.2", 600))
	if resp, body, err := rawHTTP(t, "127.0.0.1", plain, v2+getHello); err != nil || body != "hello 10.1.1.2" {
		t.Errorf("a %d-byte PROXY v2 header: %v %v %q", len(v2), err, resp, body)
	}
	for name, c := range map[string]struct{ src, data string }{
		"no header":                          {"127.0.0.1", getHello},
		"client not allowed":                 {"127.0.0.1", "PROXY TCP4 192.168.1.1 127.0.0.1 4444 80\r\n" + getHello},
		"untrusted proxy":                    {"127.0.0.5", "PROXY TCP4 10.1.1.1 127.0.0.1 4444 80\r\n" + getHello},
		"LOCAL from a proxy outside allow":   {"127.0.0.1", "\r\n\r\n\x00\r\nQUIT\n\x20\x00\x00\x00" + getHello},
		"UNKNOWN from a proxy outside allow": {"127.0.0.1", "PROXY UNKNOWN\r\n" + getHello},
	} {
		if resp, _, err := rawHTTP(t, c.src, plain, c.data); err == nil {
			t.Errorf("%s: answered %s; want the connection closed", name, resp.Status)
		}
	}
	// max_connections_per_ip counts the client behind the proxy.
	var held []*bufio.Reader
	served := 0
	for i := 0; i < 4; i++ {
		c, err := dialFrom(t, "127.0.0.1", plain)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		fmt.Fprintf(c, "PROXY TCP4 10.9.9.9 127.0.0.1 %d 80\r\nGET /r/hello HTTP/1.1\r\nHost: x\r\n\r\n", 5000+i)
		r := bufio.NewReader(c)
		if resp, err := http.ReadResponse(r, nil); err == nil {
			resp.Body.Close()
			served++
			held = append(held, r)
		}
	}
	if served != 2 {
		t.Errorf("max_connections_per_ip = 2 served %d keep-alive connections of one client behind the proxy", served)
	}
}

// v2HeaderFrom is a PROXY v2 header with custom TLVs of tlvBytes in all.
func v2HeaderFrom(t *testing.T, src string, tlvBytes int) []byte {
	t.Helper()
	ip := net.ParseIP(src).To4()
	var tlvs []byte
	for left := tlvBytes; left > 0; {
		n := min(left, 200)
		tlvs = append(tlvs, 0xE0, byte(n>>8), byte(n))
		tlvs = append(tlvs, strings.Repeat("v", n)...)
		left -= n
	}
	size := 12 + len(tlvs)
	h := []byte("\r\n\r\n\x00\r\nQUIT\n\x21\x11")
	h = append(h, byte(size>>8), byte(size))
	h = append(h, ip...)
	h = append(h, 127, 0, 0, 1, 0x11, 0x5c, 0, 80)
	return append(h, tlvs...)
}

// TestProxyProtocolPerAddressAndLocal: on a Lua PROXY listener the
// per-address cap counts the original client; LOCAL and UNKNOWN headers
// (health checks) are judged by the proxy's own address.
func TestProxyProtocolPerAddressAndLocal(t *testing.T) {
	capped, allowed := freePort(t), freePort(t)
	startHost(t, fmt.Sprintf(`modules_enabled = { "greet" }
interfaces = { "127.0.0.1" }
greet_ports = { }
listeners = {
	capped = { service = "greet", bind = "127.0.0.1:%d", proxy_protocol = true, proxy_trusted = { "127.0.0.1" }, max_connections_per_ip = 2, allow = { "10.0.0.0/8" } };
	health = { service = "greet", bind = "127.0.0.1:%d", proxy_protocol = true, proxy_trusted = { "127.0.0.1" }, allow = { "127.0.0.1" } };
}
`, capped, allowed), map[string]string{"greet": greeter})
	served := 0
	for i := 0; i < 5; i++ {
		c, err := dialFrom(t, "127.0.0.1", capped)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprintf(c, "PROXY TCP4 10.1.1.1 127.0.0.1 %d 7\r\n", 4000+i)
		if _, ok := greeted(c); ok {
			served++
		}
	}
	if served != 2 {
		t.Errorf("max_connections_per_ip = 2 served %d of 5 connections of one client behind the proxy", served)
	}
	c, _ := dialFrom(t, "127.0.0.1", capped)
	defer c.Close()
	fmt.Fprintf(c, "PROXY TCP4 10.1.1.2 127.0.0.1 4100 7\r\n")
	if got, ok := greeted(c); !ok || got != "hello 10.1.1.2 4100" {
		t.Errorf("another client behind the same proxy: %q", got)
	}
	for name, hdr := range map[string]string{"LOCAL": "\r\n\r\n\x00\r\nQUIT\n\x20\x00\x00\x00", "UNKNOWN": "PROXY UNKNOWN\r\n"} {
		c, _ := dialFrom(t, "127.0.0.1", capped)
		fmt.Fprint(c, hdr)
		if got, ok := greeted(c); ok {
			t.Errorf("%s from a proxy outside allow was served: %q", name, got)
		}
		c.Close()
		c, _ = dialFrom(t, "127.0.0.1", allowed)
		fmt.Fprint(c, hdr)
		if got, ok := greeted(c); !ok || !strings.HasPrefix(got, "hello 127.0.0.1 ") {
			t.Errorf("%s from a proxy inside allow: %q, want the proxy's own address", name, got)
		}
		c.Close()
	}
}

// holdHTTP opens n keep-alive HTTP connections and reports how many got
// an answer; the served ones stay open until the test ends.
func holdHTTP(t *testing.T, port, n int) int {
	t.Helper()
	served := 0
	for i := 0; i < n; i++ {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 5*time.Second)
		if err != nil {
			continue
		}
		t.Cleanup(func() { c.Close() })
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		fmt.Fprintf(c, "GET /r/hello HTTP/1.1\r\nHost: x\r\n\r\n")
		if resp, err := http.ReadResponse(bufio.NewReader(c), nil); err == nil {
			resp.Body.Close()
			served++
		}
	}
	return served
}

// TestHTTPConnectionsCountAndShow: HTTP connections count against the
// server's, the service's and the listener's caps, and the console lists
// them.
func TestHTTPConnectionsCountAndShow(t *testing.T) {
	shipped, _ := filepath.Abs("../../modules")
	console, plain := freePort(t), freePort(t)
	th := startHost(t, fmt.Sprintf(`plugin_paths = { %q }
modules_enabled = { "routes", "admin_telnet" }
interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
console_ports = { %d }
console_auth = false
http_ports = { %d }
https_ports = { }
max_connections = 50
http_max_connections = 5
`, shipped, console, plain), map[string]string{"routes": routesModule})
	if n := holdHTTP(t, plain, 8); n != 5 {
		t.Errorf("http_max_connections = 5 let %d of 8 HTTP connections in", n)
	}
	s := openConsole(t, console, "")
	rows := s.ok(`conn:list("http")`, "OK: 5 connection(s)")
	if len(rows) < 6 || !strings.Contains(rows[1], "127.0.0.1:") {
		t.Errorf("conn:list does not show the HTTP connections:\n%s", strings.Join(rows, "\n"))
	}
	s.ok("server:memory()", "connections")
	if n := th.Server.Count(); n != 6 {
		t.Errorf("the server counts %d connections; want 5 HTTP and the console", n)
	}
	// conn:close closes an idle HTTP connection, which gives its place back.
	id := strings.Fields(rows[1])[0]
	s.ok("conn:close(" + id + ")")
	deadline := time.Now().Add(5 * time.Second)
	for th.Server.Count() != 5 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := th.Server.Count(); n != 5 {
		t.Errorf("after conn:close(%s) the server counts %d connections", id, n)
	}
	if n := holdHTTP(t, plain, 2); n != 1 {
		t.Errorf("after conn:close one more HTTP connection may come in; %d did", n)
	}

	other := freePort(t)
	startHost(t, fmt.Sprintf(`plugin_paths = { %q }
modules_enabled = { "routes" }
interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
http_ports = { }
https_ports = { }
max_connections = 4
listeners = { web = { service = "http", bind = "127.0.0.1:%d" } }
`, shipped, other), map[string]string{"routes": routesModule})
	if n := holdHTTP(t, other, 6); n != 4 {
		t.Errorf("max_connections = 4 (server-wide) let %d of 6 HTTP connections in", n)
	}
}

// slowBody sends a POST whose body trickles in a byte at a time and says
// how long, from before the dial (so before any clock of the server's
// starts), the server took to cut it, or that it did not within a bound
// far past any timeout the tests set (a loaded machine cannot reach it).
func slowBody(t *testing.T, port int) (time.Duration, bool) {
	t.Helper()
	start := time.Now()
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST /r/items/x HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
	buf := make([]byte, 512)
	for time.Since(start) < 30*time.Second {
		if _, err := c.Write([]byte("x")); err != nil {
			return time.Since(start), true
		}
		_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		if n, err := c.Read(buf); n > 0 || (err != nil && !isTimeout(err)) {
			return time.Since(start), true
		}
	}
	return time.Since(start), false
}

// TestHTTPSlowBodyIsCut: a body trickled in slower than
// http_body_timeout (by default the listener's read_timeout) is cut, and
// not before that timeout.
func TestHTTPSlowBodyIsCut(t *testing.T) {
	for _, opt := range []string{"http_body_timeout = 1", "http_read_timeout = 1"} {
		_, plain, _, _ := httpHost(t, opt)
		if took, cut := slowBody(t, plain); !cut || took < time.Second {
			t.Errorf("%s: a slow body was not cut at the timeout (cut=%v after %s)", opt, cut, took.Round(time.Millisecond))
		}
	}
}

// TestBuiltinPagesOnlyOnLocalListeners: /metrics and /status are served on
// loopback and private listeners, not on public ones or behind a proxy,
// unless http_builtin_public says so.
func TestBuiltinPagesOnlyOnLocalListeners(t *testing.T) {
	public := freePort(t)
	_, plain, secure, _ := httpHost(t, fmt.Sprintf(`http_metrics = true
http_status_page = true
listeners = { lb = { service = "https", bind = "127.0.0.1:%d", proxy_protocol = true, proxy_trusted = { "127.0.0.1" } } }`, public))
	for _, page := range []string{"/metrics", "/status"} {
		if got := curl(t, "-i", fmt.Sprintf("http://127.0.0.1:%d%s", plain, page)); !strings.Contains(got, "200 OK") {
			t.Errorf("%s on a loopback listener:\n%s", page, got)
		}
		if got := curl(t, "-i", "-k", fmt.Sprintf("https://127.0.0.1:%d%s", secure, page)); !strings.Contains(got, " 200") {
			t.Errorf("%s on a loopback https listener:\n%s", page, got)
		}
		if got := curl(t, "-i", "-k", "--haproxy-protocol", fmt.Sprintf("https://127.0.0.1:%d%s", public, page)); !strings.Contains(got, "404") {
			t.Errorf("%s behind a load balancer:\n%s", page, got)
		}
	}
	public = freePort(t)
	_, plain, _, _ = httpHost(t, fmt.Sprintf(`http_metrics = true
http_builtin_public = true
listeners = { lb = { service = "http", bind = "127.0.0.1:%d", proxy_protocol = true, proxy_trusted = { "127.0.0.1" } } }`, public))
	if got := curl(t, "-i", "--haproxy-protocol", fmt.Sprintf("http://127.0.0.1:%d/metrics", public)); !strings.Contains(got, "200 OK") {
		t.Errorf("/metrics with http_builtin_public = true:\n%s", got)
	}
	_ = plain
}

// startHAProxy runs HAProxy with cfg until the test ends and waits for
// its frontends.
func startHAProxy(t *testing.T, cfg string, frontends ...int) *testenv.Process {
	t.Helper()
	bin := testenv.NeedTool(t, "haproxy", "haproxy")
	file := filepath.Join(t.TempDir(), "haproxy.cfg")
	if err := os.WriteFile(file, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	hp := testenv.Start(t, bin, testenv.Args("-db", "-f", file))
	for _, p := range frontends {
		waitPort(t, p, hp)
	}
	return hp
}

// TestProxyV2TLVsFromHAProxy puts HAProxy in front, terminating TLS and
// sending PROXY v2 with its ssl, authority, crc32c and unique-id TLVs: a
// header well over 256 bytes, taken by both a Lua and an HTTP listener.
func TestProxyV2TLVsFromHAProxy(t *testing.T) {
	testenv.NeedTool(t, "haproxy", "haproxy")
	dir := t.TempDir()
	ca := tlstest.NewCA(t, dir)
	crt, key := ca.Server(t, dir, "localhost")
	pem := filepath.Join(dir, "haproxy.pem")
	a, _ := os.ReadFile(crt)
	b, _ := os.ReadFile(key)
	if err := os.WriteFile(pem, append(a, b...), 0o600); err != nil {
		t.Fatal(err)
	}
	shipped, _ := filepath.Abs("../../modules")
	lua, web, feLua, feWeb, feProbe := freePort(t), freePort(t), freePort(t), freePort(t), freePort(t)
	startHost(t, fmt.Sprintf(`plugin_paths = { %q }
modules_enabled = { "greet", "routes" }
interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
greet_ports = { }
http_ports = { }
https_ports = { }
listeners = {
	lua = { service = "greet", bind = "127.0.0.1:%d", proxy_protocol = true, proxy_trusted = { "127.0.0.1" }, allow = { "127.0.0.9" } };
	web = { service = "http", bind = "127.0.0.1:%d", proxy_protocol = true, proxy_trusted = { "127.0.0.1" }, allow = { "127.0.0.9" } };
}
`, shipped, lua, web), map[string]string{"greet": greeter, "routes": routesModule})
	// A plain socket behind a third frontend shows how long the header is.
	probe, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close()
	opts := "send-proxy-v2 proxy-v2-options ssl,cert-cn,ssl-cipher,cert-sig,cert-key,authority,crc32c,unique-id source 127.0.0.1"
	out := startHAProxy(t, fmt.Sprintf(`global
	maxconn 100
defaults
	mode tcp
	timeout connect 5s
	timeout client 30s
	timeout server 30s
	unique-id-format %s
frontend lua
	bind 127.0.0.1:%d ssl crt %s
	default_backend lua
frontend web
	bind 127.0.0.1:%d ssl crt %s
	default_backend web
frontend probe
	bind 127.0.0.1:%d ssl crt %s
	default_backend probe
backend lua
	server m 127.0.0.1:%d %s
backend web
	server m 127.0.0.1:%d %s
backend probe
	server m %s %s
`, strings.Repeat("u", 100), feLua, pem, feWeb, pem, feProbe, pem, lua, opts, web, opts, probe.Addr(), opts), feLua, feWeb, feProbe)
	sni := strings.Repeat("a", 60) + "." + strings.Repeat("b", 60) + "." + strings.Repeat("c", 60) + ".test"
	dialTLS := func(port int) *tls.Conn {
		d := &net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.9")}}
		c, err := tls.DialWithDialer(d, "tcp", fmt.Sprintf("127.0.0.1:%d", port), &tls.Config{ServerName: sni, InsecureSkipVerify: true})
		if err != nil {
			t.Fatalf("%v\n%s", err, out.Output())
		}
		return c
	}
	pc := dialTLS(feProbe)
	defer pc.Close()
	raw, err := probe.Accept()
	if err != nil {
		t.Fatal(err)
	}
	head := make([]byte, 16)
	_ = raw.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadFull(raw, head); err != nil {
		t.Fatal(err)
	}
	size := 16 + int(head[14])<<8 + int(head[15])
	raw.Close()
	if size <= 256 {
		t.Fatalf("HAProxy's header is only %d bytes; the test needs one over 256", size)
	}
	t.Logf("HAProxy's PROXY v2 header: %d bytes", size)

	c := dialTLS(feLua)
	defer c.Close()
	local := c.NetConn().LocalAddr().(*net.TCPAddr)
	if got, ok := greeted(c); !ok || got != fmt.Sprintf("hello 127.0.0.9 %d", local.Port) {
		t.Errorf("Lua listener behind HAProxy (%d-byte header): %q\n%s", size, got, out.Output())
	}
	got := curl(t, "-k", "--interface", "127.0.0.9", "--resolve", fmt.Sprintf("%s:%d:127.0.0.1", sni, feWeb), fmt.Sprintf("https://%s:%d/r/hello", sni, feWeb))
	if got != "hello 127.0.0.9" {
		t.Errorf("HTTP listener behind HAProxy (%d-byte header): %q\n%s", size, got, out.Output())
	}
	// The allow list applies to the client behind the proxy.
	bin := testenv.NeedTool(t, "curl", "curl")
	denied, _ := exec.Command(bin, "-sS", "--max-time", "10", "-k", "-i", "--interface", "127.0.0.8", "--resolve", fmt.Sprintf("%s:%d:127.0.0.1", sni, feWeb), fmt.Sprintf("https://%s:%d/r/hello", sni, feWeb)).CombinedOutput()
	if strings.Contains(string(denied), "200 OK") || !strings.Contains(string(denied), "Empty reply") {
		t.Errorf("a client outside allow behind HAProxy: %s", denied)
	}
}
