package e2e

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/moonport/moonport/internal/testenv"
)

// TestClosedListenersAreReleased: an open listener has one file
// descriptor; a listener removed by a reload, closed with port:close, or
// left over by a reload that failed part-way no longer listens, holds no
// file descriptor, and its port can be bound again. A
// config file caught empty in the middle of a save is not applied.
func TestClosedListenersAreReleased(t *testing.T) {
	bin := testenv.Binary(t)
	shipped, _ := filepath.Abs("../modules")
	examples, _ := filepath.Abs("../examples/modules")
	p := testenv.FreePorts(t, 5)
	console := p[4]
	logFile := filepath.Join(t.TempDir(), "moonport.log")
	cfgText := func(echo ...int) string {
		return fmt.Sprintf(`plugin_paths = { %q, %q }
modules_enabled = { "admin_telnet", "echo" }
interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
console_ports = { %d }
echo_ports = { %s }
run_as_root = true
log = { { to = "file", filename = %q } }
`, shipped, examples, console, portList(echo...), logFile)
	}
	cfg := testenv.WriteConfig(t, cfgText(p[0], p[1]))
	save := func(text string) {
		t.Helper()
		if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := testenv.Start(t, bin, testenv.Config(cfg))
	testenv.WaitListening(t, p[1], loopback(p[1]))

	// Removed by a reload.
	save(cfgText(p[0]))
	waitReloaded(t, logFile, "changed", 1)
	testenv.WaitListening(t, p[1])

	// Open, the socket has one descriptor: the upgrader keeps no copy.
	inode := testenv.Listening(t, p[0])[loopback(p[0])]
	if n := testenv.SocketFds(t, cmd.Pid(), inode); n != 1 {
		t.Errorf("%d descriptors refer to the listening socket of port %d; want 1", n, p[0])
	}
	// Closed from the console: no socket and no descriptor left.
	moonportShell(t, bin, cfg, fmt.Sprintf("port:close(%d)", p[0]))
	testenv.WaitListening(t, p[0])
	if n := testenv.SocketFds(t, cmd.Pid(), inode); n != 0 {
		t.Errorf("%d descriptor(s) still refer to the closed socket of port %d", n, p[0])
	}
	if c, err := net.DialTimeout("tcp", loopback(p[0]), 2*time.Second); err == nil {
		c.Close()
		t.Errorf("port %d still accepts connections after port:close", p[0])
	}

	// Both ports can be bound again.
	save(cfgText(p[0], p[1]))
	waitReloaded(t, logFile, "changed", 2)
	testenv.WaitListening(t, p[0], loopback(p[0]))
	testenv.WaitListening(t, p[1], loopback(p[1]))
	echoes(t, p[0])
	echoes(t, p[1])

	// A reload that fails part-way (p[3] is taken) leaves p[2] closed.
	blocker, err := net.Listen("tcp4", loopback(p[3]))
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Close()
	save(cfgText(p[0], p[1], p[2], p[3]))
	waitLog(t, logFile, "failed, still running the previous config", 1)
	if got := testenv.ListeningAddrs(t, p[2]); len(got) != 0 {
		t.Errorf("after the failed reload port %d still listens on %v", p[2], got)
	}
	blocker.Close()

	// An empty config (a save caught half-way) is not applied; the save
	// that follows is.
	save("")
	waitLog(t, logFile, cfg+" is empty", 1)
	save("  \n\t\n")
	waitLog(t, logFile, cfg+" is empty", 2)
	for _, port := range []int{p[0], p[1], console} {
		testenv.WaitListening(t, port, loopback(port))
	}
	echoes(t, p[0])
	save(cfgText(p[1], p[2], p[3]))
	testenv.WaitListening(t, p[0])
	testenv.WaitListening(t, p[3], loopback(p[3]))
	echoes(t, p[3])
	cmd.Signal(syscall.SIGTERM)
}

// TestReloadWidensAndNarrowsAListener moves a listener from 127.0.0.1:P
// to 0.0.0.0:P and back by reloads; a connection accepted before carries
// on throughout.
func TestReloadWidensAndNarrowsAListener(t *testing.T) {
	bin := testenv.Binary(t)
	port := testenv.FreePorts(t, 1)[0]
	logFile := filepath.Join(t.TempDir(), "moonport.log")
	dir, _ := filepath.Abs("../examples/modules")
	cfgText := func(bind string) string {
		return fmt.Sprintf("plugin_paths = { %q }\nmodules_enabled = { \"echo\" }\necho_ports = { %q }\nrun_as_root = true\nreload_on_change = false\nlog = { { to = \"file\", filename = %q } }\n", dir, bind, logFile)
	}
	cfg := testenv.WriteConfig(t, cfgText(loopback(port)))
	cmd := testenv.Start(t, bin, testenv.Config(cfg))
	testenv.WaitListening(t, port, loopback(port))
	early, err := net.DialTimeout("tcp", loopback(port), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer early.Close()
	talk := func(c net.Conn, what string) {
		t.Helper()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		fmt.Fprintf(c, "%s\n", what)
		buf := make([]byte, len(what)+1)
		if n, err := c.Read(buf); err != nil || string(buf[:n]) != what+"\n" {
			t.Fatalf("echo of %q: %q %v", what, buf[:n], err)
		}
	}
	talk(early, "before")

	steps := []struct{ bind, listening string }{
		{fmt.Sprintf("0.0.0.0:%d", port), fmt.Sprintf("0.0.0.0:%d", port)},
		{loopback(port), loopback(port)},
	}
	for i, s := range steps {
		if err := os.WriteFile(cfg, []byte(cfgText(s.bind)), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd.Signal(syscall.SIGHUP)
		waitReloaded(t, logFile, "SIGHUP", i+1)
		testenv.WaitListening(t, port, s.listening)
		echoes(t, port)
		talk(early, fmt.Sprintf("after step %d", i))
	}
}
