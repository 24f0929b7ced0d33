// Package testenv helps tests that drive real programs (openssl, swaks,
// prosody, tmux, ss): on CI a missing program is a failure of .ci/run,
// elsewhere the test is skipped with the package to install.
package testenv

import (
	"os"
	"os/exec"
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
