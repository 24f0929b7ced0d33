package core

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/moonport/moonport/host/config/luaconfig"
	"github.com/moonport/moonport/host/tlsconf/tlstest"
	"github.com/moonport/moonport/internal/testenv"
	"github.com/moonport/moonport/lua/bridge"
)

// prosodyModules is where Debian's prosody package puts Prosody's modules.
const prosodyModules = "/usr/lib/prosody/modules"

// needProsodyModule skips a test when Prosody's module file is absent.
func needProsodyModule(t *testing.T, name string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(prosodyModules, "mod_"+name+".lua")); err != nil && os.Getenv("CI") == "" {
		t.Skipf("Prosody's mod_%s is not installed (apt-get install prosody)", name)
	}
}

// askMux sends req on a new connection to port and returns what comes
// back until the server closes or 5s pass.
func askMux(t *testing.T, port int, req string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(c)
	return string(out)
}

// TestProsodyNetMultiplex runs Prosody's own mod_net_multiplex: it finds
// the services through core.portmanager (a service loaded before it) and
// its "service-added" hook (one loaded after it), and hands a connection
// whose first bytes match a service's multiplex pattern to that service.
func TestProsodyNetMultiplex(t *testing.T) {
	needProsodyModule(t, "net_multiplex")
	for _, order := range []string{`"greet", "net_multiplex"`, `"net_multiplex", "greet"`} {
		t.Run(order, func(t *testing.T) {
			plain := freePort(t)
			th := startHost(t, fmt.Sprintf(`plugin_paths = { %q }
modules_enabled = { %s }
interfaces = { "127.0.0.1" }
ports = { %d }
greet_ports = { }
`, prosodyModules, order, plain), map[string]string{"greet": greetModule})
			if got := askMux(t, plain, "HELLO\ncount\n"); got != "greeting\nconnects=1 statuses=0\n" {
				t.Errorf("greet through Prosody's multiplexer: %q", got)
			}
			if got := askMux(t, plain, strings.Repeat("?", 2000)); got != "" {
				t.Errorf("an unknown protocol got %q", got)
			}
			th.waitLog(t, "Adding multiplex service", "greet")
			th.waitLog(t, "loaded from "+prosodyModules+"/mod_net_multiplex.lua")
		})
	}
}

// TestProsodyNetMultiplexHTTP: Prosody's mod_net_multiplex hands an HTTP
// request to moonport's HTTP server (mod_http's "http" service declares a
// multiplex pattern), which answers it as on its own port.
func TestProsodyNetMultiplexHTTP(t *testing.T) {
	needProsodyModule(t, "net_multiplex")
	shipped, _ := filepath.Abs("../../modules/mod_http.lua")
	examples, _ := filepath.Abs("../../examples/modules")
	first := t.TempDir() // moonport's mod_http before Prosody's, which needs net.http.server
	if err := os.Symlink(shipped, filepath.Join(first, "mod_http.lua")); err != nil {
		t.Fatal(err)
	}
	plain := freePort(t)
	th := startHost(t, fmt.Sprintf(`plugin_paths = { %q, %q, %q }
modules_enabled = { "net_multiplex", "json_api" }
interfaces = { "127.0.0.1" }
ports = { %d }
http_ports = { }
https_ports = { }
`, first, examples, prosodyModules, plain), nil)
	got := askMux(t, plain, "GET /api/hello HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
	if !strings.HasPrefix(got, "HTTP/1.1 200 ") || !strings.HasSuffix(got, "{\"hello\":\"world\"}\n") {
		t.Errorf("HTTP through Prosody's multiplexer:\n%s", got)
	}
	th.waitLog(t, "loaded from "+prosodyModules+"/mod_net_multiplex.lua")
}

// Two modules that run unchanged in Prosody and in moonport: a service
// the multiplexer recognises by its first bytes, and an HTTP app.
var multiplexedModules = map[string]string{
	"tick": `
module:set_global()
local listener = {}
function listener.onconnect(conn) conn:write("hello\n") end
function listener.onincoming(conn, data) conn:write("tock:" .. #data .. "\n"); conn:close() end
module:provides("net", { name = "tick", listener = listener, multiplex = { pattern = "^tick" } })`,
	"hello": `
module:depends("http")
module:provides("http", { route = { ["GET /x"] = function(event)
	event.response.headers.content_type = "text/plain"
	return "hi there\n"
end } })`,
}

// answerParts is what must match between Prosody and moonport in an
// answer: raw bytes for a plain service; for HTTP the status line, the
// content type and the body.
func answerParts(raw string) string {
	head, body, ok := strings.Cut(raw, "\r\n\r\n")
	if !ok || !strings.HasPrefix(raw, "HTTP/") {
		return fmt.Sprintf("%q", raw)
	}
	lines := strings.Split(head, "\r\n")
	ctype := ""
	for _, l := range lines[1:] {
		if k, v, _ := strings.Cut(l, ":"); strings.EqualFold(k, "content-type") {
			ctype = strings.TrimSpace(v)
		}
	}
	return fmt.Sprintf("%s | %s | %q", lines[0], ctype, body)
}

// TestProsodyNetMultiplexLikeProsody: on the multiplex port, moonport
// running Prosody's mod_net_multiplex answers a pattern service and an
// HTTP request as Prosody does.
func TestProsodyNetMultiplexLikeProsody(t *testing.T) {
	needProsodyModule(t, "net_multiplex")
	testenv.NeedTool(t, "prosody", "prosody")
	requests := []string{"tick\n", strings.Repeat("?", 1100), "GET /hello/x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"}
	mods := t.TempDir()
	for name, src := range multiplexedModules {
		if err := os.WriteFile(filepath.Join(mods, "mod_"+name+".lua"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ref := freePort(t)
	startProsody(t, fmt.Sprintf(`plugin_paths = { %q }
interfaces = { "127.0.0.1" }
modules_enabled = { "net_multiplex", "tick", "hello" }
modules_disabled = { "c2s", "s2s", "offline" }
ports = { %d }
tick_ports = { }
http_ports = { }
https_ports = { }
VirtualHost "localhost"
`, mods, ref), ref)

	shipped, _ := filepath.Abs("../../modules/mod_http.lua")
	first := t.TempDir() // moonport's mod_http before Prosody's
	if err := os.Symlink(shipped, filepath.Join(first, "mod_http.lua")); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	th := startHost(t, fmt.Sprintf(`plugin_paths = { %q, %q, %q }
modules_enabled = { "net_multiplex", "tick", "hello" }
interfaces = { "127.0.0.1" }
ports = { %d }
tick_ports = { }
http_ports = { }
https_ports = { }
`, first, mods, prosodyModules, port), nil)
	th.waitLog(t, "loaded from "+prosodyModules+"/mod_net_multiplex.lua")
	for _, req := range requests {
		want, got := answerParts(askMux(t, ref, req)), answerParts(askMux(t, port, req))
		if got != want {
			t.Errorf("%q:\nmoonport %s\nProsody  %s", req, got, want)
		}
	}
}

// TestProsodyNetMultiplexALPN: on its TLS port (multiplex_ssl), Prosody's
// mod_net_multiplex offers the ALPN protocols of the services (its
// ssl_config.alpn) and routes by the one negotiated (conn:socket():
// getalpn()): http/1.1 reaches moonport's HTTP server.
func TestProsodyNetMultiplexALPN(t *testing.T) {
	needProsodyModule(t, "net_multiplex")
	shipped, _ := filepath.Abs("../../modules/mod_http.lua")
	first := t.TempDir() // moonport's mod_http before Prosody's
	if err := os.Symlink(shipped, filepath.Join(first, "mod_http.lua")); err != nil {
		t.Fatal(err)
	}
	mods := t.TempDir()
	tock := strings.ReplaceAll(multiplexedModules["tick"], `multiplex = { pattern = "^tick" }`, `multiplex = { protocol = "tock/1" }`)
	for name, src := range map[string]string{"hello": multiplexedModules["hello"], "tock": strings.ReplaceAll(tock, `"tick"`, `"tock"`)} {
		if err := os.WriteFile(filepath.Join(mods, "mod_"+name+".lua"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ca := tlstest.NewCA(t, mods)
	crt, key := ca.Server(t, mods, "localhost")
	secure := freePort(t)
	startHost(t, fmt.Sprintf(`plugin_paths = { %q, %q, %q }
modules_enabled = { "net_multiplex", "hello", "tock" }
interfaces = { "127.0.0.1" }
tock_ports = { }
ssl_ports = { %d }
ssl = { certificate = %q, key = %q }
http_ports = { }
https_ports = { }
`, first, mods, prosodyModules, secure, crt, key), nil)
	got := curl(t, "-v", "-i", "--http1.1", "--cacert", ca.CertFile, "--resolve", fmt.Sprintf("localhost:%d:127.0.0.1", secure), fmt.Sprintf("https://localhost:%d/hello/x", secure))
	if !strings.Contains(got, "ALPN: server accepted http/1.1") || !strings.Contains(got, "HTTP/1.1 200 OK\r\n") || !strings.HasSuffix(got, "\r\n\r\nhi there\n") {
		t.Errorf("HTTP/1.1 by ALPN on Prosody's multiplex_ssl port:\n%s", got)
	}
	// A service known by its ALPN protocol alone.
	out, _ := sClient(t, secure, "x\n", "-alpn", "tock/1", "-quiet", "-CAfile", ca.CertFile, "-servername", "localhost")
	if !strings.Contains(out, "hello\ntock:2\n") {
		t.Errorf("tock/1 by ALPN:\n%s", out)
	}
}

// TestProsodyNetMultiplexBeforeShipped: with Prosody's modules folder in
// plugin_paths, its mod_net_multiplex is the one that runs, not the one
// shipped with moonport.
func TestProsodyNetMultiplexBeforeShipped(t *testing.T) {
	needProsodyModule(t, "net_multiplex")
	dir := t.TempDir()
	plain := freePort(t)
	cfg := fmt.Sprintf(`log = { { to = "file", filename = %q, levels = { min = "debug" } } }
plugin_paths = { %q }
modules_enabled = { "net_multiplex", "greet" }
interfaces = { "127.0.0.1" }
ports = { %d }
greet_ports = { }
`, filepath.Join(dir, "moonport.log"), prosodyModules, plain)
	for name, src := range map[string]string{"prosody.cfg.lua": cfg, "mod_greet.lua": greetModule} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	snap, err := luaconfig.Load(filepath.Join(dir, "prosody.cfg.lua"))
	if err != nil {
		t.Fatal(err)
	}
	shipped, _ := filepath.Abs("../../modules")
	h, err := New(Options{Config: snap, Log: logrus.New(), Shipped: []bridge.Source{FS("shipped modules", os.DirFS(shipped))}})
	if err != nil {
		t.Fatal(err)
	}
	th := &testHost{Host: h, dir: dir, logFile: filepath.Join(dir, "moonport.log")}
	if err := th.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(th.Shutdown)
	th.waitLog(t, "loaded from "+prosodyModules+"/mod_net_multiplex.lua")
	if got := askMux(t, plain, "HELLO\ncount\n"); got != "greeting\nconnects=1 statuses=0\n" {
		t.Errorf("greet through Prosody's multiplexer: %q", got)
	}
}

// TestProsodyNetMultiplexAcrossReload: after a reload replaces the module
// behind a service, Prosody's mod_net_multiplex (kept as it is) routes to
// the new one: it heard service-removed and service-added, and a stand-in
// listener finds the service by name.
func TestProsodyNetMultiplexAcrossReload(t *testing.T) {
	needProsodyModule(t, "net_multiplex")
	plain := freePort(t)
	th := startHost(t, fmt.Sprintf(`plugin_paths = { %q }
modules_enabled = { "net_multiplex", "tick" }
interfaces = { "127.0.0.1" }
ports = { %d }
tick_ports = { }
`, prosodyModules, plain), map[string]string{"tick": multiplexedModules["tick"]})
	if got := askMux(t, plain, "tick\n"); got != "hello\ntock:5\n" {
		t.Fatalf("before the reload: %q", got)
	}
	changed := strings.Replace(multiplexedModules["tick"], `"hello\n"`, `"hello again\n"`, 1)
	if err := os.WriteFile(filepath.Join(th.dir, "mod_tick.lua"), []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := th.Reload("test"); err != nil {
		t.Fatal(err)
	}
	if got := askMux(t, plain, "tick\n"); got != "hello again\ntock:5\n" {
		t.Errorf("after the reload: %q", got)
	}
	// The replaced service was added again (the first time at startup).
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, _ := os.ReadFile(th.logFile)
		if n := strings.Count(string(b), `Adding multiplex service \"tick\"`); n == 2 {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("tick added %d times, want 2", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
