package bridge

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// stageAdmin does the console's module_load/_unload/_reload as host/core
// does, without ports: tell the runtime, then stage and commit the
// running config again.
type stageAdmin struct {
	rt      *Runtime
	sources []Source
}

func (a *stageAdmin) Waits(name string) bool { return strings.HasPrefix(name, "module_") }

func (a *stageAdmin) Call(name string, args []any) (any, error) {
	op := strings.TrimPrefix(name, "module_")
	if op == "reload" && a.rt.loadedModule(args[1].(string), args[0].(string)) == nil {
		return nil, fmt.Errorf("module '%s' is not loaded", args[0])
	}
	undo := a.rt.Override(op, args[0].(string), args[1].(string))
	st, err := a.rt.Stage(a.rt.Config(), a.sources)
	if err != nil {
		undo()
		return nil, err
	}
	st.Commit()
	return nil, nil
}

// The module driving core.modulemanager: calls from a callback (started
// after it) and from a task (waiting for the outcome), with what they
// returned kept in results.
const mmDriver = `
local mm = require "core.modulemanager"
local admin = require "moonport.admin"
local notes = module:shared("/test/notes")
results = {}
function outside(op, host, name) return tostring(mm[op](host, name)) end
function inside(op, host, name)
	admin.run(function()
		local r, err = mm[op](host, name)
		if type(r) == "table" then r = r.name .. "@" .. r.host end
		notes[op .. " " .. name] = tostring(r) .. " " .. tostring(err)
	end)
end
function query(host, name)
	local names = {}
	for n in pairs(mm.get_modules(host)) do names[#names + 1] = n end
	table.sort(names)
	local m = mm.get_module(host, name)
	local set = mm.get_modules_for_host(host)
	return table.concat({ tostring(mm.is_loaded(host, name)), m and m.name or "-", table.concat(names, ","),
		tostring(set:contains(name)) }, " ")
end
module:hook("config-reloaded", function() notes.driver_reloaded = "yes" end)
`

const mmTarget = `
local notes = module:shared("/test/notes")
notes.boots = (notes.boots or 0) + 1
`

func mmRuntime(t *testing.T, cfg string) (*testRuntime, *Instance) {
	t.Helper()
	mods := map[string]string{"driver": mmDriver, "target": mmTarget, "extra": mmTarget}
	tr := newTestRuntime(t, noAutoload+cfg, mods)
	tr.SetAdmin(&stageAdmin{rt: tr.Runtime, sources: sourcesOf(mods)})
	if err := tr.LoadAll(); err != nil {
		t.Fatal(err)
	}
	tr.FireEvent("*", "server-started", nil)
	return tr, tr.loadedModule("*", "driver")
}

// waitNote waits until the shared note key holds want.
func waitNote(t *testing.T, tr *testRuntime, key string, want any) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if note(tr, key) == want {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("note %q is %v, want %v", key, note(tr, key), want)
}

// A reload asked for from a callback starts after it (true at once) and
// boots the module again although its file did not change; it fires no
// config-reloaded, so a module reloading others from that event does not
// reload forever.
func TestModulemanagerReloadFromACallback(t *testing.T) {
	tr, driver := mmRuntime(t, `modules_enabled = { "driver", "target" }`)
	if got, _ := callGlobal(driver, "query", "*", "target"); got != "true target driver,target true" {
		t.Fatalf("before: %q", got)
	}
	if got, err := callGlobal(driver, "outside", "reload", "*", "target"); err != nil || got != "true" {
		t.Fatalf("reload: %q %v", got, err)
	}
	waitNote(t, tr, "boots", float64(2))
	if note(tr, "driver_reloaded") != nil {
		t.Error("a module reload fired config-reloaded")
	}
	if got, _ := callGlobal(driver, "outside", "reload", "*", "nothing"); got != "true" {
		t.Fatalf("reload of nothing: %q", got)
	}
	tr.log.wait(t, `modulemanager.reload(\"*\", \"nothing\") failed`)
}

// Inside a task a change waits for its outcome: load gives the module,
// unload true, an error nil and the message.
func TestModulemanagerInATask(t *testing.T) {
	tr, driver := mmRuntime(t, `modules_enabled = { "driver", "target" }`)
	callGlobal(driver, "inside", "load", "*", "extra")
	waitNote(t, tr, "load extra", "extra@* nil")
	if got, _ := callGlobal(driver, "query", "*", "extra"); got != "true extra driver,extra,target false" {
		t.Errorf("after load: %q", got)
	}
	callGlobal(driver, "inside", "unload", "*", "target")
	waitNote(t, tr, "unload target", "true nil")
	if got, _ := callGlobal(driver, "query", "*", "target"); got != "false - driver,extra true" {
		t.Errorf("after unload: %q", got)
	}
	callGlobal(driver, "inside", "reload", "*", "target")
	waitNote(t, tr, "reload target", "nil module 'target' is not loaded")
}

// A module moonport loads once globally is loaded, for Prosody's calls,
// on every host that wants it, and reloading it there reloads the global
// one.
func TestModulemanagerHostsOfAGlobalModule(t *testing.T) {
	tr, driver := mmRuntime(t, `modules_enabled = { "driver", "target" }
VirtualHost "a.example"
VirtualHost "b.example"
modules_disabled = { "target" }
`)
	if got, _ := callGlobal(driver, "query", "a.example", "target"); got != "true target driver,target true" {
		t.Errorf("a.example: %q", got)
	}
	if got, _ := callGlobal(driver, "query", "b.example", "target"); got != "false - driver false" {
		t.Errorf("b.example: %q", got)
	}
	callGlobal(driver, "outside", "reload", "a.example", "target")
	waitNote(t, tr, "boots", float64(2))
}

// find tries Prosody's pluginloader names in its order, in each folder.
func TestFindFollowsProsodysOrder(t *testing.T) {
	all := []string{"mod_x/x/mod_x.lua", "mod_x/mod_x.lua", "x/mod_x.lua", "mod_x.lua"}
	for i := range all {
		files := fstest.MapFS{}
		for _, p := range all[i:] {
			files[p] = &fstest.MapFile{Data: []byte(p)}
		}
		file, src, err := find([]Source{{Label: "m", FS: files}}, "x", "*")
		if err != nil || file != "m/"+all[i] || string(src) != all[i] {
			t.Errorf("with %q: %s %q %v", all[i:], file, src, err)
		}
	}
}
