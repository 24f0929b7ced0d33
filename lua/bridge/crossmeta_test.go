package bridge

import "testing"

// objProvider hands out library objects through an item's functions;
// objConsumer, in another state, uses them with its own copies of the
// libraries, and hands them back.
const objProvider = `
local errors = require "util.error"
local st = require "util.stanza"
local set = require "util.set"
local array = require "util.array"
module:add_item("objects", {
	name = "objects",
	error = function() return errors.new({ type = "auth", condition = "forbidden", text = "Go away" }, { who = "me" }) end,
	stanza = function() return st.message({ to = "a@b" }, "hi"):tag("x", { xmlns = "urn:x" }):text("inner"):up() end,
	set = function() return set.new({ "a", "b" }) end,
	twice = function() local s = set.new({ "x" }); return { s, s } end,
	array = function() return array({ 3, 1, 2 }) end,
	ip = function() return require "util.ip".new_ip("192.0.2.1") end,
	throttle = function() return require "util.throttle".create(2, 10) end,
	check = function(e, s) return tostring(errors.is_error(e)) .. " " .. tostring(st.is_stanza(s)) .. " " .. tostring(s:get_child_text("x", "urn:x")) end,
})
`

const objConsumer = `
local errors = require "util.error"
local st = require "util.stanza"
local set = require "util.set"
local objects = module:get_host_items("objects")[1]
function use()
	local e, s, items, a = objects.error(), objects.stanza(), objects.set(), objects.array()
	local ip, throttle = objects.ip(), objects.throttle()
	items:add("c")
	return table.concat({
		tostring(errors.is_error(e)), tostring(e), e.context.who,
		tostring(st.is_stanza(s)), tostring(s), s:get_child_text("x", "urn:x"), s:get_child("x", "urn:x"):get_text(),
		tostring(set.is_set(items)), tostring(items:contains("a")), tostring(items:contains("c")), tostring(#tostring(items)),
		a:sort():concat(","), tostring(getmetatable(a) ~= nil),
		tostring(ip), tostring(ip.private), tostring(require "util.ip".match(ip, require "util.ip".new_ip("192.0.2.0"), 24)),
		tostring(throttle:poll(1)), tostring(throttle:poll(2)),
		objects.check(e, s),
		tostring(rawequal(objects.twice()[1], objects.twice()[1])),
	}, "|")
end
function twice()
	local pair = objects.twice()
	pair[1]:add("y")
	return tostring(rawequal(pair[1], pair[2])) .. " " .. tostring(pair[2]:contains("y"))
end
`

// A util.error object, a stanza, a set, an array, an IP address and a
// throttle returned by another
// module's function keep being what they were (the library's checks,
// methods, tostring) in the caller's state, and going back.
func TestLibraryObjectsCrossStates(t *testing.T) {
	tr := newTestRuntime(t, ``, map[string]string{"prov": objProvider, "cons": objConsumer})
	tr.load(t, "prov")
	cons := tr.load(t, "cons")
	got, err := callGlobal(cons, "use")
	if err != nil {
		t.Fatal(err)
	}
	want := "true|error<auth:forbidden:Go away>|me|" +
		"true|<message to='a@b'><body>hi</body><x xmlns='urn:x'>inner</x></message>|inner|inner|" +
		"true|true|true|7|" +
		"1,2,3|true|" +
		"192.0.2.1|false|true|" +
		"true|false|" +
		"true true inner|false"
	if got != want {
		t.Errorf("use:\n%s\nwant\n%s", got, want)
	}
	if got, err := callGlobal(cons, "twice"); err != nil || got != "true true" {
		t.Errorf("one set met twice: %q, %v", got, err)
	}
}
