package bridge

import "testing"

var setOpsSnippets = map[string]string{
	"ops": `
local set = require "util.set"
local function show(s)
	local items = {}
	for item in s do items[#items + 1] = tostring(item) end
	table.sort(items)
	return "{" .. table.concat(items, ",") .. "}"
end
local a, b = set.new { "a", "b", "c" }, set.new { "b", "c", "d" }
print(show(a + b), show(a - b), show(set.intersection(a, b)), show(set.xor(a, b)), show(a / function(x) return x ~= "b" and x:upper() or nil end))
print(a == set.new { "c", "b", "a" }, a == b, set.is_set(a), set.is_set({}), tostring(set.new { "only" }), tostring(set.new()))
print(a:contains_set(set.new { "a", "c" }), a:contains_set(b), a:empty(), set.new():empty())
a:add_list { "x", "y" }; a:include(set.new { "z" }); a:exclude(set.new { "a", "y" })
print(show(a))
local n = 0
for item in a._items do n = n + 1 end
print(n)
`,
}

// util.set's operators, functions and the methods Prosody's mod_http
// uses against Prosody's util.set (items listed sorted: a set has no
// order).
func TestUtilSetOperations(t *testing.T) {
	sameAsProsody(t, setOpsSnippets, nil)
}
