package core

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/moonport/moonport/host/config/luaconfig"
	"github.com/moonport/moonport/internal/testenv"
)

// greeter answers every connection with the client address it sees.
const greeter = `module:provides("net", { name = "greet", default_port = 1, listener = {
	default_mode = "*l";
	onconnect = function(conn) conn:write("hello " .. conn:ip() .. " " .. conn:port() .. "\n") end;
	onincoming = function(conn, line) conn:write("echo " .. line .. "\n") end;
}})`

// dialFrom connects from a chosen loopback source address.
func dialFrom(t *testing.T, src string, port int) (net.Conn, error) {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
	return d.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
}

// greeted reports whether the server greeted the connection (true) or
// closed it without a word (false).
func greeted(c net.Conn) (string, bool) {
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 128)
	n, err := c.Read(buf)
	if err != nil || n == 0 {
		return "", false
	}
	return strings.TrimSpace(string(buf[:n])), true
}

func TestFloodAgainstListenerCap(t *testing.T) {
	port := freePort(t)
	th := startHost(t, fmt.Sprintf("modules_enabled = { \"greet\" }\ninterfaces = { \"127.0.0.1\" }\ngreet_ports = { }\nlisteners = { capped = { service = \"greet\", bind = \"127.0.0.1:%d\", max_connections = 100 } }\n", port),
		map[string]string{"greet": greeter})
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	const flood = 2000
	var served, refused atomic.Int64
	var wg sync.WaitGroup
	conns := make(chan net.Conn, flood)
	sem := make(chan struct{}, 100)
	for i := 0; i < flood; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 5*time.Second)
			if err != nil {
				refused.Add(1)
				return
			}
			if _, ok := greeted(c); ok {
				served.Add(1)
				conns <- c // hold it open
			} else {
				refused.Add(1)
				c.Close()
			}
		}()
	}
	wg.Wait()
	close(conns)
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if served.Load() != 100 || refused.Load() != flood-100 {
		t.Fatalf("served %d, refused %d; want exactly 100 served", served.Load(), refused.Load())
	}
	if n := th.Server.Count(); n != 100 {
		t.Errorf("server holds %d connections", n)
	}
	grown := int64(after.HeapInuse) - int64(before.HeapInuse)
	t.Logf("flood of %d: %d served, %d refused; heap grew %d KiB (client side included)", flood, served.Load(), refused.Load(), grown/1024)
	if grown > 64<<20 {
		t.Errorf("heap grew %d MiB during the flood", grown>>20)
	}
	b, _ := os.ReadFile(th.logFile)
	lines := strings.Count(string(b), "refused")
	if lines < 1 || lines > 20 {
		t.Errorf("%d log lines about refusals for %d refusals; want a few", lines, flood-100)
	}
	for c := range conns {
		c.Close()
	}
}

func TestPerAddressAndRateLimits(t *testing.T) {
	perIP, rated := freePort(t), freePort(t)
	startHost(t, fmt.Sprintf(`modules_enabled = { "greet" }
interfaces = { "127.0.0.1" }
greet_ports = { }
listeners = {
	perip = { service = "greet", bind = "127.0.0.1:%d", max_connections_per_ip = 3 };
	rated = { service = "greet", bind = "127.0.0.1:%d", accept_rate = 5 };
}
`, perIP, rated), map[string]string{"greet": greeter})
	var held []net.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	for i := 0; i < 3; i++ {
		c, err := dialFrom(t, "127.0.0.2", perIP)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := greeted(c); !ok {
			t.Fatalf("connection %d from 127.0.0.2 refused", i+1)
		}
		held = append(held, c)
	}
	c, _ := dialFrom(t, "127.0.0.2", perIP)
	if _, ok := greeted(c); ok {
		t.Error("a 4th connection from 127.0.0.2 was served")
	}
	c, _ = dialFrom(t, "127.0.0.3", perIP)
	if got, ok := greeted(c); !ok || !strings.HasPrefix(got, "hello 127.0.0.3") {
		t.Errorf("another address was refused: %q", got)
	}
	held = append(held, c)
	served := 0
	for i := 0; i < 20; i++ {
		c, err := dialFrom(t, "127.0.0.4", rated)
		if err != nil {
			continue
		}
		if _, ok := greeted(c); ok {
			served++
		}
		c.Close()
	}
	if served < 5 || served > 7 {
		t.Errorf("accept_rate = 5 served %d of 20 immediate connections; want the burst of 5 (and maybe one more)", served)
	}
}

func TestAllowAndDeny(t *testing.T) {
	allowPort, denyPort := freePort(t), freePort(t)
	th := startHost(t, fmt.Sprintf(`modules_enabled = { "greet" }
interfaces = { "127.0.0.1" }
greet_ports = { %d }
greet_allow = { "127.0.0.2", "::1" }
listeners = { open = { service = "greet", bind = "127.0.0.1:%d", allow = { "127.0.0.0/8" }, deny = { "127.0.0.1/32" } } }
`, allowPort, denyPort), map[string]string{"greet": greeter})
	for _, c := range []struct {
		src  string
		port int
		ok   bool
	}{{"127.0.0.2", allowPort, true}, {"127.0.0.1", allowPort, false}, {"127.0.0.5", denyPort, true}, {"127.0.0.1", denyPort, false}} {
		conn, err := dialFrom(t, c.src, c.port)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := greeted(conn)
		conn.Close()
		if ok != c.ok || (ok && !strings.HasPrefix(got, "hello "+c.src)) {
			t.Errorf("%s to %d: served=%v (%q), want %v", c.src, c.port, ok, got, c.ok)
		}
	}
	th.waitLog(t, "refused", "address not allowed")
}

func TestReceiveBufferLimit(t *testing.T) {
	port := freePort(t)
	th := startHost(t, fmt.Sprintf("modules_enabled = { \"greet\" }\ninterfaces = { \"127.0.0.1\" }\ngreet_ports = %d\nnetwork_settings = { max_receive_buffer_size = 1000 }\n", port),
		map[string]string{"greet": `module:provides("net", { name = "greet", default_port = 1, listener = {
	default_mode = "*l";
	onincoming = function(conn, line) conn:write("got " .. #line .. "\n") end;
	ondisconnect = function(conn, err) module:log("info", "gone: %s", tostring(err)) end;
}})`})
	c := dial(t, port)
	c.Send(strings.Repeat("x", 900) + "\n")
	c.Expect("got 900")
	c.Send(strings.Repeat("y", 3000)) // no newline: never a frame
	c.ExpectClosed()
	th.waitLog(t, "gone: receive buffer exceeded max_receive_buffer_size")
}

// TestSocketOptionOutOfRange: ttl = 300, which the OS refused on every
// connection, is now refused by its range when the config is read.
func TestSocketOptionOutOfRange(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "prosody.cfg.lua")
	os.WriteFile(filepath.Join(dir, "mod_greet.lua"), []byte(greeter), 0o644)
	os.WriteFile(cfg, []byte(fmt.Sprintf("modules_enabled = { \"greet\" }\ninterfaces = { \"127.0.0.1\" }\ngreet_ports = %d\ngreet_ttl = 300\n", freePort(t))), 0o644)
	snap, err := luaconfig.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h, err := New(Options{Config: snap, Log: logrus.New()})
	if err == nil {
		h.Close()
	}
	if err == nil || !strings.Contains(err.Error(), cfg+":4: greet_…: ttl = 300: expected a whole number of hops from 1 to 255") {
		t.Errorf("ttl = 300: %v", err)
	}
}

// TestProxyProtocolThroughHAProxy puts a real HAProxy in front: the module
// must see the original client's address, for PROXY v1 and v2.
func TestProxyProtocolThroughHAProxy(t *testing.T) {
	haproxy := testenv.NeedTool(t, "haproxy", "haproxy")
	v1, v2, fe1, fe2 := freePort(t), freePort(t), freePort(t), freePort(t)
	startHost(t, fmt.Sprintf(`modules_enabled = { "greet" }
interfaces = { "127.0.0.1" }
greet_ports = { }
listeners = {
	v1 = { service = "greet", bind = "127.0.0.1:%d", proxy_protocol = true, proxy_trusted = { "127.0.0.1" } };
	v2 = { service = "greet", bind = "127.0.0.1:%d", proxy_protocol = true, proxy_trusted = { "127.0.0.1" }, deny = { "127.0.0.66" } };
}
`, v1, v2), map[string]string{"greet": greeter})
	dir := t.TempDir()
	cfg := filepath.Join(dir, "haproxy.cfg")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`global
	maxconn 100
defaults
	mode tcp
	timeout connect 5s
	timeout client 30s
	timeout server 30s
frontend fe1
	bind 127.0.0.1:%d
	default_backend be1
frontend fe2
	bind 127.0.0.1:%d
	default_backend be2
backend be1
	server moonport 127.0.0.1:%d send-proxy source 127.0.0.1
backend be2
	server moonport 127.0.0.1:%d send-proxy-v2 source 127.0.0.1
`, fe1, fe2, v1, v2)), 0o644)
	hp := testenv.Start(t, haproxy, testenv.Args("-db", "-f", cfg))
	waitPort(t, fe1, hp)
	waitPort(t, fe2, hp)
	for _, c := range []struct {
		name string
		port int
	}{{"PROXY v1", fe1}, {"PROXY v2", fe2}} {
		conn, err := dialFrom(t, "127.0.0.9", c.port)
		if err != nil {
			t.Fatal(err)
		}
		local := conn.LocalAddr().(*net.TCPAddr)
		got, ok := greeted(conn)
		if want := fmt.Sprintf("hello 127.0.0.9 %d", local.Port); !ok || got != want {
			t.Errorf("%s: module saw %q, want %q\n%s", c.name, got, want, hp.Output())
		}
		fmt.Fprintf(conn, "through\n")
		if got, _ := greeted(conn); got != "echo through" {
			t.Errorf("%s: %q after the header", c.name, got)
		}
		conn.Close()
	}
	// deny applies to the original client behind the proxy.
	conn, _ := dialFrom(t, "127.0.0.66", fe2)
	if got, ok := greeted(conn); ok {
		t.Errorf("a denied client behind the proxy was served: %q", got)
	}
	// Straight to moonport: an untrusted peer, and a trusted one without a header.
	conn, _ = dialFrom(t, "127.0.0.7", v1)
	if _, ok := greeted(conn); ok {
		t.Error("an untrusted peer was served on a PROXY listener")
	}
	conn, _ = dialFrom(t, "127.0.0.1", v1)
	fmt.Fprintf(conn, "no header here\r\n")
	if _, ok := greeted(conn); ok {
		t.Error("a connection without a PROXY header was served")
	}
}
