package bridge

import "testing"

var eventsSnippets = map[string]string{
	"priorities": `
local events = require "util.events".new()
local log = {}
local function h(name, ret) return function(data) log[#log + 1] = name .. ":" .. tostring(data.n); return ret end end
local low, mid, high, stop = h("low"), h("mid"), h("high"), h("stop", "stopped")
events.add_handler("e", low, -5)
events.add_handler("e", mid)
events.add_handler("e", high, 10)
print(events.fire_event("e", { n = 1 }), table.concat(log, " "))
log = {}
events.add_handler("e", stop, 1)
print(events.fire_event("e", { n = 2 }), table.concat(log, " "))
log = {}
events.remove_handler("e", stop)
events.remove_handler("e", high)
print(events.fire_event("e", { n = 3 }), table.concat(log, " "), #events.get_handlers("e"))
events.remove_handler("e", mid); events.remove_handler("e", low)
print(events.get_handlers("e"), events.fire_event("e", {}), events.fire_event("none", {}))
events.remove_handler("never", low)
events.add_handler("f", function() return false end)
events.add_handler("f", high, -1)
print(events.fire_event("f", { n = 4 }), table.concat(log, " "))
`,
	"handlers": `
local events = require "util.events".new()
local t = { a = function() return "A" end, b = function() return "B" end }
events.add_handlers(t)
print(events.fire_event("a"), events.fire_event("b"))
events.remove_handlers(t)
print(events.fire_event("a"), events.fire_event("b"), events._event_map.a)
local other = require "util.events".new()
other.add_handler("a", t.a)
print(events.fire_event("a"), other.fire_event("a"))
`,
	"wrappers": `
local events = require "util.events".new()
local log = {}
events.add_handler("e", function(d) log[#log + 1] = "handler " .. d; return "ret " .. d end)
local function w(name)
	return function(inner, event, data)
		log[#log + 1] = name .. " " .. event
		local r = inner(event, data .. name)
		log[#log + 1] = name .. " done"
		return r
	end
end
local w1, w2, g = w("w1"), w("w2"), w("g")
events.add_wrapper("e", w1)
events.add_wrapper("e", w2)
events.add_wrapper(false, g)
print(events.fire_event("e", "x"), table.concat(log, ", "))
log = {}
events.remove_wrapper("e", w2)
events.wrappers.remove_handler("e", w1)
print(events.fire_event("e", "y"), table.concat(log, ", "))
log = {}
events.remove_wrapper(false, g)
print(events.fire_event("e", "z"), table.concat(log, ", "))
local old = events.set_debug_hook(function(h, name, data) return "hooked " .. name end)
print(old, events.fire_event("e", "h"), events.set_debug_hook(nil) ~= nil)
`,
}

// util.events against Prosody's: priorities highest first, the first
// non-nil return stops the event (false included), handlers tables,
// per-event and global wrappers, the debug hook.
func TestUtilEvents(t *testing.T) {
	sameAsProsody(t, eventsSnippets, map[string]string{
		"priorities": "nil\thigh:1 mid:1 low:1\nstopped\thigh:2 stop:2\nnil\tmid:3 low:3\t2\nnil\tnil\nfalse\tmid:3 low:3\n",
		"handlers":   "A\tB\nnil\tnil\tnil\nnil\tA\n",
		"wrappers": "ret xw2w1g\tw2 e, w1 e, g e, handler xw2w1g, g done, w1 done, w2 done\n" +
			"ret yg\tg e, handler yg, g done\nret z\thandler z\nnil\thooked e\ttrue\n",
	})
}
