// Package e2e holds tests that drive the real moonport binary as an
// operator would: signals, reloads, upgrades, the privilege drop, systemd,
// the console and shutdown, through main's own wiring. Tests that can run
// the command line in-process sit beside it in package cli.
package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/moonport/moonport/internal/testenv"
)

const soakPassword = "soak-password-1234"

// soakModule echoes lines, except "spin", which loops for ever: the
// callback a SIGTERM must not wait on.
const soakModule = `module:provides("net", {
	name = "spin";
	listener = {
		onincoming = function(conn, data)
			if data:match("^spin") then while true do end end
			conn:write(data)
		end;
	};
	default_port = 1;
})
`

type soakPorts struct{ echo, extra, console, spin int }

func soakConfig(dir string, p soakPorts, withExtra bool) string {
	examples, _ := filepath.Abs("../examples/modules")
	echoPorts := fmt.Sprint(p.echo)
	if withExtra {
		echoPorts += fmt.Sprintf(", %d", p.extra)
	}
	return fmt.Sprintf(`plugin_paths = { %q, %q }
modules_enabled = { "admin_telnet", "echo", "spin" }
interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
console_ports = { %d }
console_password = %q
echo_ports = { %s }
spin_ports = { %d }
run_as_root = true
reload_on_change = false
lua_timeout = 0
shutdown_deadline = 2
log = { { to = "file", filename = %q } }
`, examples, dir, p.console, soakPassword, echoPorts, p.spin, filepath.Join(dir, "moonport.log"))
}

// TestSoak holds 200 echo connections while listeners are added, removed
// and re-added by reload, the console is stormed from several goroutines,
// a port is closed from the console and reopened by reload, and finally a
// SIGTERM arrives while a callback loops. No held connection may lose a
// line, and after every step the process listens on exactly the
// configured sockets.
func TestSoak(t *testing.T) {
	bin := testenv.Binary(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "mod_spin.lua"), []byte(soakModule), 0o644); err != nil {
		t.Fatal(err)
	}
	p := soakPorts{testenv.FreePort(t, "tcp4"), testenv.FreePort(t, "tcp4"), testenv.FreePort(t, "tcp4"), testenv.FreePort(t, "tcp4")}
	cfg := filepath.Join(dir, "prosody.cfg.lua")
	writeSoakConfig(t, cfg, dir, p, false)
	proc := testenv.Start(t, bin, testenv.Config(cfg))
	pid := proc.Pid()
	addr := func(port int) string { return fmt.Sprintf("127.0.0.1:%d", port) }
	base := []string{addr(p.echo), addr(p.console), addr(p.spin)}
	withExtra := append([]string{addr(p.extra)}, base...)
	testenv.WaitListeningTCP(t, pid, 10*time.Second, base...)

	held := make([]*testenv.LineClient, 200)
	for i := range held {
		held[i] = testenv.DialLine(t, p.echo)
	}
	round := 0
	everyHeldEchoes := func(step string) {
		t.Helper()
		round++
		for i, c := range held {
			c.Send(fmt.Sprintf("r%d-c%d\n", round, i))
		}
		for i, c := range held {
			want := fmt.Sprintf("r%d-c%d", round, i)
			if got, err := c.ReadLine(); err != nil || got != want {
				t.Fatalf("after %s: held connection %d got %q, %v; want %q", step, i, got, err, want)
			}
		}
	}
	reload := func(withExtraPort bool) {
		t.Helper()
		writeSoakConfig(t, cfg, dir, p, withExtraPort)
		if err := proc.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
	}
	everyHeldEchoes("start")

	for cycle := 0; cycle < 3; cycle++ {
		reload(true)
		testenv.WaitListeningTCP(t, pid, 10*time.Second, withExtra...)
		c := testenv.DialLine(t, p.extra)
		c.Send("added\n")
		c.Expect("added")
		everyHeldEchoes("adding a listener")
		reload(false)
		testenv.WaitListeningTCP(t, pid, 10*time.Second, base...)
		everyHeldEchoes("removing a listener")
	}

	consoleStorm(t, p.console)
	everyHeldEchoes("the console storm")
	testenv.WaitListeningTCP(t, pid, 10*time.Second, base...)

	reload(true)
	testenv.WaitListeningTCP(t, pid, 10*time.Second, withExtra...)
	s := loginConsole(t, p.console)
	if status := s.command(fmt.Sprintf("port:close(%d)", p.extra)); !strings.HasPrefix(status, "OK") {
		t.Fatalf("port:close: %s", status)
	}
	testenv.WaitListeningTCP(t, pid, 10*time.Second, base...)
	everyHeldEchoes("port:close")
	reload(true)
	testenv.WaitListeningTCP(t, pid, 10*time.Second, withExtra...)
	c := testenv.DialLine(t, p.extra)
	c.Send("reopened\n")
	c.Expect("reopened")
	everyHeldEchoes("reopening by reload")

	spin := testenv.DialLine(t, p.spin)
	spin.Send("spin\n")
	spin.Send("x\n") // queued behind the looping callback
	if err := proc.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-proc.Done():
	case <-time.After(20 * time.Second):
		t.Fatal("SIGTERM with a looping callback: still running 20 s later (shutdown_deadline = 2)")
	}
	log := testenv.WaitFile(t, filepath.Join(dir, "moonport.log"), "spin", time.Second)
	if strings.Contains(log, "panic") || strings.Contains(log, "fatal error") {
		t.Errorf("the log shows a crash:\n%s", log)
	}
}

func writeSoakConfig(t *testing.T, cfg, dir string, p soakPorts, withExtra bool) {
	t.Helper()
	if err := os.WriteFile(cfg, []byte(soakConfig(dir, p, withExtra)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// consoleStorm connects and hangs up from four goroutines while two
// logged-in operators list ports and memory.
func consoleStorm(t *testing.T, port int) {
	t.Helper()
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				c, err := dialQuiet(port)
				if err != nil {
					t.Errorf("storm connection %d: %v", i, err)
					return
				}
				c.Close()
			}
		}()
	}
	for _, command := range []string{"port:list()", "server:memory()"} {
		s := loginConsole(t, port)
		wg.Add(1)
		go func(command string) {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				if status := s.command(command); !strings.HasPrefix(status, "OK") {
					t.Errorf("%s: %s", command, status)
					return
				}
			}
		}(command)
	}
	wg.Wait()
}
