package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

// loadcountModule logs a line each time it loads, so a test can count
// its loads in Prosody's log and in moonport's alike, and "loadcount
// ready" once the server runs its timers: Prosody's mod_posix sets its
// SIGHUP handler from a timer, and a SIGHUP before it would end Prosody.
const loadcountModule = `module:log("info", "loadcount loaded on %s", module.host)
module:add_timer(0.2, function() module:log("info", "loadcount ready") end)
`

// TestReloadModulesReloadsOnSIGHUP: Prosody's mod_reload_modules reloads
// the modules listed in reload_modules when the config is reloaded
// (SIGHUP), once per reload, in moonport as in Prosody 0.12.
func TestReloadModulesReloadsOnSIGHUP(t *testing.T) {
	testenv.NeedRoot(t)
	prosody := testenv.NeedTool(t, "prosody", "prosody")
	plugin := needModule(t, "reload_modules")
	bin := testenv.Binary(t)
	dir, data := prosodyDirs(t)
	os.WriteFile(filepath.Join(dir, "mod_loadcount.lua"), []byte(loadcountModule), 0o644)
	// run_as_root: Prosody's mod_posix, which handles its SIGHUP, refuses
	// root without it.
	common := fmt.Sprintf("data_path = %q\nplugin_paths = { %q, %q }\nmodules_disabled = { \"c2s\", \"s2s\" }\nreload_on_change = false\nrun_as_root = true\n", data, plugin, dir) +
		"VirtualHost \"example.com\"\nmodules_enabled = { \"reload_modules\", \"loadcount\" }\nreload_modules = { \"loadcount\" }\n"
	logs := map[string]string{"prosody": filepath.Join(data, "prosody.log"), "moonport": filepath.Join(dir, "moonport.log")}
	pcmd := testenv.Start(t, prosody, testenv.Args("--config", writeProsodyConfig(t, dir, data, common), "-F"))
	mcfg := testenv.WriteConfig(t, fmt.Sprintf("log = { { to = \"file\", filename = %q } }\n", logs["moonport"])+common)
	mcmd := testenv.Start(t, bin, testenv.Config(mcfg))
	for name, cmd := range map[string]*testenv.Process{"prosody": pcmd, "moonport": mcmd} {
		waitLog(t, logs[name], "loadcount ready", 1)
		for i := 2; i <= 3; i++ {
			cmd.Signal(syscall.SIGHUP)
			waitLog(t, logs[name], "loadcount loaded on example.com", i)
		}
	}
	// One more SIGHUP to moonport as a marker: by the time it has reloaded
	// loadcount a fourth time, a reload that fed itself would show.
	mcmd.Signal(syscall.SIGHUP)
	log := waitLog(t, logs["moonport"], "loadcount loaded on example.com", 4)
	if n := strings.Count(log, "loadcount loaded on example.com"); n != 4 {
		t.Errorf("moonport loaded loadcount %d times for 3 reloads:\n%s", n, log)
	}
	if n := strings.Count(log, "Reloaded (modulemanager module:reload(loadcount))"); n != 3 {
		t.Errorf("moonport's log tells of %d module reloads, want 3:\n%s", n, log)
	}
}
