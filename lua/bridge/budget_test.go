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
	// lua_timeout is on, so the state carries the budget context (what
	// made each coroutine cost a goroutine), but generous: the budget is
	// wall time, and on a loaded machine under -race even short callbacks
	// were stopped at 200 ms before they could make their coroutines.
	tr := newTestRuntime(t, "lua_timeout = 60\n", map[string]string{"co": `
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
	// The baseline is taken after a first callback, once whatever the
	// runtime starts lazily runs, and the count is then awaited: other
	// goroutines (an earlier test's winding down) come and go meanwhile,
	// but a goroutine per coroutine would stay, 1000 of them.
	if out, err := callGlobal(inst, "abandon", 1); err != nil || out != "made" {
		t.Fatalf("abandon: %q %v", out, err)
	}
	before := runtime.NumGoroutine()
	for i := 0; i < 10; i++ {
		if out, err := callGlobal(inst, "abandon", 50); err != nil || out != "made" {
			t.Fatalf("abandon: %q %v", out, err)
		}
	}
	grown := runtime.NumGoroutine() - before
	for deadline := time.Now().Add(10 * time.Second); grown > 20 && time.Now().Before(deadline); {
		runtime.Gosched()
		time.Sleep(10 * time.Millisecond) // polling a count: there is nothing to wait on
		grown = runtime.NumGoroutine() - before
	}
	if grown > 20 {
		t.Errorf("1000 abandoned coroutines left %d more goroutines", grown)
	}
	// Now the budget the loop must meet, as a reload would set it.
	budget := 200 * time.Millisecond
	tr.limits.Store(&Budget{Timeout: budget, Memory: tr.budget().Memory})
	took, err := timed(t, 30*time.Second, func() error { _, err := callGlobal(inst, "spin_inside"); return err })
	if err == nil || !strings.Contains(err.Error(), "lua_timeout (200ms)") {
		t.Fatalf("a loop inside a coroutine was not stopped: %v", err)
	}
	if took < budget {
		t.Errorf("stopped after %s, before its budget of %s", took, budget)
	}
	t.Logf("stopped after %s", took)
	if out, err := callGlobal(inst, "nested"); err != nil || out != "22" {
		t.Errorf("nested coroutines: %q %v", out, err)
	}
}

// timed runs a callback a budget must stop and says how long it ran; it
// fails the test if the callback is still running after bound, far past
// any budget it is given (the runtime's Stop then ends it).
func timed(t *testing.T, bound time.Duration, call func() error) (time.Duration, error) {
	t.Helper()
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- call() }()
	select {
	case err := <-done:
		return time.Since(start), err
	case <-time.After(bound):
		t.Fatalf("the callback was still running after %s", bound)
		return 0, nil
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
	const budget = 300 * time.Millisecond
	for _, fn := range []string{"churn", "churn", "subst", "subst"} {
		var err error
		start := time.Now()
		cpu, measured := onCPU(func() { _, err = callGlobal(inst, fn) })
		took := time.Since(start)
		if err == nil || !strings.Contains(err.Error(), "mods/mod_spin.lua:") || !strings.Contains(err.Error(), "lua_timeout (300ms)") {
			t.Fatalf("error %v, want the file:line and lua_timeout", err)
		}
		t.Logf("%s stopped after %s (%s on the CPU)", fn, took, cpu)
		if took < budget {
			t.Errorf("stopped after %s, before the budget", took)
		}
		// "Close to the budget" is bounded in the work the callback did
		// after it: on a loaded machine the wall time it took grew past
		// any fixed bound while it waited for a CPU, but one gsub that
		// cannot be stopped still runs for seconds on one.
		if !measured {
			cpu = took
		}
		if cpu > 3*budget {
			t.Errorf("a %s budget stopped the loop after %s on the CPU", budget, cpu)
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

// A pcall, an xpcall handler or a coroutine in the module cannot swallow
// the stop: the callback ends with it, and the next one runs normally.
func TestTimeoutCannotBeCaught(t *testing.T) {
	tr := newTestRuntime(t, "lua_timeout = 0.2\n", map[string]string{"catch": `
function caught()
	while true do pcall(function() while true do end end) end
end
function handled()
	while true do xpcall(function() while true do end end, function(e) return e end) end
end
function resumed()
	local co = coroutine.wrap(function() while true do pcall(coroutine.yield) end end)
	while true do pcall(co) end
end
function fine() local n = 0; for i = 1, 1000 do n = n + i end; return n end
`})
	inst := tr.load(t, "catch")
	for _, fn := range []string{"caught", "handled", "resumed"} {
		_, err := timed(t, 30*time.Second, func() error { _, err := callGlobal(inst, fn); return err })
		if err == nil || !strings.Contains(err.Error(), "mods/mod_catch.lua:") || !strings.Contains(err.Error(), "lua_timeout (200ms)") {
			t.Fatalf("%s: error %v, want the file:line and lua_timeout", fn, err)
		}
		if out, err := callGlobal(inst, "fine"); out != "500500" || err != nil {
			t.Fatalf("after %s was stopped: %q %v", fn, out, err)
		}
	}
}

// A cancel that lands after a callback has ended (the watchdog looked
// while it still ran) does not stop the next callback.
func TestLateCancelSparesTheNextCallback(t *testing.T) {
	tr := newTestRuntime(t, "lua_timeout = 60\n", map[string]string{"late": `
function fine() local n = 0; for i = 1, 1000 do n = n + i end; return n end
`})
	inst := tr.load(t, "late")
	if out, err := callGlobal(inst, "fine"); out != "500500" || err != nil {
		t.Fatalf("fine: %q %v", out, err)
	}
	inst.ctx.cancel(errTimeout(time.Minute), always) // as the watchdog, late
	if out, err := callGlobal(inst, "fine"); out != "500500" || err != nil {
		t.Fatalf("the callback after a late cancel: %q %v", out, err)
	}
}
