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

// pidfile and run_as_root are moonport's: a module reads the first as
// unset and the second as true, and is told so once.
func TestHostOwnedOptions(t *testing.T) {
	tr := newTestRuntime(t, `pidfile = "/run/x.pid"
run_as_root = false
other = "/run/y"`, map[string]string{"p": `function check()
	return tostring(module:get_option("pidfile")) .. " " .. tostring(module:get_option_string("pidfile", "dflt")) .. " " ..
		tostring(module:get_option_boolean("run_as_root")) .. " " .. module:get_option("other")
end`})
	inst := tr.load(t, "p")
	callGlobal(inst, "check")
	if got, err := callGlobal(inst, "check"); err != nil || got != "nil dflt true /run/y" {
		t.Errorf("host-owned options: %q %v", got, err)
	}
	for _, want := range []string{"Option pidfile reads as unset in modules", "Option run_as_root reads as true in modules"} {
		if l := tr.log.lines(want); len(l) != 1 {
			t.Errorf("%q told %d times: %q", want, len(l), l)
		}
	}
}
