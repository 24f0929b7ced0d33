package lua

// moonport: tests of the fix for upvalues closed by a caught error
// (yuin/gopher-lua#448, see MOONPORT.md). Each want line is what lua5.4
// prints for the same snippet.

import "testing"

const pcallUpvalueScript = `
do local n = 0; local function inc() n = n + 1 end; pcall(error, "x"); inc(); show("issue", n) end
do local a; local function use() return a end; pcall(function() error("e") end); a = 5; show("448", use()) end
do local c = 0; local function get() return c end; pcall(error, {}); c = c + 1; show("table-error", get(), c) end
do local c = 0; local function bump() c = c + 1 end; pcall(function() bump(); error("e") end); bump(); show("bump", c) end
do local c = 0; local function get() return c end; pcall(function() local z = 1 + nil end); c = 4; show("runtime-error", get()) end
do local c = 0; local function get() return c end; pcall(pcall, error, "x"); c = 5; show("nested", get()) end
do local c = 0; local g = function() return c end; for i = 1, 3 do pcall(error, i); c = c + i end; show("loop", g()) end
do local c = 0; local function get() return c end; xpcall(error, function(m) return m end, "x"); c = 3; show("xpcall-outer", get()) end
do local function outer() local c = 0; local get = function() return c end; pcall(function() local y = 1; error("deep") end); c = c + 10; return get() end; show("function-level", outer()) end
do local f; xpcall(function() local x = 1; f = function() x = x + 1; return x end; error("e") end, function(m) return m end); local p, q, r = 7, 8, 9; show("xpcall-unwound", f(), f(), p, q, r) end
do local f; pcall(function() local x = 1; f = function() x = x + 1; return x end; error("e") end); local p, q, r = 7, 8, 9; show("pcall-unwound", f(), f(), p, q, r) end
do local f; local function g() local x = 1; f = function() x = x + 1; return x end; local function h() error("h") end; h() end; pcall(g); local a, b = "p", "q"; show("deep-unwound", f(), f(), a, b) end
do local log; local ok, m = xpcall(function() local x = 1; log = function() return x end; x = 2; error("e") end, function(m) return log() end); show("handler-sees-live", ok, m) end
do local c = 0; local co = coroutine.create(function() local function get() return c end; pcall(error, "x"); c = 9; coroutine.yield(get()) end); show("coroutine", coroutine.resume(co)) end
do local f; local co = coroutine.create(function() local x = 1; f = function() x = x + 1; return x end; error("e") end); coroutine.resume(co); show("coroutine-dead", f(), f()) end
do local c = 0; local get = function() return c end; pcall(coroutine.wrap(function() error("w") end)); c = 7; show("wrap-error", get()) end
`

var pcallUpvalueWant = []string{
	"issue 1", "448 5", "table-error 1 1", "bump 2", "runtime-error 4", "nested 5", "loop 6",
	"xpcall-outer 3", "function-level 10", "xpcall-unwound 2 3 7 8 9", "pcall-unwound 2 3 7 8 9",
	"deep-unwound 2 3 p q", "handler-sees-live false 2", "coroutine true 9", "coroutine-dead 2 3",
	"wrap-error 7",
}

func TestCaughtErrorKeepsUpvaluesOpen(t *testing.T) {
	checkShown(t, pcallUpvalueScript, pcallUpvalueWant)
}
