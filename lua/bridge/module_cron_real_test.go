package bridge

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// cronJob is a module with periodic tasks for Prosody's mod_cron. Before
// adding them it writes last-run times into the cron store, as an
// earlier run would have: a period and more ago for the due ones, a
// minute ago for "recent"; "never" has none, so mod_cron counts it as run
// at the start of the current day and does not run it at startup.
// "failing" errors; it comes last, as in Prosody 0.12 an error ends
// mod_cron's round (its async runner raises it out of the timer) and the
// tasks after it do not run.
const cronJob = `
local last = module:open_store("cron", "map")
local now = os.time()
local failing_before = now - 7200
last:set(nil, "job/failing", failing_before)
last:set(nil, "job/old_daily", now - 2 * 86400)
last:set(nil, "job/weekly_one", now - 8 * 86400)
last:set(nil, "job/recent", now - 60)
module:daily("Old daily", function() module:log("info", "ran old_daily") end)
module:cron({ name = "weekly one", when = "weekly", run = function() module:log("info", "ran weekly_one") end })
module:daily("recent", function() module:log("info", "ran recent") end)
module:daily("never", function() module:log("info", "ran never") end)
module:hourly("failing", function() error("task failed on purpose") end)
function last_run(id) return tostring(last:get(nil, id)) end
function failing_kept() return tostring(last:get(nil, "job/failing") == failing_before) end
`

// Prosody's own mod_cron runs module:hourly/daily/cron tasks: those whose
// stored last run is a period ago run at its first round, the others do
// not; a task that errors is logged and its last run is not stored;
// each run's time is stored in the host's cron store.
func TestRealModCron(t *testing.T) {
	if _, err := os.Stat(prosodyModules + "/mod_cron.lua"); err != nil {
		t.Skipf("mod_cron is not installed in %s (Debian package prosody)", prosodyModules)
	}
	tr := newTestRuntime(t, `VirtualHost "a.example"`, nil)
	tr.sources = append(sourcesOf(map[string]string{"job": cronJob}), Source{Label: prosodyModules, FS: os.DirFS(prosodyModules)})
	start := time.Now().Unix()
	job, err := tr.Load("job", "a.example")
	if err != nil {
		t.Fatal(err)
	}
	tr.log.wait(t, "module=cron", "Encountered error", "task failed on purpose")
	for task, runs := range map[string]int{"old_daily": 1, "weekly_one": 1, "recent": 0, "never": 0} {
		if n := len(tr.log.lines("ran " + task)); n != runs {
			t.Errorf("%s ran %d times, want %d; log:\n%s", task, n, runs, tr.log)
		}
	}
	if strings.Contains(tr.log.String(), "will not run") {
		t.Error("module:cron said the tasks will not run")
	}
	for _, id := range []string{"job/old_daily", "job/weekly_one"} {
		got, _ := callGlobal(job, "last_run", id)
		if n, err := strconv.ParseInt(got, 10, 64); err != nil || n < start || n > time.Now().Unix() {
			t.Errorf("stored last run of %s: %s, want the time it ran", id, got)
		}
	}
	if got, _ := callGlobal(job, "last_run", "job/never"); got != "nil" {
		t.Errorf("stored last run of a task that did not run: %s", got)
	}
	if got, _ := callGlobal(job, "failing_kept"); got != "true" {
		t.Error("the task that failed got a new last run stored")
	}
}

// A reload of mod_cron starts a new round from the stored last runs (the
// store outlives the reload): the tasks that ran are not run again before
// their period, the one that failed is tried again.
func TestRealModCronReloaded(t *testing.T) {
	if _, err := os.Stat(prosodyModules + "/mod_cron.lua"); err != nil {
		t.Skipf("mod_cron is not installed in %s (Debian package prosody)", prosodyModules)
	}
	cfg := "VirtualHost \"a.example\"\nmodules_enabled = { \"job\" }"
	sources := append(sourcesOf(map[string]string{"job": cronJob}), Source{Label: prosodyModules, FS: os.DirFS(prosodyModules)})
	tr := newTestRuntime(t, cfg, nil)
	tr.sources = sources
	if err := tr.LoadAll(); err != nil {
		t.Fatal(err)
	}
	tr.log.wait(t, "module=cron", "Encountered error", "task failed on purpose")
	tr.Override("reload", "cron", "*")
	st, err := tr.Stage(evaluate(t, cfg), sources)
	if err != nil {
		t.Fatal(err)
	}
	st.Commit()
	deadline := time.Now().Add(10 * time.Second)
	for len(tr.log.lines("Encountered error")) < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := len(tr.log.lines("Encountered error")); n != 2 {
		t.Fatalf("the failed task was tried %d times, want 2; log:\n%s", n, tr.log)
	}
	for task, runs := range map[string]int{"old_daily": 1, "weekly_one": 1, "recent": 0, "never": 0} {
		if n := len(tr.log.lines("ran " + task)); n != runs {
			t.Errorf("%s ran %d times, want %d; log:\n%s", task, n, runs, tr.log)
		}
	}
}
