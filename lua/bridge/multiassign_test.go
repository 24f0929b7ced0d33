package bridge

import (
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

// Multiple assignments gopher-lua v1.1.2 miscompiled (yuin/gopher-lua#440;
// moonport's fork fixes it, third_party/gopher-lua/MOONPORT.md). Each body
// means the same in Lua 5.1 and 5.4.
var multiAssignCases = []string{
	`local x, y = 1, 2; x, y = y, x; return x .. " " .. y`,
	`local a, b = 0, 0; a, b = a + 1, a + b; return a .. " " .. b`,
	`local a, b = 0, 1; for i = 1, 10 do a, b = b, a + b end; return a .. " " .. b`,
	`local t = {1, 2}; t[1], t[2] = t[2], t[1]; return t[1] .. " " .. t[2]`,
	`local a, b, c = 1, 2, 3; a, b, c = c, a, b; return a .. b .. c`,
	`local t, a = {}, 5; t.x, a = a, 1; return t.x .. " " .. a`,
	`local t = {}; local old = t; t.x, t = 1, {}; return tostring(old.x) .. " " .. tostring(t.x)`,
	`local a, t = 5, {}; mp_g, t.x = 1, a; return mp_g .. " " .. t.x`,
	`local a, b, c = 1, 2, 3; local function f() return a + b, c end; a, b, c = c, f(); return a .. b .. c`,
	`local u, v = 1, 2; local function f() u, v = v, u end; f(); return u .. v`,
	`local i, t = 1, {10, 20}; i, t[i] = i + 1, 99; return i .. " " .. t[1] .. " " .. t[2]`,
	`local a, b = 1, 2; a, b = b; return tostring(a) .. tostring(b)`,
	// A queue's head/tail update as real libraries write it.
	`local head, tail, items = 1, 0, {}
	for i = 1, 3 do tail, items[tail + 1] = tail + 1, i end
	local first; first, items[head], head = items[head], nil, head + 1
	return first .. " " .. head .. " " .. tail .. " " .. tostring(items[1])`,
}

// Known answers, so the fix is checked where lua5.4 is not installed.
var multiAssignWant = []string{
	"2 1", "1 0", "55 89", "2 1", "312", "5 1", "1 nil", "1 5", "333", "21", "2 99 20", "2nil",
	"1 2 3 nil",
}

func TestMultipleAssignment(t *testing.T) {
	expectCases(t, multiAssignCases, multiAssignWant)
}

func TestMultipleAssignmentLua54(t *testing.T) {
	expectCases(t, multiAssignCases, testenv.ProsodyLuaCases(t, multiAssignCases...))
}
