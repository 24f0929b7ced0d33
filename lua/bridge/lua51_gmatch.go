package bridge

import lua "github.com/yuin/gopher-lua"

// gopher-lua's string.gmatch returns an iterator that needs the state
// value a generic for passes it, so code that calls the iterator itself,
// as Lua 5.1 allows (local part = line:gmatch("[^\t]+"); local cmd =
// part(); Prosody's mod_net_dovecotauth does), fails with "bad argument
// #1 to part (userdata expected, got nil)". fixGmatch makes string.gmatch
// return an iterator closed over that value, as Lua's own is.
func fixGmatch(L *lua.LState) {
	str := L.GetGlobal("string").(*lua.LTable)
	str.RawSetString("gmatch", L.NewClosure(gmatch, str.RawGetString("gmatch")))
}

// gmatch is string.gmatch(s, pattern); its upvalue is gopher-lua's.
func gmatch(L *lua.LState) int {
	L.Push(L.Get(lua.UpvalueIndex(1)))
	L.Push(lua.LString(L.CheckString(1)))
	L.Push(lua.LString(L.CheckString(2)))
	L.Call(2, 2)
	iter, state := L.Get(-2), L.Get(-1)
	L.Pop(2)
	L.Push(L.NewFunction(func(L *lua.LState) int {
		top := L.GetTop()
		L.Push(iter)
		L.Push(state)
		L.Call(1, lua.MultRet)
		return L.GetTop() - top
	}))
	return 1
}
