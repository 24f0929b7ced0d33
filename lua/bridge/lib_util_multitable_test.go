package bridge

import (
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

// multitableDump is Lua that defines dump(t): the tree, keys sorted, and
// sorted(list): a list's items sorted as strings.
const multitableDump = `local multitable = require "util.multitable"
local function dump(t)
	if type(t) ~= "table" then return tostring(t) end
	local keys = {}
	for k in pairs(t) do keys[#keys + 1] = k end
	table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
	local out = {}
	for _, k in ipairs(keys) do out[#out + 1] = tostring(k) .. "=" .. dump(t[k]) end
	return "{" .. table.concat(out, ",") .. "}"
end
local function sorted(list)
	local out = {}
	for i, v in ipairs(list) do out[i] = dump(v) end
	table.sort(out)
	return table.concat(out, " ")
end
local function fill()
	local m = multitable.new()
	m:set("alice", "home", "x", 1)
	m:set("alice", "work", "y", 2)
	m:set("bob", "home", "z", 3)
	m:set("bob", "phone", "w", 4)
	m:add("carol", "list", "a")
	m:add("carol", "list", "b")
	return m
end
`

var multitableCases = []string{
	multitableDump + `local m = fill()
	return dump(m.data) .. "\n" .. dump(m:get("alice")) .. " " .. dump(m:get("alice", "home", "x")) .. " " ..
		dump(m:get("nobody", "x")) .. " " .. dump(m:get()) .. " " .. dump(m:get("carol", "list"))`,
	multitableDump + `local m = fill()
	local r = {}
	r[#r + 1] = sorted(m:search("alice", nil, nil))
	r[#r + 1] = sorted(m:search(nil, "home", nil))
	r[#r + 1] = sorted(m:search(nil, nil, "z"))
	r[#r + 1] = sorted(m:search("bob", "home"))
	r[#r + 1] = sorted(m:search("bob", "nothing", "z"))
	r[#r + 1] = sorted(m:search_add({ "kept" }, "alice", "work", "y"))
	r[#r + 1] = sorted(m:search_add(nil, nil, "phone", nil))
	return table.concat(r, "\n")`,
	multitableDump + `local m = fill()
	local r = {}
	m:remove("alice", "home", "x")
	r[#r + 1] = dump(m.data)
	m:remove(nil, "phone", "w")
	r[#r + 1] = dump(m.data)
	m:remove("carol", "list")
	r[#r + 1] = dump(m.data)
	m:remove("bob", nil, "z")
	r[#r + 1] = dump(m.data)
	m:remove("nobody", "x", "y")
	r[#r + 1] = dump(m.data)
	return table.concat(r, "\n")`,
	multitableDump + `local m = fill()
	local r = {}
	for _, q in ipairs({ { nil, nil, nil }, { "bob", nil, nil }, { nil, "home", nil }, { "alice", nil } }) do
		local rows = {}
		for a, b, c, d in m:iter(q[1], q[2], q[3]) do rows[#rows + 1] = { a, b, c, d } end
		r[#r + 1] = sorted(rows)
	end
	local rows = {}
	for a, b in multitable.iter(m, "carol") do rows[#rows + 1] = { a, b } end
	r[#r + 1] = sorted(rows)
	return table.concat(r, "\n")`,
}

// util.multitable against Prosody's own.
func TestUtilMultitableProsody(t *testing.T) {
	expectCases(t, multitableCases, testenv.ProsodyLuaCases(t, multitableCases...))
}

func TestUtilMultitable(t *testing.T) {
	expectCases(t, []string{multitableDump + `local m = fill(); m:remove("bob", nil, "z"); return dump(m:get("bob")) .. " " .. sorted(m:search("alice", nil, nil))`},
		[]string{"{phone={w=4}} 1 2"})
}
