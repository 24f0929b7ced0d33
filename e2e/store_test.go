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

// TestOpenStoreOutlivesReload: what a module keeps with
// module:open_store is there for its new version after a reload
// (SIGHUP); after a restart it is there with Prosody's default storage
// ("internal": a file of the data folder, here the config's folder) and
// gone with storage = "memory", as in Prosody.
func TestOpenStoreOutlivesReload(t *testing.T) {
	bin := testenv.Binary(t)
	for _, c := range []struct{ storage, afterRestart string }{
		{"", "store-test load 3"}, {`storage = "memory"` + "\n", "store-test load 1"},
	} {
		dir := t.TempDir()
		logFile := filepath.Join(dir, "moonport.log")
		mod := filepath.Join(dir, "mod_counter.lua")
		if err := os.WriteFile(mod, []byte(storeCounter), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg := testenv.WriteConfig(t, fmt.Sprintf("plugin_paths = { %q }\nrun_as_root = true\nreload_on_change = false\n%s"+
			"log = { { to = \"file\", filename = %q } }\nVirtualHost \"a.example\"\nmodules_enabled = { \"counter\" }\n", dir, c.storage, logFile))
		cmd := testenv.Start(t, bin, testenv.Config(cfg))
		waitLog(t, logFile, "store-test load 1", 1)
		if err := os.WriteFile(mod, []byte(storeCounter+"-- a new version\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd.Signal(syscall.SIGHUP)
		waitReloaded(t, logFile, "SIGHUP", 1)
		waitLog(t, logFile, "store-test load 2", 1)

		cmd.Kill()
		testenv.Start(t, bin, testenv.Config(cfg))
		n := 1
		if c.storage != "" {
			n = 2 // the second "load 1"
		}
		waitLog(t, logFile, c.afterRestart, n)
		_, err := os.Stat(filepath.Join(filepath.Dir(cfg), "a%2eexample", "visits.dat"))
		if (err == nil) != (c.storage == "") {
			t.Errorf("storage %q: the data file: %v", c.storage, err)
		}
	}
}
