package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

// storeCounter counts its loads in a keyval store of its host.
const storeCounter = `
local visits = module:open_store("visits")
local n = (visits:get(nil) or 0) + 1
assert(visits:set(nil, n))
module:log("info", "store-test load %d", n)
`

// TestOpenStoreOutlivesReloadNotRestart: what a module keeps with
// module:open_store is there for its new version after a reload
// (SIGHUP), and gone after a restart, as with Prosody's memory storage.
func TestOpenStoreOutlivesReloadNotRestart(t *testing.T) {
	bin := testenv.Binary(t)
	dir := t.TempDir()
	logFile := filepath.Join(dir, "moonport.log")
	mod := filepath.Join(dir, "mod_counter.lua")
	if err := os.WriteFile(mod, []byte(storeCounter), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := testenv.WriteConfig(t, fmt.Sprintf("plugin_paths = { %q }\nrun_as_root = true\nreload_on_change = false\n"+
		"log = { { to = \"file\", filename = %q } }\nVirtualHost \"a.example\"\nmodules_enabled = { \"counter\" }\n", dir, logFile))
	cmd := startMoonport(t, bin, cfg)
	waitLog(t, logFile, "store-test load 1", 1)
	if err := os.WriteFile(mod, []byte(storeCounter+"-- a new version\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd.Process.Signal(syscall.SIGHUP)
	waitReloaded(t, logFile, "SIGHUP", 1)
	waitLog(t, logFile, "store-test load 2", 1)

	cmd.Process.Kill()
	cmd.Wait()
	startMoonport(t, bin, cfg)
	waitLog(t, logFile, "store-test load 1", 2)
}
