package e2e

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

// dialerModule opens a connection at load time every way a module can:
// net.server's addclient, net.connect, and net.http's request. It logs
// what each call answered.
const dialerModule = `
local server = require "net.server"
local connect = require "net.connect".connect
local http = require "net.http"
local port = module:get_option_number("dial_port")
local conn, err = server.addclient("127.0.0.1", port, { onconnect = function(c) c:write("addclient\n") end })
module:log("warn", "addclient answered %s, %s", tostring(conn), tostring(err))
connect("127.0.0.1", port, { onfail = function(_, reason) module:log("warn", "net.connect failed: %s", reason) end })
local req, herr = http.request("http://127.0.0.1:" .. port .. "/", nil, function(body, code)
	module:log("warn", "http callback: %s %s", tostring(code), tostring(body))
end)
module:log("warn", "http.request answered %s, %s", tostring(req), tostring(herr))
`

// pendingConnections accepts, without waiting, every connection the
// kernel has completed on l, and gives how many there were. A connection
// the moonport process opened before it exited is among them: on
// loopback the handshake is done within the connecting call.
func pendingConnections(t *testing.T, l *net.TCPListener) int {
	t.Helper()
	rc, err := l.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	err = rc.Control(func(fd uintptr) {
		for {
			nfd, _, err := syscall.Accept(int(fd)) // the listener is non-blocking: EAGAIN when none is left
			if err != nil {
				return
			}
			syscall.Close(nfd)
			n++
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// `moonport check config` and `moonport ports` open no outgoing
// connection: a module that connects to a listener of the test's at load
// time gets each call's refusal (nil and the reason, onfail, the HTTP
// callback with code 0), the check names it among the
// module's log lines, the module still loads, and the listener sees
// nothing.
func TestCheckOpensNoOutgoingConnection(t *testing.T) {
	bin := testenv.Binary(t)
	l, err := net.ListenTCP("tcp4", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if n := pendingConnections(t, l); n != 0 {
		t.Fatalf("%d connection(s) before moonport ran", n)
	}
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "mod_dialer.lua"), []byte(dialerModule), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(root, "prosody.cfg.lua")
	body := fmt.Sprintf("modules_enabled = { \"dialer\" }\ndial_port = %d\nlog = { info = %q }\n", l.Addr().(*net.TCPAddr).Port, filepath.Join(root, "moonport.log"))
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	const refused = "moonport check: no outgoing connections while checking"
	for _, args := range [][]string{{"check", "config"}, {"ports"}} {
		code, out := runCommand(t, bin, root, append(args, "--config", cfg)...)
		if n := pendingConnections(t, l); n != 0 {
			t.Errorf("moonport %v: the listener got %d connection(s)\n%s", args, n, out)
		}
		if code != 0 || strings.Contains(out, "FAIL") {
			t.Errorf("moonport %v: exit %d, want 0 with the module loaded\n%s", args, code, out)
		}
		for _, want := range []string{
			"addclient answered nil, " + refused,
			"net.connect failed: " + refused,
			"http callback: 0 " + refused,
			"http.request answered nil, " + refused,
			"net.server.addclient to 127.0.0.1:",
			"net.http request to http://127.0.0.1:",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("moonport %v: the output lacks %q\n%s", args, want, out)
			}
		}
		if args[0] == "check" && !strings.Contains(out, `INFO  module log: level=warning msg="net.server.addclient to 127.0.0.1:`) {
			t.Errorf("check config: the refusal is not an INFO line of the report\n%s", out)
		}
	}
}
