package bridge

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

// A coroutine costs no goroutine, however many are left suspended, and
// the run budget still stops a loop inside one.
func TestAbandonedCoroutinesCostNoGoroutine(t *testing.T) {
	tr := newTestRuntime(t, "lua_timeout = 0.2\n", map[string]string{"co": `
function abandon(n)
	for i = 1, n do
		local co = coroutine.create(function() coroutine.yield() end)
		coroutine.resume(co)
		local f = coroutine.wrap(function() coroutine.yield() end)
		f()
	end
	return "made"
end
function spin_inside()
	local f = coroutine.wrap(function() while true do end end)
	f()
end
function nested()
	return coroutine.wrap(function()
		local inner = coroutine.wrap(function(a) local b = coroutine.yield(a + 1); return b * 2 end)
		return inner(1) + inner(10)
	end)()
end
`})
	inst := tr.load(t, "co")
	before := runtime.NumGoroutine()
	for i := 0; i < 10; i++ { // in short callbacks: the budget is tight under -race
		if out, err := callGlobal(inst, "abandon", 50); err != nil || out != "made" {
			t.Fatalf("abandon: %q %v", out, err)
		}
	}
	if grown := runtime.NumGoroutine() - before; grown > 20 {
		t.Errorf("1000 abandoned coroutines left %d more goroutines", grown)
	}
	start := time.Now()
	_, err := callGlobal(inst, "spin_inside")
	if err == nil || !strings.Contains(err.Error(), "lua_timeout") {
		t.Fatalf("a loop inside a coroutine was not stopped: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("stopped after %s for a budget of 200ms", d)
	}
	if out, err := callGlobal(inst, "nested"); err != nil || out != "22" {
		t.Errorf("nested coroutines: %q %v", out, err)
	}
}

// lua_timeout names the module line where it stopped the callback, and
// stops allocation-heavy loops close to the budget (string.gsub on a
// large subject used to run for seconds in one uninterruptible call).
func TestTimeoutNamesTheLineAndKeepsTime(t *testing.T) {
	tr := newTestRuntime(t, "lua_timeout = 0.3\nlua_memory_limit = 0\n", map[string]string{"spin": `
function churn()
	local t = {}
	local i = 0
	while true do
		i = i + 1
		t[i % 5000 + 1] = { i, tostring(i) .. "x" }
	end
end
function subst()
	local s = string.rep("a", 100000)
	while true do s:gsub("a", "bb") end
end
`})
	inst := tr.load(t, "spin")
	for _, fn := range []string{"churn", "churn", "subst", "subst"} {
		start := time.Now()
		_, err := callGlobal(inst, fn)
		took := time.Since(start)
		if err == nil || !strings.Contains(err.Error(), "mods/mod_spin.lua:") || !strings.Contains(err.Error(), "lua_timeout (300ms)") {
			t.Fatalf("error %v, want the file:line and lua_timeout", err)
		}
		t.Logf("%s stopped after %s", fn, took)
		if took > 900*time.Millisecond {
			t.Errorf("a 300ms budget stopped the loop after %s", took)
		}
	}
}

// os.exit cannot end the host: it is an error naming the module's line.
func TestOsExitIsRefused(t *testing.T) {
	tr := newTestRuntime(t, "", map[string]string{"quit": `
function quit()
	os.exit(3)
end
function still() return "here" end
`})
	inst := tr.load(t, "quit")
	_, err := callGlobal(inst, "quit")
	if err == nil || !strings.Contains(err.Error(), "mods/mod_quit.lua:3:") || !strings.Contains(err.Error(), "os.exit") {
		t.Fatalf("os.exit: %v", err)
	}
	if out, err := callGlobal(inst, "still"); out != "here" || err != nil {
		t.Errorf("after os.exit: %q %v", out, err)
	}
}

// A flood of Lua errors (a client sending bad input over and over) logs
// the first few each second and then one line counting the rest.
func TestLuaErrorsAreRateLimited(t *testing.T) {
	tr := newTestRuntime(t, "", map[string]string{"bad": `
function bad(n) error("bad input " .. n) end
`})
	inst := tr.load(t, "bad")
	for i := 0; i < 300; i++ {
		if _, err := callGlobal(inst, "bad", float64(i)); err == nil {
			t.Fatal("no error")
		}
	}
	summary := tr.log.wait(t, "more Lua error(s)", "suppressed")
	if n := len(tr.log.lines("bad input")); n > 2*errorBurst || n < 1 {
		t.Errorf("%d error lines logged for 300 errors in a burst", n)
	}
	if !strings.Contains(summary, "module=bad") {
		t.Errorf("summary does not name the module: %s", summary)
	}
}
