package bridge

import lua "github.com/yuin/gopher-lua"

// ipairs as Lua 5.4 (Prosody's Lua) has it: it reads t[i] as an index
// expression does, through the table's __index, where gopher-lua's (Lua
// 5.1's) reads raw. A module:shared or module:depends proxy (an empty
// table whose __index reaches another state) is then iterated with ipairs
// as the real table would be: mod_invites_page lists mod_register_apps'
// apps so. A table without a metatable is read raw, as before.
func installIpairs(L *lua.LState) {
	step := L.NewFunction(ipairsStep)
	L.SetGlobal("ipairs", L.NewFunction(func(L *lua.LState) int {
		t := L.CheckAny(1)
		L.Push(step)
		L.Push(t)
		L.Push(lua.LNumber(0))
		return 3
	}))
}

// ipairsStep is the iterator: the next index and its value, none at the
// first nil.
func ipairsStep(L *lua.LState) int {
	i := L.CheckInt(2) + 1
	var v lua.LValue
	if t, ok := L.Get(1).(*lua.LTable); ok && t.Metatable == lua.LNil {
		v = t.RawGetInt(i)
	} else {
		v = L.GetTable(L.Get(1), lua.LNumber(i))
	}
	if v == lua.LNil {
		return 0
	}
	L.Push(lua.LNumber(i))
	L.Push(v)
	return 2
}
