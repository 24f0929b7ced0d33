package bridge

import "testing"

// A method added to core.moduleapi is the module object's, in that
// module's state only; the built-in methods are there too.
func TestModuleAPIIsTheModulesMethodTable(t *testing.T) {
	tr := newTestRuntime(t, `modules_enabled = { "adds", "other" }`, map[string]string{
		"adds": `local api = require "core.moduleapi"
function api.shout(self, s) return self.name .. ": " .. s:upper() end
function check() return module:shout("hi") .. " " .. tostring(api.get_name == module.get_name) end`,
		"other": `function check() return tostring(module.shout) end`,
	})
	if err := tr.LoadAll(); err != nil {
		t.Fatal(err)
	}
	if got, err := callGlobal(tr.loadedModule("*", "adds"), "check"); err != nil || got != "adds: HI true" {
		t.Errorf("in the module that adds it: %q %v", got, err)
	}
	if got, err := callGlobal(tr.loadedModule("*", "other"), "check"); err != nil || got != "nil" {
		t.Errorf("in another module: %q %v", got, err)
	}
}

// pidfile is moonport's: a module reads it as unset, and is told so once.
func TestPidfileReadsAsUnset(t *testing.T) {
	tr := newTestRuntime(t, `pidfile = "/run/x.pid"
other = "/run/y"`, map[string]string{"p": `function check()
	return tostring(module:get_option("pidfile")) .. " " .. tostring(module:get_option_string("pidfile", "dflt")) .. " " .. module:get_option("other")
end`})
	inst := tr.load(t, "p")
	if got, err := callGlobal(inst, "check"); err != nil || got != "nil dflt /run/y" {
		t.Errorf("pidfile: %q %v", got, err)
	}
	if l := tr.log.lines("Option pidfile reads as unset in modules"); len(l) != 1 {
		t.Errorf("told %d times: %q", len(l), l)
	}
}
