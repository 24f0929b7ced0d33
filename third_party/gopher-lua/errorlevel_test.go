package lua

// moonport: tests of the fix for error()'s level (see MOONPORT.md). Each
// want line is what lua5.1 prints for the same snippet after showPrelude
// (line numbers count from the start of showPrelude).

import "testing"

const errorLevelScript = `
-- at strips the chunk name from an error message, keeping its line.
local function at(ok, m) return ok, type(m) == "string" and (m:gsub("^[^:]*:(%d+):", "line %1:")) or m end
local function f2(m) error(m, 2) end
local function caller()
	f2("level 2")
end
show("named-caller", at(pcall(caller)))
show("anonymous-caller", at(pcall(function()
	f2("level 2")
end)))
local function f1() error("level 1") end
show("level-1", at(pcall(f1)))
local function f3() error("level 3", 3) end
local function middle() f3() end
show("level-3", at(pcall(function()
	middle()
end)))
local strict = setmetatable({}, {__index = function(_, k) error("no field " .. k, 2) end})
show("metamethod", at(pcall(function()
	return strict.x
end)))
local function check(v) if type(v) ~= "number" then error("number expected, got " .. type(v), 2) end return v end
show("argument-check", at(pcall(function()
	return check(1) + check("x")
end)))
local function f0() error("level 0", 0) end
show("level-0", at(pcall(f0)))
local t = {}
local function ft() error(t, 2) end
show("table-value", select(2, pcall(ft)) == t)
`

var errorLevelWant = []string{
	"named-caller false line 13: level 2",
	"anonymous-caller false line 17: level 2",
	"level-1 false line 19: level 1",
	"level-3 false line 24: level 3",
	"metamethod false line 28: no field x",
	"argument-check false line 32: number expected, got string",
	"level-0 false level 0",
	"table-value true",
}

func TestErrorLevel(t *testing.T) {
	checkShown(t, errorLevelScript, errorLevelWant)
}
