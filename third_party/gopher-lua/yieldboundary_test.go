package lua

// moonport: tests of the error for a yield across a Go call, and of yields
// from a tail call (see MOONPORT.md). Each want line is what lua5.1 prints
// for the same snippet.

import "testing"

const yieldBoundaryScript = `
-- steps resumes a coroutine running f until it is dead (at most 3
-- times, the first time with ...) and returns what each resume returned.
local function steps(f, ...)
	local co, r = coroutine.create(f), {}
	local args = {...}
	for _ = 1, 3 do
		local got = {coroutine.resume(co, unpack(args))}
		for i = 1, #got do r[#r + 1] = tostring(got[i]) end
		r[#r + 1] = coroutine.status(co)
		if r[#r] == "dead" then break end
		args = {"resumed"}
	end
	return unpack(r)
end
local function msg(m) return m end
show("xpcall", steps(function() return xpcall(function() coroutine.yield(1) end, msg) end))
show("xpcall-wrap", pcall(coroutine.wrap(function() return xpcall(function() coroutine.yield(1) end, msg) end)))
show("pcall", steps(function() return pcall(coroutine.yield, 1) end))
show("pcall-function", steps(function() return pcall(function() coroutine.yield(1) end) end))
show("iterator", steps(function() for _ in function() coroutine.yield(1) end do end end))
show("index", steps(function() return setmetatable({}, {__index = function() coroutine.yield(1) end}).x end))
show("sort", steps(function() table.sort({2, 1}, function(a, b) coroutine.yield(1) return a < b end) end))
show("gsub", steps(function() return (string.gsub("a", ".", function() coroutine.yield(1) end)) end))
show("after-caught", steps(function() pcall(function() for _ in function() error("e") end do end end); local v = coroutine.yield("after"); return v end))
show("after-handler-error", steps(function() xpcall(error, function() for _ in function() error("h") end do end end); local v = coroutine.yield("after"); return v end))
show("inner-coroutine", steps(function() return pcall(function() return coroutine.wrap(function() coroutine.yield(5) end)() end) end))
show("nested-function", steps(function() local function f() local v = coroutine.yield("n"); return v end; local v = f(); return v end))
show("tail", steps(function() return coroutine.yield("t") end))
show("tail-none", steps(function() return coroutine.yield() end))
show("tail-args", steps(function(a, b) return coroutine.yield(a, b) end, 1, 2))
show("tail-nested", steps(function() local function f() return coroutine.yield("n") end; local a, b = f(); return a, b, "end" end))
do local w = coroutine.wrap(function(...) return coroutine.yield(...) end); local a, b = w(3, 4); show("tail-wrap", a, b, w(5, 6)) end
show("tail-twice", steps(function() local function f(v) return coroutine.yield(v) end; f("one"); return f("two") end))
`

var yieldBoundaryWant = []string{
	"xpcall true false attempt to yield across metamethod/C-call boundary dead",
	"xpcall-wrap true false attempt to yield across metamethod/C-call boundary",
	"pcall true false attempt to yield across metamethod/C-call boundary dead",
	"pcall-function true false attempt to yield across metamethod/C-call boundary dead",
	"iterator false attempt to yield across metamethod/C-call boundary dead",
	"index false attempt to yield across metamethod/C-call boundary dead",
	"sort false attempt to yield across metamethod/C-call boundary dead",
	"gsub false attempt to yield across metamethod/C-call boundary dead",
	"after-caught true after suspended true resumed dead",
	"after-handler-error true after suspended true resumed dead",
	"inner-coroutine true true 5 dead",
	"nested-function true n suspended true resumed dead",
	"tail true t suspended true resumed dead",
	"tail-none true suspended true resumed dead",
	"tail-args true 1 2 suspended true resumed dead",
	"tail-nested true n suspended true resumed nil end dead",
	"tail-wrap 3 4 5 6",
	"tail-twice true one suspended true two suspended true resumed dead",
}

func TestYieldAcrossGoCall(t *testing.T) {
	checkShown(t, yieldBoundaryScript, yieldBoundaryWant)
}
