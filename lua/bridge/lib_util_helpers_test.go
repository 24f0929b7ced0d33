package bridge

import "testing"

// helpersSetup defines addr(s), s with the addresses of functions and
// tables taken out (they differ between the two Lua implementations),
// and an events object whose handlers have only local upvalues (in Lua
// 5.4 a global would add _ENV). The count is kept in a table: gopher-lua
// (yuin/gopher-lua#448) cuts a local from the closures sharing it once a
// pcall has caught an error.
const helpersSetup = `
local helpers = require "util.helpers"
local events = require "util.events".new()
local function addr(s) return (tostring(s):gsub("(%a+): 0x%x+", "%1")) end
local count, label, password, n = { 0 }, "labelled", "secret", 5
local function counting(data) count[1] = count[1] + data.step end
local function answering() return label .. password end
local function numbered() return n end
events.add_handler("b-event", counting, 10)
events.add_handler("b-event", answering, 1)
events.add_handler("a-event", numbered)
`

var helpersSnippets = map[string]string{
	"show_events": helpersSetup + `
print(addr(helpers.show_events(events)))
print(addr(helpers.show_events(events, "a-event")), helpers.show_events(events, "none") == "")
`,
	"log_events": helpersSetup + `
local logged = {}
local function logger(level, fmt, a, b, c)
	logged[#logged + 1] = level .. " " .. addr(fmt:format(tostring(a), tostring(b), tostring(c)))
end
local original = events.fire_event
print(helpers.log_events(events, "ev", logger) == events, events.fire_event ~= original, events[events.fire_event] == original)
print(events.fire_event("b-event", { step = 2 }), count[1])
print(events.fire_event("a-event"), events.fire_event("none"))
events.add_handler("c-event", function() error("handler failed") end)
local ok, err = pcall(events.fire_event, "c-event")
print(ok, (err:gsub("^.-handler", "handler")))
for _, l in ipairs(logged) do print((l:gsub("function: .-handler failed.*", "function: handler failed"))) end
helpers.revert_log_events(events)
logged = {}
print(events.fire_event == original, events.fire_event("b-event", { step = 1 }), count[1], #logged)
local ok2, err2 = pcall(helpers.log_events, {})
print(ok2, (err2:gsub("^.-Object", "Object")))
prosody = { hosts = { ["example.com"] = { events = events } } }
helpers.log_host_events("example.com")
print(events.fire_event ~= original)
helpers.revert_log_host_events("example.com")
print(events.fire_event == original)
`,
}

func TestUtilHelpersDifferential(t *testing.T) {
	sameAsProsody(t, helpersSnippets, nil)
}

// get_upvalue finds a function's upvalue by name (Prosody's calls a
// function util.debug does not have, and fails).
func TestUtilHelpersGetUpvalue(t *testing.T) {
	got := moonportPrints(t, helpersSetup+`
print(helpers.get_upvalue(answering, "label"), helpers.get_upvalue(numbered, "n"), helpers.get_upvalue(answering, "nope"))`)
	if got != "labelled\t5\tnil\n" {
		t.Errorf("got %q", got)
	}
}
