// Package testenv helps tests that drive real programs (openssl, swaks,
// prosody, tmux, ss): on CI a missing program is a failure of .ci/run,
// elsewhere the test is skipped with the package to install. Start runs a
// program (the built binary most often) in the background until its test
// ends; nothing here may be imported outside tests.
package testenv

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// NeedTool returns the path of program name, installed by Debian package pkg.
func NeedTool(t testing.TB, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed; .ci/run must install %s", name, pkg)
		}
		t.Skipf("%s not installed (apt-get install %s)", name, pkg)
	}
	return p
}

// NeedRoot skips a test that needs root (privileges, namespaces) when not
// run as root; CI runs as root, so there it is a failure.
func NeedRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatal("CI runs as root; this test needs it")
	}
	t.Skip("needs root")
}

// FreePort finds a loopback TCP ("tcp4") or UDP ("udp4") port nobody uses.
func FreePort(t testing.TB, network string) int {
	t.Helper()
	if network == "udp4" {
		c, err := net.ListenPacket(network, "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.LocalAddr().(*net.UDPAddr).Port
	}
	l, err := net.Listen(network, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// FreePorts finds n distinct loopback TCP ports nobody uses: each is held
// until all are found, so none is handed out twice.
func FreePorts(t testing.TB, n int) []int {
	t.Helper()
	var out []int
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		out = append(out, l.Addr().(*net.TCPAddr).Port)
	}
	return out
}

// WriteConfig writes body as prosody.cfg.lua in a new temporary folder of
// the test and returns the file's path.
func WriteConfig(t testing.TB, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "prosody.cfg.lua")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
