package bridge

import (
	"fmt"

	lua "github.com/yuin/gopher-lua"
)

// The libraries a module gets with require: the Prosody names that make
// sense here (net.server, util.timer, …) and moonport's own (moonport.*).
// Each lives in a file of its own named after it (lib_util_timer.go for
// "util.timer"), which registers its opener from an init function, so
// adding a library is adding a file. A library is built in a state the
// first time it is required there; other names fall through to Lua's own
// require.

// opener builds a library in an instance's Lua state.
type opener func(inst *Instance) lua.LValue

// libraries maps require names to their openers; only init functions
// write it.
var libraries = map[string]opener{}

// registerLibrary makes require(name) return what open builds. A name
// registered twice is a programming error, found at startup.
func registerLibrary(name string, open opener) {
	if _, dup := libraries[name]; dup {
		panic(fmt.Sprintf("bridge: library %q registered twice", name))
	}
	libraries[name] = open
}

// funcsLibrary is the opener of a library that is a table of functions,
// written in gopher-lua's style (var timerFuncs = map[string]lua.LGFunction
// {"add_task": timerAddTask}); each function finds its instance with
// instanceOf.
func funcsLibrary(funcs map[string]lua.LGFunction) opener {
	return func(inst *Instance) lua.LValue {
		return inst.L.SetFuncs(inst.L.NewTable(), funcs, inst.ud)
	}
}

// installRequire replaces the state's require with one that answers the
// registered names, once per state, before Lua's own.
func (inst *Instance) installRequire() {
	L := inst.L
	loaded := L.NewTable()
	L.SetGlobal("require", L.NewClosure(requireLibrary, inst.ud, loaded, L.GetGlobal("require")))
}

// requireLibrary is require(name); its upvalues are the instance, the
// libraries it built so far and Lua's own require.
func requireLibrary(L *lua.LState) int {
	name := L.CheckString(1)
	loaded := L.Get(lua.UpvalueIndex(2)).(*lua.LTable)
	if v := loaded.RawGetString(name); v != lua.LNil {
		L.Push(v)
		return 1
	}
	if open, ok := libraries[name]; ok {
		inst := instanceOf(L)
		v := open(inst)
		if inst.rt.opts.Sandbox {
			sandboxLibrary(L, name, v)
		}
		loaded.RawSetString(name, v)
		noteLibrary(L, name, v) // its objects may cross states (crossmeta.go)
		L.Push(v)
		return 1
	}
	if inst := instanceOf(L); isXMPPLibrary(name) && inst.needsXMPP == "" {
		inst.needsXMPP = name // Lua's require fails on it next
	}
	L.Push(L.Get(lua.UpvalueIndex(3)))
	L.Push(lua.LString(name))
	L.Call(1, 1)
	return 1
}
