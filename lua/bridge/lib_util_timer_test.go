package bridge

import (
	"testing"
	"time"
)

// eventually calls the module's global fn until it returns want.
func eventually(t *testing.T, inst *Instance, fn, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := callGlobal(inst, fn)
		if err == nil && got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %q %v, want %q", fn, got, err, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Timers run on the module's loop: a returned number runs them again,
// stop ends them, reschedule moves them, and module:add_timer passes the
// time and its arguments.
func TestTimers(t *testing.T) {
	inst := newTestRuntime(t, "", map[string]string{"timer": `
local timer = require "util.timer"
local server = require "net.server"
log = {}
local function note(s) log[#log + 1] = s end
function start()
	local n = 0
	timer.add_task(0.001, function() n = n + 1; note("repeat " .. n); if n < 3 then return 0.001 end end)
	server.add_task(0.001, function() note("server") end)
	module:add_timer(0.001, function(now, a, b) note(type(now) .. " " .. a .. b) end, "x", "y")
	local stopped = module:add_timer(0.001, function() note("stopped timer ran") end)
	stopped:stop()
	local moved = module:add_timer(3600, function() note("moved") end)
	moved:reschedule(0.001)
end
function show()
	local copy = { unpack(log) }
	table.sort(copy)
	return table.concat(copy, ", ")
end
`}).load(t, "timer")
	if _, err := callGlobal(inst, "start"); err != nil {
		t.Fatal(err)
	}
	eventually(t, inst, "show", "moved, number xy, repeat 1, repeat 2, repeat 3, server")
	time.Sleep(20 * time.Millisecond)
	eventually(t, inst, "show", "moved, number xy, repeat 1, repeat 2, repeat 3, server")
}

// In the sandbox a timer is kept (its object stops and reschedules) but
// never fires: util.timer's, module:add_timer's and a promise's next tick
// have no Go timer behind them.
func TestSandboxTimersNeverFire(t *testing.T) {
	const mod = `
local timer = require "util.timer"
local promise = require "util.promise"
local t1 = timer.add_task(0, function() module:log("error", "util.timer fired") end)
local t2 = module:add_timer(0, function() module:log("error", "module timer fired") end)
t2:reschedule(0)
promise.new(function(resolve) resolve() end)
`
	tr := newTestRuntime(t, "", map[string]string{"timers": mod}, func(o *Options) { o.Sandbox = true })
	inst := tr.load(t, "timers")
	n := 0
	inst.call(func() {
		for tm := range inst.timers {
			n++
			if tm.t != nil {
				t.Errorf("a timer of the sandbox is scheduled")
			}
		}
	})
	if n != 3 {
		t.Errorf("%d timers kept, want 3 (two timers and the promise's next tick)", n)
	}
}
