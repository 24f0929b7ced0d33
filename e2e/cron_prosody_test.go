package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

// installedProsodyModules is where Debian's prosody package installs its modules.
const installedProsodyModules = "/usr/lib/prosody/modules"

// cronJobModule writes last-run times into the host's cron store as an earlier
// run would have (a period and more ago for old_daily and the weekly one,
// a minute ago for recent, none for never), then adds its tasks through
// module:daily, module:cron and module:hourly; failing, last, errors.
const cronJobModule = `
local last = module:open_store("cron", "map")
local now = os.time()
last:set(nil, "job/old_daily", now - 2 * 86400)
last:set(nil, "job/weekly_one", now - 8 * 86400)
last:set(nil, "job/recent", now - 60)
last:set(nil, "job/failing", now - 7200)
module:daily("Old daily", function() module:log("info", "cron-test ran old_daily") end)
module:cron({ name = "weekly one", when = "weekly", run = function() module:log("info", "cron-test ran weekly_one") end })
module:daily("recent", function() module:log("info", "cron-test ran recent") end)
module:daily("never", function() module:log("info", "cron-test ran never") end)
module:hourly("failing", function() error("cron-test failed on purpose") end)
`

// TestModCronLikeProsody runs the same module with periodic tasks in
// Prosody 0.12 and in moonport, each on Prosody's own mod_cron, and
// compares what their first round ran: the tasks whose stored last run
// is a period old ran once, the others not (with none stored, as "never",
// Prosody counts a task as run at the start of the current period), and
// the task that failed was logged by mod_cron's async runner. Both run as the user prosody (Prosody refuses root).
func TestModCronLikeProsody(t *testing.T) {
	prosody := testenv.NeedTool(t, "prosody", "prosody")
	testenv.NeedTool(t, "setpriv", "util-linux")
	if _, err := os.Stat(filepath.Join(installedProsodyModules, "mod_cron.lua")); err != nil {
		t.Skipf("mod_cron is not installed in %s (Debian package prosody)", installedProsodyModules)
	}
	needRoot(t)
	if _, err := user.Lookup("prosody"); err != nil {
		t.Skip("needs the user prosody, which the prosody package creates")
	}
	bin := testenv.Binary(t)
	hosts := map[string][]string{"prosody": {prosody, "-F", "--config"}, "moonport": {bin, "run", "--config"}}
	logs := map[string]string{}
	for name, argv := range hosts {
		dir := cronDir(t, name)
		testenv.Start(t, "setpriv", testenv.Args(append([]string{"--reuid", "prosody", "--regid", "prosody", "--init-groups"},
			append(argv, filepath.Join(dir, "test.cfg.lua"))...)...),
			testenv.Dir(dir), testenv.OnlyEnv("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8", "HOME="+dir))
		logs[name] = filepath.Join(dir, "test.log")
	}
	for name, file := range logs {
		// The runner's line comes last (after the task's own error line in
		// moonport's log), so it is the one to wait for.
		log := waitLog(t, file, "Encountered error", 1)
		if !strings.Contains(log, "cron-test failed on purpose") {
			t.Errorf("%s: mod_cron's async runner logged an error, not the failed task's:\n%s", name, log)
		}
		for task, runs := range map[string]int{"old_daily": 1, "weekly_one": 1, "recent": 0, "never": 0} {
			if n := strings.Count(log, "cron-test ran "+task); n != runs {
				t.Errorf("%s ran %s %d times, want %d:\n%s", name, task, n, runs, log)
			}
		}
	}
}

// cronDir is a folder the user prosody owns, holding mod_job.lua and a
// config that loads it on one host, with its data and log there and no
// XMPP listeners.
func cronDir(t *testing.T, name string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "moonport-cron-"+name+"-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	cfg := fmt.Sprintf(`plugin_paths = { %q, %q }
data_path = %q
log = { info = %q }
modules_enabled = { }
modules_disabled = { "c2s", "s2s", "s2s_auth_certs", "offline", "presence", "message", "iq" }
VirtualHost "a.example"
modules_enabled = { "job" }
`, dir, installedProsodyModules, dir, filepath.Join(dir, "test.log"))
	for file, body := range map[string]string{"test.cfg.lua": cfg, "mod_job.lua": cronJobModule} {
		if err := os.WriteFile(filepath.Join(dir, file), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command("chown", "-R", "prosody:prosody", dir).CombinedOutput(); err != nil {
		t.Fatalf("chown: %v: %s", err, out)
	}
	return dir
}
