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

// TestStrayUpgradeVariableIsRefused: MOONPORT_UPGRADE_FDS without the
// descriptors an upgrade passes stops the server with exit code 64 and
// says what to do.
func TestStrayUpgradeVariableIsRefused(t *testing.T) {
	bin := testenv.Binary(t)
	port := testenv.FreePorts(t, 1)[0]
	p := testenv.Start(t, bin, testenv.Config(echoConfig(t, port, "")), testenv.Env("MOONPORT_UPGRADE_FDS=4:tcp4:127.0.0.1:1"))
	if code := p.Wait(20 * time.Second); code != exitUsage || !strings.Contains(p.Output(), "unset it to start normally") {
		t.Errorf("exit %d, output %q; want code %d and what to do", code, p.Output(), exitUsage)
	}
}

// TestUpgradeHandsOverActivatedSockets: a socket systemd passed is handed
// to the new process of an upgrade like the ones moonport bound, so the
// port keeps answering once the old process is gone.
func TestUpgradeHandsOverActivatedSockets(t *testing.T) {
	activate := testenv.NeedTool(t, "systemd-socket-activate", "systemd")
	bin := testenv.Binary(t)
	port := testenv.FreePorts(t, 1)[0]
	logFile := filepath.Join(t.TempDir(), "moonport.log")
	cfg := echoConfig(t, port, fmt.Sprintf("log = { { to = \"file\", filename = %q } }\nnetwork_settings = { shutdown_deadline = 1 }\n", logFile))
	proc := testenv.Start(t, activate, testenv.Args("-l", loopback(port), bin, "run", "--config", cfg))
	defer killServing(cfg)
	testenv.WaitListening(t, port, loopback(port)) // systemd-socket-activate's own socket
	echoes(t, port)                                // which starts moonport on the first connection
	waitLog(t, logFile, "uses the socket systemd passed", 1)

	proc.Signal(syscall.SIGUSR2)
	select {
	case <-proc.Done():
	case <-time.After(20 * time.Second):
		b, _ := os.ReadFile(logFile)
		t.Fatalf("the old process did not exit after the upgrade:\n%s", b)
	}
	if b, _ := os.ReadFile(logFile); strings.Contains(string(b), "in use") {
		t.Errorf("the new process had to bind the passed socket's address itself:\n%s", b)
	}
	echoes(t, port)
}
