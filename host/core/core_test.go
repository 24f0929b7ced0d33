package core

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/moonport/moonport/host/config/luaconfig"
	"github.com/moonport/moonport/internal/testenv"
)

// freePort finds a loopback port nobody listens on.
func freePort(t *testing.T) int { return testenv.FreePort(t, "tcp4") }

type testHost struct {
	*Host
	dir, logFile string
}

// startHost writes cfg and modules into a temp dir, loads and starts it.
// The config gets a debug log file the test can wait on.
func startHost(t *testing.T, cfg string, modules map[string]string) *testHost {
	t.Helper()
	th := newHost(t, cfg, modules)
	if err := th.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(th.Shutdown)
	return th
}

func newHost(t *testing.T, cfg string, modules map[string]string) *testHost {
	t.Helper()
	dir := t.TempDir()
	logFile := filepath.Join(dir, "moonport.log")
	examples, _ := filepath.Abs("../../examples/modules")
	cfg = fmt.Sprintf("log = { { to = \"file\", filename = %q, levels = { min = \"debug\" } } }\nplugin_paths = { %q }\n", logFile, examples) + cfg
	if err := os.WriteFile(filepath.Join(dir, "prosody.cfg.lua"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, src := range modules {
		if err := os.WriteFile(filepath.Join(dir, "mod_"+name+".lua"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return loadHost(t, dir)
}

// loadHost evaluates dir/prosody.cfg.lua without starting it.
func loadHost(t *testing.T, dir string) *testHost {
	t.Helper()
	snap, err := luaconfig.Load(filepath.Join(dir, "prosody.cfg.lua"))
	if err != nil {
		t.Fatal(err)
	}
	h, err := New(Options{Config: snap, Log: logrus.New()})
	if err != nil {
		t.Fatal(err)
	}
	return &testHost{Host: h, dir: dir, logFile: filepath.Join(dir, "moonport.log")}
}

// waitLog waits until the log holds a line containing all of want.
func (th *testHost) waitLog(t *testing.T, want ...string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		b, _ := os.ReadFile(th.logFile)
		for _, line := range strings.Split(string(b), "\n") {
			ok := true
			for _, w := range want {
				ok = ok && strings.Contains(line, w)
			}
			if ok {
				return line
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	b, _ := os.ReadFile(th.logFile)
	t.Fatalf("no log line with %q; log:\n%s", want, b)
	return ""
}

// dial connects a line client to 127.0.0.1:port.
func dial(t *testing.T, port int) *testenv.LineClient { return testenv.DialLine(t, port) }

func TestEchoAndChat(t *testing.T) {
	echo, chat := freePort(t), freePort(t)
	startHost(t, fmt.Sprintf(`modules_enabled = { "echo", "chat" }
interfaces = { "127.0.0.1" }
echo_ports = { %d }
chat_ports = { %d }
`, echo, chat), nil)

	e := dial(t, echo)
	e.Send("hello\n")
	e.Expect("hello")
	big := strings.Repeat("x", 100000) + "\n"
	e.Send(big)
	e.Expect(strings.TrimRight(big, "\n"))

	a := dial(t, chat)
	a.Expect("* welcome, guest1 (/nick NAME, /who, /quit)")
	b := dial(t, chat)
	b.Expect("* welcome, guest2 (/nick NAME, /who, /quit)")
	a.Expect("* guest2 joined")
	a.Send("/nick alice\r\n")
	a.Expect("* you are now alice")
	b.Expect("* guest1 is now alice")
	b.Send("hi there\n/who\n")
	a.Expect("<guest2> hi there")
	b.Expect("* here: alice, guest2")
	// A line split across two packets is still one line.
	a.Send("half")
	a.Send(" and half\n")
	b.Expect("<alice> half and half")
	b.Send("/quit\n")
	b.Expect("* bye")
	b.ExpectClosed()
	a.Expect("* guest2 left")
}

func TestLuaErrorClosesOnlyThatConnection(t *testing.T) {
	port := freePort(t)
	th := startHost(t, fmt.Sprintf(`modules_enabled = { "fragile" }
interfaces = { "127.0.0.1" }
fragile_ports = { %d }
`, port), map[string]string{"fragile": `
local function explode(data) error("boom: " .. data) end
module:provides("net", { name = "fragile", default_port = 1, listener = {
	default_mode = "*l";
	onincoming = function(conn, line)
		if line == "boom" then explode(line) end
		conn:write("ok " .. line .. "\n")
	end;
}})`})
	good, bad := dial(t, port), dial(t, port)
	good.Send("one\n")
	good.Expect("ok one")
	bad.Send("boom\n")
	bad.ExpectClosed()
	line := th.waitLog(t, "error in onincoming", "boom: boom")
	if !strings.Contains(line, "explode") && !strings.Contains(line, "stack traceback") {
		t.Errorf("log line lacks a traceback: %s", line)
	}
	good.Send("two\n")
	good.Expect("ok two")
}

func TestReadTimeout(t *testing.T) {
	quiet, kept := freePort(t), freePort(t)
	startHost(t, fmt.Sprintf(`modules_enabled = { "quiet", "kept" }
interfaces = { "127.0.0.1" }
network_settings = { read_timeout = 0.2 }
quiet_ports = %d
kept_ports = %d
`, quiet, kept), map[string]string{
		"quiet": `module:provides("net", { name = "quiet", default_port = 1, listener = {} })`,
		"kept": `module:provides("net", { name = "kept", default_port = 1, listener = {
	onreadtimeout = function(conn) conn:write("ping\n"); return true end;
}})`})
	q := dial(t, quiet)
	q.ExpectClosed()
	k := dial(t, kept)
	k.Expect("ping")
	k.Expect("ping")
	k.Expect("ping")
}

func TestSendBufferLimit(t *testing.T) {
	port := freePort(t)
	th := startHost(t, fmt.Sprintf(`modules_enabled = { "flood" }
interfaces = { "127.0.0.1" }
network_settings = { max_send_buffer_size = 262144 }
flood_ports = %d
`, port), map[string]string{"flood": `
local chunk = string.rep("x", 65536)
module:provides("net", { name = "flood", default_port = 1, listener = {
	onincoming = function(conn)
		for i = 1, 4096 do
			local ok, err = conn:write(chunk)
			if not ok then
				module:log("info", "write %d refused: %s", i, err)
				return
			end
		end
		module:log("info", "all writes accepted")
	end;
	ondisconnect = function(conn, err) module:log("info", "flood client gone: %s", tostring(err)) end;
}})`})
	c := dial(t, port)
	c.Send("go")
	// The client never reads; the server must cut it off, not buffer 256 MiB.
	th.waitLog(t, "refused: send buffer exceeded max_send_buffer_size")
	th.waitLog(t, "flood client gone: send buffer exceeded")
	deadline := time.Now().Add(5 * time.Second)
	for th.Server.Count() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := th.Server.Count(); n != 0 {
		t.Fatalf("%d connections still open", n)
	}
}

func TestDuplicatePortAndPortInUse(t *testing.T) {
	shared, busy, free := freePort(t), freePort(t), freePort(t)
	blocker, err := net.Listen("tcp4", fmt.Sprintf("127.0.0.1:%d", busy))
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Close()
	th := startHost(t, fmt.Sprintf(`modules_enabled = { "echo", "chat", "forward" }
interfaces = { "127.0.0.1" }
echo_ports = { %d }
chat_ports = { %d }
forward_ports = { %d }
forward_upstream = "127.0.0.1:%d"
`, shared, shared, busy, free), nil)
	th.waitLog(t, "Multiple services configured to listen on the same port", "echo, chat")
	th.waitLog(t, "failed to open port for service 'forward'", "in use")
	e := dial(t, shared)
	e.Send("still serving\n")
	e.Expect("still serving")
}

func TestForwardToUpstream(t *testing.T) {
	echo, fwd := freePort(t), freePort(t)
	startHost(t, fmt.Sprintf(`modules_enabled = { "echo", "forward" }
interfaces = { "127.0.0.1" }
echo_ports = { %d }
forward_ports = { %d }
forward_upstream = "127.0.0.1:%d"
`, echo, fwd, echo), nil)
	c := dial(t, fwd)
	c.Send("through the proxy\n")
	c.Expect("through the proxy")
}

func TestGracefulShutdown(t *testing.T) {
	port := freePort(t)
	th := newHost(t, fmt.Sprintf(`modules_enabled = { "polite" }
interfaces = { "127.0.0.1" }
polite_ports = %d
network_settings = { shutdown_deadline = 3 }
`, port), map[string]string{"polite": `
local conns = {}
module:hook("server-stopping", function()
	for conn in pairs(conns) do conn:write("goodbye\n") end
end)
module:provides("net", { name = "polite", default_port = 1, listener = {
	onconnect = function(conn) conns[conn] = true; conn:write("hello\n") end;
	ondisconnect = function(conn, err) conns[conn] = nil; module:log("info", "polite disconnect err=%s", tostring(err)) end;
}})`})
	if err := th.Start(); err != nil {
		t.Fatal(err)
	}
	c := dial(t, port)
	c.Expect("hello")
	done := make(chan struct{})
	go func() { th.Shutdown(); close(done) }()
	c.Expect("goodbye")
	c.ExpectClosed()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("shutdown did not finish")
	}
	th.waitLog(t, "polite disconnect err=nil")
	if _, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second); err == nil {
		t.Fatal("still accepting after shutdown")
	}
}

// TestBacklogApplied checks tcp_backlog reaches the kernel: ss reports a
// listening socket's backlog as its Send-Q.
func TestBacklogApplied(t *testing.T) {
	ss := testenv.NeedTool(t, "ss", "iproute2")
	port := freePort(t)
	startHost(t, fmt.Sprintf(`modules_enabled = { "echo" }
interfaces = { "127.0.0.1" }
echo_ports = %d
network_settings = { tcp_backlog = 17 }
`, port), nil)
	out, err := exec.Command(ss, "-Hltn", fmt.Sprintf("sport = :%d", port)).Output()
	if err != nil {
		t.Fatal(err)
	}
	fields := strings.Fields(string(out))
	if len(fields) < 3 || fields[2] != "17" {
		t.Fatalf("ss says %q; want a backlog (Send-Q) of 17", out)
	}
}
