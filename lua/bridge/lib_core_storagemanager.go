package bridge

import (
	lua "github.com/yuin/gopher-lua"
)

// require "core.storagemanager": Prosody's storage manager over the
// driver module:open_store uses (storage_config.go), so both give the
// same store objects of the same data: open(host, store, typ),
// get_driver(host, store) (a driver object with open(store, typ),
// stores(username) and purge(username), and its name), purge(username,
// host), and initialize_host(host), which has nothing to do here (a
// host's storage is ready when the config names it), and olddm.

func init() { registerLibrary("core.storagemanager", openStoragemanager) }

// openStoragemanager builds the library, with olddm: util.datamanager
// itself, as Prosody's (mod_muc_log, mod_http_file_share use it).
func openStoragemanager(inst *Instance) lua.LValue {
	lib := funcsLibrary(storagemanagerFuncs)(inst).(*lua.LTable)
	L := inst.L
	L.Push(L.GetGlobal("require"))
	L.Push(lua.LString("util.datamanager"))
	L.Call(1, 1)
	lib.RawSetString("olddm", L.Get(-1))
	L.Pop(1)
	return lib
}

var storagemanagerFuncs = map[string]lua.LGFunction{
	"open":            smOpen,
	"get_driver":      smGetDriver,
	"purge":           smPurge,
	"initialize_host": func(*lua.LState) int { return 0 },
}

// smOpen is open(host, store, typ).
func smOpen(L *lua.LState) int {
	return pushStore(L, instanceOf(L), L.CheckString(1), L.CheckString(2), L.OptString(3, "keyval"))
}

// smPurge is purge(username, host): the user's data files of every
// store, as Prosody's internal driver purges (data kept by the memory
// driver is not removed).
func smPurge(L *lua.LState) int {
	if err := instanceOf(L).rt.dataManager().Purge(L.CheckString(1), L.CheckString(2)); err != nil {
		return pushFail(L, err.Error())
	}
	L.Push(lua.LTrue)
	return 1
}

// driverSrc builds a driver object over the library's functions.
const driverSrc = `local sm, dm, host, name = ...
return {
	name = name,
	open = function(self, store, typ) return sm.open(host, store, typ) end,
	stores = function(self, username, typ) return dm.stores(username, host, typ) end,
	purge = function(self, username) return sm.purge(username, host) end,
}`

// smGetDriver is get_driver(host, store): the driver object and its name.
func smGetDriver(L *lua.LState) int {
	host := L.CheckString(1)
	name := instanceOf(L).rt.storageDriver(host, L.OptString(2, ""))
	build, err := L.LoadString(driverSrc)
	if err != nil {
		panic(err) // driverSrc is a constant
	}
	L.Push(build)
	for _, lib := range []string{"core.storagemanager", "util.datamanager"} {
		L.Push(L.GetGlobal("require"))
		L.Push(lua.LString(lib))
		L.Call(1, 1)
	}
	L.Push(lua.LString(host))
	L.Push(lua.LString(name))
	L.Call(4, 1)
	L.Push(lua.LString(name))
	return 2
}
