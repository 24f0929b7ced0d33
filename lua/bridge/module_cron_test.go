package bridge

import (
	"testing"
)

// A stand-in for mod_cron: global, it handles the "task" items of every
// host it is added to and runs them on demand.
const cronModule = `
module:set_global()
local tasks = {}
function module.add_host(hm)
	hm:handle_items("task", function(e)
		e.item.host = hm.host
		tasks[#tasks + 1] = e.item
	end, function(e)
		for i, t in ipairs(tasks) do if t == e.item then table.remove(tasks, i) end end
	end)
end
function run_all()
	local out = {}
	for _, t in ipairs(tasks) do
		out[#out + 1] = t.host .. ":" .. t.when .. ":" .. tostring(t.name) .. "=" .. tostring(t.run())
	end
	return table.concat(out, " ")
end
`

// module:daily and module:hourly load mod_cron (module:depends) and add
// "task" items it runs, in the adding module's state; they go when that
// module stops.
func TestCronTasks(t *testing.T) {
	tr := newTestRuntime(t, `VirtualHost "example.com"`, map[string]string{"cron": cronModule, "job": `
local n = 0
module:daily("clean", function() n = n + 1; return "cleaned " .. n end)
module:hourly(function() return "tick" end)
`})
	job, err := tr.Load("job", "example.com")
	if err != nil {
		t.Fatal(err)
	}
	var cron *Instance
	for _, inst := range tr.Primaries() {
		if inst.Name == "cron" {
			cron = inst
		}
	}
	if cron == nil {
		t.Fatal("module:daily did not load cron")
	}
	if got, _ := callGlobal(cron, "run_all"); got != "example.com:daily:clean=cleaned 1 example.com:hourly:nil=tick" {
		t.Errorf("run_all: %q", got)
	}
	tr.stopInstance(job)
	if got, _ := callGlobal(cron, "run_all"); got != "" {
		t.Errorf("run_all after the job stopped: %q", got)
	}
}

// Without a mod_cron, module:cron logs that its tasks will not run and the
// module still loads.
func TestCronWithoutModCron(t *testing.T) {
	tr := newTestRuntime(t, ``, map[string]string{"job": `module:weekly("w", function() end)
function count() return tostring(#module:get_host_items("task")) end`})
	if got, _ := callGlobal(tr.load(t, "job"), "count"); got != "1" {
		t.Errorf("task items: %s", got)
	}
	tr.log.wait(t, "module:cron", "module 'cron' not found", "will not run", "add its modules folder to plugin_paths")
}

// A reload of a global module loaded by another's module:depends keeps
// the hosts it was added to (though the other module, kept, does not ask
// again), and the items already there reach its handler with the module
// that added them as source.
func TestReloadedGlobalKeepsDependentHosts(t *testing.T) {
	cfg := "VirtualHost \"example.com\"\nmodules_enabled = { \"job\" }"
	handler := `
module:set_global()
function module.add_host(hm)
	hm:handle_items("task", function(e) seen = (seen or "") .. hm.host .. ":" .. e.source.name .. ":" .. e.item.name .. " " end, function() end)
end
function get_seen() return seen end
`
	mods := map[string]string{"cron": handler, "job": `module:daily("clean", function() end)`}
	tr := newTestRuntime(t, cfg, mods)
	if err := tr.LoadAll(); err != nil {
		t.Fatal(err)
	}
	tr.Override("reload", "cron", "*")
	st, err := tr.Stage(evaluate(t, cfg), sourcesOf(mods))
	if err != nil {
		t.Fatal(err)
	}
	st.Commit()
	for _, inst := range tr.Primaries() {
		if inst.Name == "cron" {
			if got, _ := callGlobal(inst, "get_seen"); got != "example.com:job:clean " {
				t.Errorf("the reloaded module saw %q", got)
			}
			return
		}
	}
	t.Fatal("no cron after the reload")
}
