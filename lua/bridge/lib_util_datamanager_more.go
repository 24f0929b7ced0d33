package bridge

import (
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/host/datamanager"
)

// util.datamanager's listings, names and callbacks (the library is
// lib_util_datamanager.go).

// pushNames pushes an iterator over names.
func pushNames(L *lua.LState, names []string) int {
	i := 0
	L.Push(L.NewFunction(func(L *lua.LState) int {
		if i >= len(names) {
			return 0
		}
		i++
		L.Push(lua.LString(names[i-1]))
		return 1
	}))
	return 1
}

// dmUsers is users(host, store, typ): an iterator over the users with a
// file of type typ ("keyval", "list") in store.
func dmUsers(L *lua.LState) int {
	names, err := instanceOf(L).rt.dataManager().Users(L.CheckString(1), L.CheckString(2), L.OptString(3, "keyval"))
	if err != nil {
		instanceOf(L).log.Debugf("util.datamanager: %v", err)
	}
	return pushNames(L, names)
}

// dmStores is stores(username, host, typ): an iterator over the stores
// username has a file of type typ in; username true (or nil): every
// store folder of host.
func dmStores(L *lua.LState) int {
	user := ""
	if s, ok := L.Get(1).(lua.LString); ok {
		user = string(s)
	}
	names, err := instanceOf(L).rt.dataManager().Stores(user, L.CheckString(2), L.OptString(3, "keyval"))
	if err != nil {
		instanceOf(L).log.Debugf("util.datamanager: %v", err)
	}
	return pushNames(L, names)
}

// dmPurge is purge(username, host): true, or false and the errors.
func dmPurge(L *lua.LState) int {
	if err := instanceOf(L).rt.dataManager().Purge(L.CheckString(1), L.CheckString(2)); err != nil {
		L.Push(lua.LFalse)
		L.Push(lua.LString(strings.ReplaceAll(err.Error(), "\n", ", ")))
		return 2
	}
	L.Push(lua.LTrue)
	L.Push(lua.LString(""))
	return 2
}

func dmPathEncode(L *lua.LState) int {
	L.Push(lua.LString(datamanager.Encode(L.CheckString(1))))
	return 1
}

func dmPathDecode(L *lua.LState) int {
	L.Push(lua.LString(datamanager.Decode(L.CheckString(1))))
	return 1
}

// callbacksOf is the state's callback list, the functions' second
// upvalue: an array of functions.
func callbacksOf(L *lua.LState) *lua.LTable { return L.CheckTable(lua.UpvalueIndex(2)) }

// dmAddCallback is add_callback(f): true when f was not there yet.
func dmAddCallback(L *lua.LState) int {
	f, cbs := L.CheckFunction(1), callbacksOf(L)
	if callbackIndex(cbs, f) > 0 {
		return 0
	}
	cbs.Append(f)
	L.Push(lua.LTrue)
	return 1
}

// dmRemoveCallback is remove_callback(f): true when f was there.
func dmRemoveCallback(L *lua.LState) int {
	f, cbs := L.CheckFunction(1), callbacksOf(L)
	i := callbackIndex(cbs, f)
	if i == 0 {
		return 0
	}
	L.Push(L.GetGlobal("table").(*lua.LTable).RawGetString("remove"))
	L.Push(cbs)
	L.Push(lua.LNumber(i))
	L.Call(2, 0)
	L.Push(lua.LTrue)
	return 1
}

func callbackIndex(cbs *lua.LTable, f *lua.LFunction) int {
	for i := 1; i <= cbs.Len(); i++ {
		if cbs.RawGetInt(i) == f {
			return i
		}
	}
	return 0
}

// runCallbacks passes the call's (username, host, store) and data
// through the callbacks as Prosody does, each getting what the last
// gave; keep is false when one answered a username of false.
func runCallbacks(L *lua.LState, data lua.LValue) (user, host, store string, out lua.LValue, keep bool) {
	args := []lua.LValue{L.Get(1), L.Get(2), L.Get(3), data}
	cbs := callbacksOf(L)
	for i := 1; i <= cbs.Len(); i++ {
		L.Push(cbs.RawGetInt(i))
		for _, a := range args {
			L.Push(a)
		}
		L.Call(4, 4)
		for j := range args {
			args[j] = L.Get(-4 + j)
		}
		L.Pop(4)
		if args[0] == lua.LFalse {
			return "", "", "", nil, false
		}
	}
	name := func(v lua.LValue) string {
		if s, ok := v.(lua.LString); ok {
			return string(s)
		}
		return ""
	}
	return name(args[0]), name(args[1]), name(args[2]), args[3], true
}
