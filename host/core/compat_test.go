package core

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moonport/moonport/internal/testenv"
)

// transcript talks to the compat module and returns everything it sent.
func transcript(t *testing.T, port int) string {
	t.Helper()
	c := dial(t, port)
	first := c.Line()
	c.Send("abc\nde\n")
	c.Send("mixed\r\nCase\r\r\n")
	c.Send("quit\n")
	rest, err := c.Rest()
	if err != nil {
		t.Fatalf("reading: %v", err)
	}
	return first + "\n" + rest
}

// halfClosed sends a last line without its newline and shuts down its
// side: Prosody hands that line to onincoming before ondisconnect.
func halfClosed(t *testing.T, port int) string {
	t.Helper()
	c := dial(t, port)
	c.Send("abc\nlast")
	if err := c.Conn.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	rest, err := c.Rest()
	if err != nil {
		t.Fatalf("reading: %v", err)
	}
	return rest
}

const halfClosedWant = "hello from compat\nABC 3\nLAST 4\n"

// waitPort waits until something accepts connections on port, failing at
// once if server exits first.
func waitPort(t *testing.T, port int, server *testenv.Process) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err == nil {
			c.Close()
			return
		}
		select {
		case <-server.Done():
			t.Fatalf("server exited before listening: %v\n%s", server.Err(), server.Output())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("nothing listens on %d", port)
}

// TestProsodyModuleRunsUnchanged loads one module file in Prosody 0.12 and
// in moonport and checks a client sees the same from both.
func TestProsodyModuleRunsUnchanged(t *testing.T) {
	testdata, _ := filepath.Abs("testdata")
	port := freePort(t)
	startHost(t, fmt.Sprintf(`plugin_paths = { %q }
modules_enabled = { "compat" }
interfaces = { "127.0.0.1" }
compat_ports = { %d }
compat_greeting = "hello"
`, testdata, port), nil)
	got := transcript(t, port)
	want := "hello from compat\nABC 3\nDE 2\nMIXED 5\nCASE 4\nbye\n"
	if got != want {
		t.Fatalf("moonport said %q, want %q", got, want)
	}
	if got := halfClosed(t, port); got != halfClosedWant {
		t.Errorf("moonport, after a half-close, said %q, want %q", got, halfClosedWant)
	}

	prosody := testenv.NeedTool(t, "prosody", "prosody")
	dir := t.TempDir()
	pport := freePort(t)
	cfg := fmt.Sprintf(`pidfile = %q
data_path = %q
plugin_paths = { %q }
run_as_root = true
log = { { levels = { min = "info" }, to = "file", filename = %q } }
modules_enabled = { "compat" }
modules_disabled = { "c2s", "s2s", "offline", "s2s_auth_certs" }
interfaces = { "127.0.0.1" }
compat_ports = { %d }
compat_greeting = "hello"
VirtualHost "localhost"
`, filepath.Join(dir, "prosody.pid"), dir, testdata, filepath.Join(dir, "prosody.log"), pport)
	cfgPath := filepath.Join(dir, "prosody.cfg.lua")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	waitPort(t, pport, testenv.Start(t, prosody, testenv.Args("--config", cfgPath, "-F")))
	if got := transcript(t, pport); got != want {
		log, _ := os.ReadFile(filepath.Join(dir, "prosody.log"))
		t.Fatalf("prosody said %q, want %q\n%s", got, want, strings.TrimSpace(string(log)))
	}
	if got := halfClosed(t, pport); got != halfClosedWant {
		t.Errorf("prosody, after a half-close, said %q, want %q", got, halfClosedWant)
	}
}
