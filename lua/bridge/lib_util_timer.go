package bridge

import (
	"time"

	"github.com/moonport/moonport/host/value"
	lua "github.com/yuin/gopher-lua"
)

func init() { registerLibrary("util.timer", funcsLibrary(timerFuncs)) }

// timerFuncs is require "util.timer".
var timerFuncs = map[string]lua.LGFunction{
	"add_task": timerAddTask,
}

// timerAddTask is add_task(delay, fn) of util.timer and net.server.
func timerAddTask(L *lua.LState) int {
	L.Push(instanceOf(L).addTimer(L, float64(L.CheckNumber(1)), L.CheckFunction(2), nil))
	return 1
}

// timer is a timer of util.timer or module:add_timer. It runs on its
// instance's loop.
type timer struct {
	inst    *Instance
	t       *time.Timer
	fn      *lua.LFunction
	args    []lua.LValue
	stopped bool
}

func (t *timer) stop() {
	t.stopped = true
	if t.t != nil {
		t.t.Stop()
	}
	delete(t.inst.timers, t)
}

// schedule fires the timer after d. In a check's sandbox it never fires:
// the modules are loaded to see that they load, not run, so mod_cron's
// tasks or a promise's next tick do not run in the middle of the check
// (or not, as its other sections are quick or slow).
func (t *timer) schedule(d time.Duration) {
	if t.inst.rt.opts.Sandbox {
		return
	}
	t.t = time.AfterFunc(d, func() { t.inst.post(t.fire) })
}

func (t *timer) fire() {
	if t.stopped {
		return
	}
	now := lua.LNumber(float64(time.Now().UnixNano()) / 1e9)
	out, err := t.inst.protect("timer", t.fn, 1, append([]lua.LValue{now}, t.args...)...)
	if t.stopped {
		return
	}
	if err == nil {
		if n, ok := out[0].(lua.LNumber); ok && n >= 0 {
			t.schedule(value.Seconds(float64(n)))
			return
		}
	}
	t.stop()
}

// addTimer schedules fn after delay seconds; a number returned by fn
// schedules it again after that many seconds. It returns the timer's Lua
// object.
func (inst *Instance) addTimer(L *lua.LState, delay float64, fn *lua.LFunction, args []lua.LValue) *lua.LTable {
	t := &timer{inst: inst, fn: fn, args: args}
	inst.timers[t] = struct{}{}
	t.schedule(value.Seconds(delay))
	ud := L.NewUserData()
	ud.Value = t
	return L.SetFuncs(L.NewTable(), timerMethods, ud)
}

// timerMethods are the fields of a timer's object; each has the timer as
// its upvalue.
var timerMethods = map[string]lua.LGFunction{
	"stop":       timerStop,
	"reschedule": timerReschedule,
}

func timerOf(L *lua.LState) *timer { return L.Get(lua.UpvalueIndex(1)).(*lua.LUserData).Value.(*timer) }

// timerStop is timer:stop().
func timerStop(L *lua.LState) int {
	timerOf(L).stop()
	return 0
}

// timerReschedule is timer:reschedule(delay): the next run after delay
// seconds from now.
func timerReschedule(L *lua.LState) int {
	t := timerOf(L)
	if t.t != nil {
		t.t.Stop()
	}
	t.schedule(value.Seconds(float64(L.CheckNumber(2))))
	return 0
}
