package e2e

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moonport/moonport/internal/testenv"
)

// exitUsage is the exit code of a bad command line (README, Command line).
const exitUsage = 64

// waitLog waits until file holds at least n lines containing what.
func waitLog(t *testing.T, file, what string, n int) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var b []byte
	for time.Now().Before(deadline) {
		b, _ = os.ReadFile(file)
		if strings.Count(string(b), what) >= n {
			return string(b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the log never had %d line(s) with %q:\n%s", n, what, b)
	return ""
}

// waitReloaded waits until the log tells of n reloads for why ("SIGHUP",
// "changed"), and fails the test as soon as it tells of a failed one.
func waitReloaded(t *testing.T, file, why string, n int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var log string
	for time.Now().Before(deadline) {
		b, _ := os.ReadFile(file)
		log = string(b)
		if strings.Contains(log, "Reload ("+why) {
			t.Fatalf("a reload (%s) failed:\n%s", why, log)
		}
		if strings.Count(log, "Reloaded ("+why) >= n {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the log never told of %d reload(s) (%s):\n%s", n, why, log)
}

// moonportShell runs one console command with `moonport shell` and
// returns its output; a failure fails the test.
func moonportShell(t *testing.T, bin, cfg, command string) string {
	t.Helper()
	out, err := exec.Command(bin, "shell", "--config", cfg, command).CombinedOutput()
	if err != nil {
		t.Fatalf("moonport shell %q: %v\n%s", command, err, out)
	}
	return string(out)
}

// portList writes ports as the items of a Lua list: "7007, 7008".
func portList(ports ...int) string {
	var s []string
	for _, p := range ports {
		s = append(s, fmt.Sprint(p))
	}
	return strings.Join(s, ", ")
}

func loopback(port int) string { return fmt.Sprintf("127.0.0.1:%d", port) }

// echoConfig writes a config serving examples/modules/mod_echo.lua on
// 127.0.0.1:port, with extra lines after.
func echoConfig(t *testing.T, port int, extra string) string {
	t.Helper()
	dir, _ := filepath.Abs("../examples/modules")
	return testenv.WriteConfig(t, fmt.Sprintf("plugin_paths = { %q }\nmodules_enabled = { \"echo\" }\ninterfaces = { \"127.0.0.1\" }\necho_ports = { %d }\nrun_as_root = true\n%s", dir, port, extra))
}

// echoes fails the test unless the echo service on port echoes a line.
func echoes(t *testing.T, port int) {
	t.Helper()
	c := testenv.DialLine(t, port)
	defer c.Close()
	c.Send("ping\n")
	c.Expect("ping")
}

// lowPort finds a free loopback port below 1024.
func lowPort(t *testing.T, skip int) int {
	t.Helper()
	for p := 900; p < 1000; p++ {
		if p == skip {
			continue
		}
		if l, err := net.Listen("tcp4", fmt.Sprintf("127.0.0.1:%d", p)); err == nil {
			l.Close()
			return p
		}
	}
	t.Fatal("no free port below 1024")
	return 0
}

// waitNobody waits until process pid runs as nobody/nogroup (65534).
func waitNobody(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var status string
	for time.Now().Before(deadline) {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		status = string(b)
		if strings.Contains(status, "Uid:\t65534\t65534\t65534\t65534") && strings.Contains(status, "Gid:\t65534\t65534\t65534\t65534") {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("process %d is still not nobody/nogroup:\n%s", pid, status)
}

// killServing kills every process running the binary with config cfg (a
// path unique to the test): after an upgrade the new process is no child
// of the test, and a test that failed may not know its PID.
func killServing(cfg string) {
	cmdlines, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, f := range cmdlines {
		b, _ := os.ReadFile(f)
		if strings.Contains(string(b), "\x00"+cfg) {
			var pid int
			fmt.Sscanf(filepath.Base(filepath.Dir(f)), "%d", &pid)
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}
