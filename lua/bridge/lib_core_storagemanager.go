package bridge

import (
	"fmt"

	"github.com/moonport/moonport/host/storage"
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

// smPurge is purge(username, host): the user's data removed from every
// driver the host's storage options use, and from the data folder,
// which Prosody's storagemanager purges in every case.
func smPurge(L *lua.LState) int {
	user, host := L.CheckString(1), L.CheckString(2)
	return result(L, lua.LTrue, purgeUser(instanceOf(L), host, user))
}

// smGetDriver is get_driver(host, store): the driver object of the
// driver the config names for the store (the host's default without
// one), and its name; its methods are the calling instance's, and its
// open opens on that driver, whatever the config names for the store
// opened. The object's open(store, typ) opens as open does;
// stores(username, typ) and purge(username) reach that driver.
func smGetDriver(L *lua.LState) int {
	inst, host := instanceOf(L), L.CheckString(1)
	b, _ := inst.rt.backendOf(host, L.OptString(2, ""))
	d := L.NewTable()
	d.RawSetString("name", lua.LString(b.String()))
	d.RawSetString("open", L.NewFunction(func(L *lua.LState) int {
		return pushStoreOn(L, inst, host, L.CheckString(2), L.OptString(3, "keyval"), b)
	}))
	d.RawSetString("stores", L.NewFunction(func(L *lua.LState) int { return driverStores(L, inst, host, b) }))
	d.RawSetString("purge", L.NewFunction(func(L *lua.LState) int {
		user := L.CheckString(2)
		return result(L, lua.LTrue, userDataCall(inst, host, b, func(d userDataDriver) error {
			return d.Purge(host, user)
		}))
	}))
	L.Push(d)
	L.Push(lua.LString(b.String()))
	return 2
}

// driverStores is driver:stores(username, typ): an iterator over the
// names of the stores of type typ (keyval, the default, and map; or
// archive) holding username's data; username nil for the host's own,
// true for any user's (Prosody's meaning).
func driverStores(L *lua.LState, inst *Instance, host string, b storage.Backend) int {
	var o storage.StoreOwner
	switch u := L.Get(2).(type) {
	case *lua.LNilType:
	case lua.LBool:
		o.AnyUser = bool(u)
	case lua.LString:
		o.User = string(u)
	default:
		L.ArgError(2, "username must be a string, true or nil, not a "+u.Type().String())
	}
	kind := storage.KindKeyval
	switch typ := L.OptString(3, "keyval"); typ {
	case "keyval", "map":
	case "archive", "list":
		kind = storage.KindArchive
	default:
		L.ArgError(3, fmt.Sprintf("store type %q: keyval, map or archive", typ))
	}
	var names []string
	err := userDataCall(inst, host, b, func(d userDataDriver) (err error) {
		names, err = d.UserStores(host, o, kind)
		return err
	})
	if err != nil {
		return result(L, lua.LNil, err)
	}
	return pushNames(L, names)
}
