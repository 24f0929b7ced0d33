package bridge

import "testing"

// globalListener notes in module:shared("/test/order") when it hears a
// global event, at priority prio.
func globalListener(name, prio string) string {
	return `
local order = module:shared("/test/order")
module:hook_global("tick", function(event)
	order.seen = (order.seen or "") .. "` + name + `:" .. tostring(event.n) .. " "
end, ` + prio + `)
`
}

// Global events reach the instances that hook them, by priority across
// states, with the data copied into each.
func TestGlobalEventsByPriority(t *testing.T) {
	tr := newTestRuntime(t, `VirtualHost "example.com"`, map[string]string{
		"low": globalListener("low", "1"), "high": globalListener("high", "10"), "mid": globalListener("mid", "5")})
	tr.load(t, "low")
	tr.load(t, "high")
	if _, err := tr.Load("mid", "example.com"); err != nil {
		t.Fatal(err)
	}
	tr.FireEvent("*", "tick", map[string]any{"n": 7})
	if got := tr.shared.table("/test/order").get("seen"); got != "high:7 mid:7 low:7 " {
		t.Errorf("order: %q", got)
	}
}

// An event module A fires on its host reaches module B, which can call a
// function A put in the data (it runs in A's state) and whose result
// A's fire_event returns; a wrapper of a third module runs around it.
func TestEventFromModuleToModule(t *testing.T) {
	tr := newTestRuntime(t, `VirtualHost "example.com"`, map[string]string{
		"a": `
local greeting = "hi from a"
function fire()
	return module:fire_event("ask", { q = "who", reply = function(x) return greeting .. " to " .. x end })
end`,
		"b": `module:hook("ask", function(event) return event.q .. "? " .. event.reply("b") end)`,
		"w": `module:wrap_event("ask", function(handlers, name, data)
	data.q = data.q .. "!"
	return "[" .. tostring(handlers(name, data)) .. "]"
end)`,
	})
	var a *Instance
	for _, name := range []string{"a", "b", "w"} {
		inst, err := tr.Load(name, "example.com")
		if err != nil {
			t.Fatal(err)
		}
		if name == "a" {
			a = inst
		}
	}
	if got, err := callGlobal(a, "fire"); got != "[who!? hi from a to b]" {
		t.Errorf("fire: %q %v", got, err)
	}
}

// The events object of a host (hosts[h].events) adds and removes handlers
// on the bus module:fire_event and Go fire on; an instance's handlers go
// when it stops, and module-loaded (its own too, as in Prosody) and
// module-unloaded are fired.
func TestEventsObject(t *testing.T) {
	tr := newTestRuntime(t, ``, map[string]string{
		"obj": `function setup()
	local function h(e) return "obj:" .. e.x end
	events.add_handler("q", h, 3)
	function unhook() events.remove_handler("q", h) end
end
function fire(x) return tostring(events.fire_event("q", { x = x })) end
function wrap_all()
	local function w(handlers, name, data) return "<" .. tostring(handlers(name, data)) .. ">" end
	events.add_wrapper(false, w)
	local res = events.fire_event("q", { x = "w" })
	events.wrappers.remove_handler(false, w)
	return res
end`,
		"other": `module:hook_global("q", function(e) return "other:" .. e.x end, 1)
local log = module:shared("/test/life")
module:hook_global("module-loaded", function(e) log.loaded = (log.loaded or "") .. e.module .. "@" .. e.host .. " " end)
module:hook_global("module-unloaded", function(e) log.unloaded = (log.unloaded or "") .. e.module .. " " end)`,
		"third": ``,
	})
	obj, other := tr.load(t, "obj"), tr.load(t, "other")
	obj.call(func() { obj.L.SetGlobal("events", obj.eventsObject("*")) })
	if _, err := callGlobal(obj, "setup"); err != nil {
		t.Fatal(err)
	}
	if got, _ := callGlobal(obj, "wrap_all"); got != "<obj:w>" {
		t.Errorf("a global wrapper: %q", got)
	}
	if got, _ := callGlobal(obj, "fire", "1"); got != "obj:1" {
		t.Errorf("fire: %q", got)
	}
	callGlobal(obj, "unhook")
	if got, _ := callGlobal(obj, "fire", "2"); got != "other:2" {
		t.Errorf("fire after remove_handler: %q", got)
	}
	third := tr.load(t, "third")
	tr.stopInstance(third)
	tr.stopInstance(other)
	if got, _ := callGlobal(obj, "fire", "3"); got != "nil" {
		t.Errorf("fire after the other stopped: %q", got)
	}
	life := tr.shared.table("/test/life")
	if l, u := life.get("loaded"), life.get("unloaded"); l != "other@* third@* " || u != "third " {
		t.Errorf("module-loaded %q, module-unloaded %q", l, u)
	}
}

// A net service provided (an item of type net-provider) is announced on
// the global events as service-added, and as service-removed when its
// module stops, with event.name and event.service.
func TestServiceEvents(t *testing.T) {
	tr := newTestRuntime(t, ``, map[string]string{
		"watch": `local log = module:shared("/test/services")
module:hook("service-added", function(e) log.seen = (log.seen or "") .. "+" .. e.name .. "/" .. e.service.name .. "/" .. tostring(e.service.multiplex.pattern) .. " " end)
module:hook("service-removed", function(e) log.seen = (log.seen or "") .. "-" .. e.name .. " " end)`,
		"svc": `module:provides("net", { name = "svc1", listener = {}, default_port = 5999, multiplex = { pattern = "^HI" } })`,
	})
	tr.load(t, "watch")
	svc := tr.load(t, "svc")
	tr.stopInstance(svc)
	if got := tr.shared.table("/test/services").get("seen"); got != "+svc1/svc1/^HI -svc1 " {
		t.Errorf("service events: %q", got)
	}
}

// A global module's add_host module object hooks that host's events.
func TestGlobalModuleHooksAddedHost(t *testing.T) {
	tr := newTestRuntime(t, `VirtualHost "example.com"
VirtualHost "other.com"`, map[string]string{
		"g": `module:set_global()
function module.add_host(hm) hm:hook("ping", function() return "g heard on " .. hm.host end) end`,
		"f": `function fire() return tostring(module:fire_event("ping")) end`,
	})
	if _, err := tr.Load("g", "example.com"); err != nil {
		t.Fatal(err)
	}
	for host, want := range map[string]string{"example.com": "g heard on example.com", "other.com": "nil"} {
		f, err := tr.Load("f", host)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := callGlobal(f, "fire"); got != want {
			t.Errorf("on %s: %q", host, got)
		}
	}
}
