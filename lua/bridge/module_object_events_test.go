package bridge

import "testing"

const objectEventsModule = `
local events = require "util.events".new()
local log = {}
local function h(data) log[#log + 1] = "h" .. data; return nil end
local function high(data) log[#log + 1] = "high" .. data end
module:hook_object_event(events, "e", h)
module:hook_object_event(events, "e", high, 10)
module:wrap_object_event(events, false, function(handlers, name, data)
	log[#log + 1] = "wrap"
	return handlers(name, data)
end)
function fire(n)
	log = {}
	events.fire_event("e", n)
	return table.concat(log, " ")
end
function unhook() module:unhook_object_event(events, "e", high) end
function bad()
	local ok, err = pcall(module.wrap_object_event, module, {}, "e", h)
	return tostring(ok) .. " " .. tostring(err):match("no wrappers")
end
`

// module:hook_object_event and wrap_object_event work on any util.events
// object, with priorities; unhook_object_event removes one handler, and
// unloading the module removes the rest.
func TestModuleObjectEvents(t *testing.T) {
	inst := newTestRuntime(t, "", map[string]string{"obj": objectEventsModule}).load(t, "obj")
	steps := []struct{ fn, arg, want string }{
		{"fire", "1", "wrap high1 h1"},
		{"unhook", "", ""},
		{"fire", "2", "wrap h2"},
		{"bad", "", "false no wrappers"},
	}
	for _, s := range steps {
		if got, err := callGlobal(inst, s.fn, s.arg); err != nil || got != s.want {
			t.Errorf("%s(%s): %q %v, want %q", s.fn, s.arg, got, err, s.want)
		}
	}
	inst.call(inst.unloadHook)
	if got, _ := callGlobal(inst, "fire", "3"); got != "" {
		t.Errorf("after unload: %q", got)
	}
}

// The same on the global events object (prosody.events), shared by every
// module: what a module hooked there goes when it is unloaded.
func TestModuleObjectEventsOnProsodyEvents(t *testing.T) {
	tr := newTestRuntime(t, "", map[string]string{
		"hooker": `module:hook_object_event(prosody.events, "custom-thing", function(data) return "got " .. data.v end)`,
		"firer":  `function fire() return tostring(prosody.events.fire_event("custom-thing", { v = "x" })) end`,
	})
	hooker := tr.load(t, "hooker")
	firer := tr.load(t, "firer")
	if got, err := callGlobal(firer, "fire"); err != nil || got != "got x" {
		t.Fatalf("fire: %q %v", got, err)
	}
	hooker.call(hooker.unloadHook)
	if got, err := callGlobal(firer, "fire"); err != nil || got != "nil" {
		t.Fatalf("after unload: %q %v", got, err)
	}
}
