package bridge

import (
	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/lua/luaval"
)

func init() { registerLibrary("moonport.admin", funcsLibrary(adminFuncs)) }

// adminFuncs is require "moonport.admin", for privileged modules (the
// console): admin.call(name, ...) returns the host's answer (the Admin
// interface), or nil and the error; admin.run(fn, ...) runs fn as a task
// that may wait for the host (see task.go); admin.handover(conn, state)
// passes state to the instance serving conn now (see handover.go).
var adminFuncs = map[string]lua.LGFunction{
	"call":     adminCall,
	"run":      adminRun,
	"handover": adminHandover,
}

// adminHandover is admin.handover(conn, state): after the events already
// on their way, listener.onhandover(conn, state) runs in the module
// instance that serves conn then (state copied into it) — after a reload,
// the new instance, else this one. Work a reload left running in the old
// instance passes what the new one needs this way.
func adminHandover(L *lua.LState) int {
	lc := checkConn(L)
	state, err := luaval.ToGo(L.Get(2))
	if err != nil {
		L.ArgError(2, err.Error())
	}
	deliverHandover(lc.c.Handler(), lc.c, state)
	return 0
}

// adminRun is admin.run(fn, ...): run fn(...) as a task, after the current
// callback. An error in it is logged like a callback's.
func adminRun(L *lua.LState) int {
	fn := L.CheckFunction(1)
	var args []lua.LValue
	for i := 2; i <= L.GetTop(); i++ {
		args = append(args, L.Get(i))
	}
	instanceOf(L).startTask(L, fn, args)
	return 0
}

// adminCall is admin.call(name, ...): the host's answer, or nil and
// the error. A call that cannot need a module state is answered at once;
// one that may (Admin.Waits) is only allowed in a task, which waits for
// it without holding the state.
func adminCall(L *lua.LState) int {
	inst := instanceOf(L)
	admin := inst.rt.admin
	if admin == nil {
		L.Push(lua.LNil)
		L.Push(lua.LString("no admin interface in this process"))
		return 2
	}
	name := L.CheckString(1)
	var args []any
	for i := 2; i <= L.GetTop(); i++ {
		v, err := luaval.ToGo(L.Get(i))
		if err != nil {
			L.ArgError(i, err.Error())
		}
		args = append(args, v)
	}
	var res any
	var err error
	if admin.Waits(name) {
		if !inst.tasks[L] {
			L.RaiseError("admin.call(%q) may wait for module states (this one too): call it inside admin.run(function() ... end)", name)
		}
		res, err = inst.await(L, func() (any, error) { return admin.Call(name, args) })
	} else {
		res, err = admin.Call(name, args)
	}
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	L.Push(luaval.ToLua(L, res))
	return 1
}
