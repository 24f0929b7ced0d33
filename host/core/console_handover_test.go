package core

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/moonport/moonport/host/listen"
)

// gateSuffix, appended to a module, lets a test hold the module's next
// module.restore — which runs while a reload stages the module, after the
// old instance's module.save and before the switch — and act inside that
// window. The gate module (below) sets the flags on the test's events.
const gateSuffix = `
do
	local gate = module:shared("/test/gate");
	local restore = module.restore;
	function module.restore(state)
		if gate["hold " .. module.name] then
			gate["hold " .. module.name] = nil;
			module:log("info", "test gate: %s waits", module.name);
			local give_up = os.time() + 15;
			while not gate["open " .. module.name] and os.time() < give_up do end
			gate["open " .. module.name] = nil;
		end
		if restore then return restore(state) end
	end
end
`

// gateModule runs on its own host, so the test's events reach it and no
// module being reloaded.
const gateModule = `
local gate = module:shared("/test/gate");
module:hook("gate", function(e)
	if e.hold then gate["hold " .. e.hold] = true end
	if e.open then gate["open " .. e.open] = true end
end);
`

const gatePassword = "gate-password"

// gatedConsoleHost runs the shipped console with gateSuffix, and a module
// "slow" with it too.
func gatedConsoleHost(t *testing.T) (*testHost, int) {
	t.Helper()
	shipped, err := os.ReadFile(filepath.Join("..", "..", "modules", "mod_admin_telnet.lua"))
	if err != nil {
		t.Fatal(err)
	}
	console := freePort(t)
	th := startHost(t, fmt.Sprintf(`modules_enabled = { "admin_telnet", "slow" }
interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
console_ports = { %d }
console_password = %q
lua_timeout = 30
VirtualHost "localhost"
Component "gate.test" "gate"
`, console, gatePassword), map[string]string{
		"admin_telnet": string(shipped) + gateSuffix,
		"slow":         `function module.save() return {} end` + gateSuffix,
		"gate":         gateModule,
	})
	return th, console
}

func (th *testHost) gate(what, module string) {
	th.Runtime.FireEvent("gate.test", "gate", map[string]any{what: module})
}

// serverConn is the server's side of client c, once the server has it.
func (th *testHost) serverConn(t *testing.T, c net.Conn) *listen.Conn {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, sc := range th.Server.Conns() {
			if sc.RemoteAddr().String() == c.LocalAddr().String() {
				return sc
			}
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("the server never took the connection from %s", c.LocalAddr())
	return nil
}

// waitRead waits until the server has read n bytes from client c.
func (th *testHost) waitRead(t *testing.T, c net.Conn, n int64) {
	t.Helper()
	sc := th.serverConn(t, c)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if in, _ := sc.Bytes(); in >= n {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("the server never read %d bytes from %s", n, c.LocalAddr())
}

// Between the old console's module.save and the switch to the new one,
// the old instance must not change what it saved: a password typed then,
// a connection accepted then and a wrong password being answered then all
// go on in the new instance (they used to be authenticated, greeted or
// refused by the old one only, so the next line met "! Wrong password",
// silence, or no answer at all).
func TestConsoleSessionsAcrossTheReloadWindow(t *testing.T) {
	th, console := gatedConsoleHost(t)
	s := openConsole(t, console, gatePassword)
	prompted := dial(t, console)
	prompted.Line()
	prompted.Expect("Password:")
	refused := dial(t, console)
	refused.Line()
	refused.Expect("Password:")
	refused.Send("not-the-password\n")
	th.waitLog(t, "wrong or missing password")

	th.gate("hold", "admin_telnet")
	s.Send(`module:reload("admin_telnet")` + "\n")
	th.waitLog(t, "test gate: admin_telnet waits")
	prompted.Send(gatePassword + "\n")
	th.waitRead(t, prompted, int64(len(gatePassword)+1))
	late := dial(t, console)
	th.serverConn(t, late)
	th.gate("open", "admin_telnet")

	s.Expect("OK: reloaded admin_telnet")
	prompted.Expect("OK: authenticated")
	consoleSession{prompted, t}.ok("server:version()", "OK: moonport")
	late.Line()
	late.Expect("Password:")
	late.Send(gatePassword + "\n")
	late.Expect("OK: authenticated")
	consoleSession{late, t}.ok("server:version()", "OK: moonport")
	refused.Expect("! Wrong password")
	refused.ExpectClosed()
	s.ok("server:version()", "OK: moonport")
}

// A session whose command is still running in the old instance when the
// new one takes over (here the command reloads the console, then waits
// for another reload) keeps its order: a line it sends meanwhile is
// answered after that command, by the new instance.
func TestConsoleHoldsLinesUntilTheOldInstanceAnswers(t *testing.T) {
	th, console := gatedConsoleHost(t)
	s := openConsole(t, console, gatePassword)
	th.gate("hold", "slow")
	s.Send(`module:reload("admin_telnet"), module:reload("slow")` + "\n")
	th.waitLog(t, "test gate: slow waits")
	line := `"after"` + "\n"
	s.Send(line)
	in, _ := th.serverConn(t, s).Bytes()
	th.waitRead(t, s, in+int64(len(line)))
	th.gate("open", "slow")
	s.Expect("OK: true")
	s.Expect("OK: after")
	s.ok("server:version()", "OK: moonport")
}
