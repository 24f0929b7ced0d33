package bridge

import (
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

// Bugs of gopher-lua v1.1.2 that moonport's fork fixes, seen from a module
// (third_party/gopher-lua/MOONPORT.md): upvalues closed by a caught error
// (yuin/gopher-lua#448), error()'s level, a yield from a tail call. Each
// body means the same in Lua 5.1 and 5.4.
var gluaFixCases = []string{
	// A module's state in a local shared with its handlers, written after
	// a pcall caught an error.
	`local count = 0
	local function on_event() count = count + 1 end
	local ok = pcall(error, "boom")
	on_event(); on_event()
	return count .. " " .. tostring(ok)`,
	`local f
	xpcall(function() local x = 1; f = function() x = x + 1; return x end; error("e") end, debug.traceback)
	local a, b = "p", "q"
	return f() .. f() .. a .. b`,
	// An argument check blames its caller's line.
	`local function check(v) if type(v) ~= "number" then error("number expected", 2) end return v end
	local line
	local ok, err = pcall(function()
		line = debug.getinfo(1, "l").currentline; check("x")
	end)
	return tostring(err:match(":(%d+): number expected$") == tostring(line))`,
	`local co = coroutine.create(function() return coroutine.yield("t") end)
	local _, first = coroutine.resume(co)
	local ok, second = coroutine.resume(co, "back")
	return first .. " " .. tostring(ok) .. " " .. second .. " " .. coroutine.status(co)`,
}

var gluaFixWant = []string{"2 false", "23pq", "true", "t true back dead"}

func TestGluaFixes(t *testing.T) {
	expectCases(t, gluaFixCases, gluaFixWant)
}

func TestGluaFixesLua54(t *testing.T) {
	expectCases(t, gluaFixCases, testenv.ProsodyLuaCases(t, gluaFixCases...))
}

// A coroutine cannot yield across pcall, a metamethod or an iterator: Lua
// 5.1 raises an error there (5.4 allows it), where v1.1.2 broke the
// coroutine and crashed the next resume with a Go nil-pointer dereference.
func TestYieldAcrossPcall(t *testing.T) {
	const boundary = "attempt to yield across metamethod/C-call boundary"
	cases := []string{
		`local co = coroutine.create(function() return pcall(coroutine.yield, 1) end)
		local a, b, c = coroutine.resume(co)
		return tostring(a) .. " " .. tostring(b) .. " " .. c .. " " .. coroutine.status(co)`,
		`local co = coroutine.wrap(function()
			return xpcall(function() coroutine.yield(1) end, function(m) return m end)
		end)
		local ok, err = co()
		return tostring(ok) .. " " .. err`,
		`local co = coroutine.create(function() for _ in function() coroutine.yield(1) end do end end)
		local ok, err = coroutine.resume(co)
		return tostring(ok) .. " " .. err .. " " .. coroutine.status(co)`,
	}
	want := []string{"true false " + boundary + " dead", "false " + boundary, "false " + boundary + " dead"}
	expectCases(t, cases, want)
}
