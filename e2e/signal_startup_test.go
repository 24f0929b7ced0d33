package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

// TestSIGHUPWhileModulesLoad: a SIGHUP that arrives while the modules are
// still loading (before the serve loop runs) is a reload once the server
// is up, not Go's default action, which ended the process (a flake of
// TestOpenStoreOutlivesReload showed it).
func TestSIGHUPWhileModulesLoad(t *testing.T) {
	bin := testenv.Binary(t)
	dir := t.TempDir()
	logFile := filepath.Join(dir, "moonport.log")
	// The module says it is loading, then keeps the load busy for a while:
	// the signal is sent in that window.
	slow := `module:log("info", "slow module loading")
local t0 = os.clock()
while os.clock() - t0 < 0.4 do end
`
	if err := os.WriteFile(filepath.Join(dir, "mod_slow.lua"), []byte(slow), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := testenv.WriteConfig(t, fmt.Sprintf("plugin_paths = { %q }\nrun_as_root = true\nreload_on_change = false\n"+
		"log = { { to = \"file\", filename = %q } }\nVirtualHost \"a.example\"\nmodules_enabled = { \"slow\" }\n", dir, logFile))
	cmd := testenv.Start(t, bin, testenv.Config(cfg))
	waitLog(t, logFile, "slow module loading", 1)
	if err := cmd.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitReloaded(t, logFile, "SIGHUP", 1)
	if err := cmd.Signal(syscall.Signal(0)); err != nil {
		t.Fatalf("moonport is gone after the SIGHUP: %v", err)
	}
}
