package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moonport/moonport/internal/testenv"
)

// TestPrivilegeDropKeepsFilesWritable: after dropping to prosody_user,
// the log file keeps receiving lines through a SIGHUP reload, SIGUSR1
// (in place and after a rotation) and a SIGUSR2 upgrade; the console
// cookie and the pidfile work too.
func TestPrivilegeDropKeepsFilesWritable(t *testing.T) {
	testenv.NeedRoot(t)
	bin := testenv.Binary(t)
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	os.Chmod(filepath.Dir(dir), 0o755)
	// Like /var/log/moonport: a folder the service user owns. The pidfile's
	// folder, like /run, and the config's stay root's.
	logDir, runDir := filepath.Join(dir, "log"), filepath.Join(dir, "run")
	os.Mkdir(logDir, 0o755)
	os.Chown(logDir, 65534, 65534)
	os.Mkdir(runDir, 0o755)
	logFile, pidfile := filepath.Join(logDir, "moonport.log"), filepath.Join(runDir, "moonport.pid")
	first := lowPort(t, 0)
	second := lowPort(t, first)
	console := testenv.FreePorts(t, 1)[0]
	shipped, _ := filepath.Abs("../modules")
	mods, _ := filepath.Abs("../examples/modules")
	cfg := filepath.Join(dir, "prosody.cfg.lua")
	write := func(echo string) {
		os.WriteFile(cfg, []byte(fmt.Sprintf(`plugin_paths = { %q, %q }
modules_enabled = { "admin_telnet", "echo" }
interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
echo_ports = { %s }
console_ports = { %d }
prosody_user = "nobody"
prosody_group = "nogroup"
reload_on_change = false
pidfile = %q
log = { { to = "file", filename = %q } }
network_settings = { shutdown_deadline = 1 }
`, shipped, mods, echo, console, pidfile, logFile)), 0o644)
	}
	write(fmt.Sprint(first))
	proc := testenv.Start(t, bin, testenv.Config(cfg))
	var newPID int
	defer killServing(cfg)
	testenv.WaitListening(t, first, loopback(first))
	waitNobody(t, proc.Pid())
	waitLog(t, logFile, "Now running as nobody", 1)

	// The console's cookie, made before the drop, is the server's to read.
	if out := moonportShell(t, bin, cfg, "server:version()"); !strings.Contains(out, "OK: moonport") {
		t.Errorf("console: %s", out)
	}
	// A reload opens the log file again and binds another low port.
	write(fmt.Sprintf("%d, %d", first, second))
	proc.Signal(syscall.SIGHUP)
	waitReloaded(t, logFile, "SIGHUP", 1)
	testenv.WaitListening(t, second, loopback(second))
	echoes(t, second)
	// SIGUSR1 in place, then after logrotate moved the file away.
	proc.Signal(syscall.SIGUSR1)
	waitLog(t, logFile, "Reopened log files", 1)
	if err := os.Rename(logFile, logFile+".1"); err != nil {
		t.Fatal(err)
	}
	proc.Signal(syscall.SIGUSR1)
	waitLog(t, logFile, "Reopened log files", 1)
	proc.Signal(syscall.SIGHUP)
	waitReloaded(t, logFile, "SIGHUP", 1)

	// An upgrade: the new process (started as nobody) opens the log file,
	// writes the pidfile and serves.
	proc.Signal(syscall.SIGUSR2)
	select {
	case <-proc.Done():
	case <-time.After(20 * time.Second):
		b, _ := os.ReadFile(logFile)
		t.Fatalf("the old process did not exit after the upgrade:\n%s", b)
	}
	b, _ := os.ReadFile(pidfile)
	fmt.Sscanf(strings.TrimSpace(string(b)), "%d", &newPID)
	if newPID == 0 || newPID == proc.Pid() {
		lb, _ := os.ReadFile(logFile)
		t.Fatalf("pidfile says %q; want the new process's PID (old was %d)\n%s", b, proc.Pid(), lb)
	}
	waitNobody(t, newPID)
	waitLog(t, logFile, "Activated service 'echo'", 1)
	echoes(t, first)
	echoes(t, second)
	testenv.WaitListening(t, console, loopback(console))
	syscall.Kill(newPID, syscall.SIGHUP)
	waitReloaded(t, logFile, "SIGHUP", 2)
	syscall.Kill(newPID, syscall.SIGTERM)
}
