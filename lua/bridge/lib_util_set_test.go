package bridge

import "testing"

// util.set and module:get_option_set make the same sets: contains, add,
// remove, empty, and items, an iterator that keeps its own place.
func TestUtilSet(t *testing.T) {
	inst := newTestRuntime(t, `fruit = { "apple", "pear" }`, map[string]string{"set": `
local set = require "util.set"
local function describe(s)
	local items = {}
	for item in s:items() do items[#items + 1] = item end
	table.sort(items)
	return table.concat(items, ",") .. (s:empty() and " empty" or "")
end
function ops()
	local s = set.new({ "a", "b" })
	local out = { tostring(s:contains("a")), tostring(s:contains("z")) }
	s:add("c"); s:remove("a")
	out[#out + 1] = describe(s)
	s:remove("b"); s:remove("c")
	out[#out + 1] = describe(s)
	out[#out + 1] = describe(set.new())
	local other = set.new({ "x" })
	out[#out + 1] = tostring(s.contains(other, "x")) -- a method acts on its own set
	return table.concat(out, " | ")
end
function stepping()
	local s = set.new({ "only" })
	local next_item = s:items()
	return tostring(next_item()) .. " " .. tostring(next_item())
end
function option() return describe(module:get_option_set("fruit")) .. " " .. tostring(module:get_option_set("none")) end
`}).load(t, "set")
	for fn, want := range map[string]string{
		"ops":      "true | false | b,c |  empty |  empty | false",
		"stepping": "only nil",
		"option":   "apple,pear nil",
	} {
		if got, err := callGlobal(inst, fn); err != nil || got != want {
			t.Errorf("%s: %q %v, want %q", fn, got, err, want)
		}
	}
}
