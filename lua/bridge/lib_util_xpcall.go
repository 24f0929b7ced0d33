package bridge

import (
	lua "github.com/yuin/gopher-lua"
)

func init() { registerLibrary("util.xpcall", funcsLibrary(xpcallFuncs)) }

// xpcallFuncs is require "util.xpcall": Lua 5.2's xpcall, which passes
// its extra arguments to the function (Lua 5.1's, gopher-lua's, does not).
var xpcallFuncs = map[string]lua.LGFunction{"xpcall": xpcallArgs}

// xpcallArgs is xpcall(f, handler, ...): true and f(...)'s results, or
// false and what handler returns for the error.
func xpcallArgs(L *lua.LState) int {
	fn := L.CheckAny(1)
	handler := L.CheckFunction(2)
	top := L.GetTop()
	L.Push(fn)
	for i := 3; i <= top; i++ {
		L.Push(L.Get(i))
	}
	if err := L.PCall(top-2, lua.MultRet, handler); err != nil {
		L.Push(lua.LFalse)
		if aerr, ok := err.(*lua.ApiError); ok {
			L.Push(aerr.Object)
		} else {
			L.Push(lua.LString(err.Error()))
		}
		return 2
	}
	L.Insert(lua.LTrue, top+1)
	return L.GetTop() - top
}
