package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moonport/moonport/internal/testenv"
)

// Exit codes of run (README, Command line).
const (
	exitBind    = 3
	exitRunning = 6
)

// runBounded runs the binary with args and returns its exit code and
// output, failing the test if it has not exited within 20s.
func runBounded(t *testing.T, bin string, args ...string) (int, string) {
	t.Helper()
	p := testenv.Start(t, bin, testenv.Args(args...))
	return p.Wait(20 * time.Second), p.Output()
}

// TestSecondInstance: a second moonport on the same pidfile is refused
// with the first one's PID; one whose every port is taken exits 3 rather
// than serving nothing; a clean shutdown removes the pidfile; the first
// logs one startup line.
func TestSecondInstance(t *testing.T) {
	bin := testenv.Binary(t)
	dir := t.TempDir()
	port := testenv.FreePort(t, "tcp4")
	pidfile, logFile := filepath.Join(dir, "moonport.pid"), filepath.Join(dir, "moonport.log")
	cfg := echoConfig(t, port, fmt.Sprintf("pidfile = %q\nlog = { info = %q }\n", pidfile, logFile))
	first := testenv.Start(t, bin, testenv.Config(cfg))
	testenv.WaitListening(t, port, loopback(port))
	testenv.WaitFile(t, pidfile, strconv.Itoa(first.Pid()), 10*time.Second)
	line := waitLog(t, logFile, "ready in", 1)
	for _, want := range []string{"moonport ", "config " + cfg, "1 listener(s), none public", "1 module(s) loaded, 0 failed"} {
		if !strings.Contains(line, want) {
			t.Errorf("the startup line lacks %q:\n%s", want, line)
		}
	}

	code, out := runBounded(t, bin, "run", "--config", cfg)
	if code != exitRunning || !strings.Contains(out, fmt.Sprintf("PID %d", first.Pid())) {
		t.Errorf("a second moonport on the same pidfile: exit %d, want %d naming PID %d:\n%s", code, exitRunning, first.Pid(), out)
	}

	other := echoConfig(t, port, fmt.Sprintf("pidfile = %q\n", filepath.Join(dir, "other.pid")))
	code, out = runBounded(t, bin, "run", "--config", other)
	if code != exitBind || !strings.Contains(out, "not one of the 1 planned listener(s) could be opened") {
		t.Errorf("a moonport whose every port is taken: exit %d, want %d:\n%s", code, exitBind, out)
	}

	first.Signal(syscall.SIGTERM)
	if first.Wait(20 * time.Second); first.Err() != nil {
		t.Errorf("clean shutdown: %v", first.Err())
	}
	if _, err := os.Stat(pidfile); !os.IsNotExist(err) {
		t.Errorf("the pidfile is still there after a clean shutdown: %v", err)
	}
}

// TestStalePidfile: a pidfile left by a moonport that no longer runs does
// not stop the next start.
func TestStalePidfile(t *testing.T) {
	bin := testenv.Binary(t)
	dir := t.TempDir()
	port := testenv.FreePort(t, "tcp4")
	pidfile := filepath.Join(dir, "moonport.pid")
	dead := exec.Command("true")
	dead.Run()
	os.WriteFile(pidfile, []byte(strconv.Itoa(dead.Process.Pid)+"\n"), 0o644)
	cfg := echoConfig(t, port, fmt.Sprintf("pidfile = %q\n", pidfile))
	cmd := testenv.Start(t, bin, testenv.Config(cfg))
	testenv.WaitListening(t, port, loopback(port))
	testenv.WaitFile(t, pidfile, strconv.Itoa(cmd.Pid()), 10*time.Second)
}
