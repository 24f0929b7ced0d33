package bridge

import (
	"errors"
	"fmt"

	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/host/storage"
	"github.com/moonport/moonport/lua/luaval"
)

// module:open_store, Prosody's storage API over host/storage: a "keyval"
// store (get(user), set(user, data), users()) or a "map" store (get(user,
// key), set(user, key, value), set_keys(user, keymap) with store.remove
// as a value that removes its key, get_all(key), delete_all(key)). The
// store is the module object's host's (the host being added, in a global
// module's add_host), so every instance and every reload of a module
// opening it reaches the same data. A global module's own store is the
// host "*"'s (data_path/%2a in the internal driver): Prosody gives global
// modules a null store, but moonport's net services are global modules,
// so they get a working one; module:context(host):open_store reaches a
// host's data. A nil user is the host's own data
// (the user "" in Go). Values are copied in and out; one that is not
// plain data (a function, userdata, a table inside itself) fails the call
// with an error, as Prosody's serialisation does. Archive stores are
// module_store_archive.go's; another store type is an XMPP server's:
// asking for one counts the module as XMPP-only.

func init() {
	registerModuleMethods(map[string]lua.LGFunction{"open_store": moduleOpenStore})
}

// keyvalMethods and mapMethods are the store objects' methods; each
// finds its storage.Store as its upvalue.
var (
	keyvalMethods = map[string]lua.LGFunction{"get": storeGet, "set": storeSet, "users": storeUsers}
	mapMethods    = map[string]lua.LGFunction{"get": mapGet, "set": mapSet, "set_keys": mapSetKeys,
		"get_all": mapGetAll, "delete_all": mapDeleteAll, "users": storeUsers}
)

// moduleOpenStore is module:open_store(name, type): name defaults to the
// module's name, type to "keyval".
func moduleOpenStore(L *lua.LState) int {
	inst := instanceOf(L)
	return pushStore(L, inst, hostOf(L, inst), L.OptString(2, inst.Name), L.OptString(3, "keyval"))
}

// pushStore pushes the store object of host's store name of type typ
// (module:open_store, core.storagemanager.open).
func pushStore(L *lua.LState, inst *Instance, host, name, typ string) int {
	return pushStoreOn(L, inst, host, name, typ, 0)
}

// pushStoreOn is pushStore on the driver pin (0: the one the config
// names at each call), for a driver object's open.
func pushStoreOn(L *lua.LState, inst *Instance, host, name, typ string, pin storage.Backend) int {
	if typ == "archive" {
		return pushArchive(L, inst, host, name, pin)
	}
	methods := map[string]map[string]lua.LGFunction{"keyval": keyvalMethods, "map": mapMethods}[typ]
	if methods == nil {
		if inst.needsXMPP == "" {
			inst.needsXMPP = fmt.Sprintf("module:open_store(%q, %q)", name, typ)
		}
		L.RaiseError("module:open_store: store type %q is not provided by moonport (XMPP storage); it has keyval, map and archive", typ)
	}
	st, err := inst.rt.openStore(host, name, pin)
	if err != nil {
		return result(L, lua.LNil, err)
	}
	ud := L.NewUserData()
	b := bound(inst, name, st)
	ud.Value = storage.Store(&b)
	obj := L.SetFuncs(L.NewTable(), methods, ud)
	obj.RawSetString("store", lua.LString(name))
	obj.RawSetString("type", lua.LString(typ))
	if typ == "map" {
		obj.RawSetString("remove", L.NewTable())
	}
	L.Push(obj)
	return 1
}

// storeOf is the store of the method being called.
func storeOf(L *lua.LState) storage.Store {
	return L.CheckUserData(lua.UpvalueIndex(1)).Value.(storage.Store)
}

// userArg is the user at argument 2: a string, or nil for the host's own
// data.
func userArg(L *lua.LState) string {
	switch u := L.Get(2).(type) {
	case *lua.LNilType:
		return ""
	case lua.LString:
		return string(u)
	default:
		L.ArgError(2, "user must be a string or nil, not a "+u.Type().String())
		return ""
	}
}

// storable is lv as stored data; a value that cannot be stored raises an
// error naming the method.
func storable(L *lua.LState, method string, lv lua.LValue) any {
	v, err := luaval.ToGo(lv)
	if err == nil {
		err = storage.Check(v)
	}
	if err != nil {
		L.RaiseError("store:%s(): %s", method, err)
	}
	return v
}

// result pushes a store call's outcome the Prosody way: the value (or
// true) on success, nil and the message on failure; false and Prosody's
// message under the null driver, as Prosody's null driver answers.
func result(L *lua.LState, v lua.LValue, err error) int {
	if errors.Is(err, storage.ErrNoStorage) {
		L.Push(lua.LFalse)
		L.Push(lua.LString(storage.ErrNoStorage.Error()))
		return 2
	}
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	L.Push(v)
	return 1
}

func storeGet(L *lua.LState) int {
	v, err := storeOf(L).Get(userArg(L))
	return result(L, luaval.ToLua(L, v), err)
}

func storeSet(L *lua.LState) int {
	return result(L, lua.LTrue, storeOf(L).Set(userArg(L), storable(L, "set", L.Get(3))))
}

// storeUsers is store:users(): an iterator over the users with data; the
// host's own (a nil user) is not one, as in Prosody's internal storage.
func storeUsers(L *lua.LState) int {
	users, err := storeOf(L).Users()
	return pushUsers(L, users, err)
}

// pushUsers pushes users() of a store: an iterator over users, without
// the host's own ("").
func pushUsers(L *lua.LState, users []string, err error) int {
	if err != nil {
		return result(L, lua.LNil, err)
	}
	i := 0
	L.Push(L.NewFunction(func(L *lua.LState) int {
		for i < len(users) && users[i] == "" {
			i++
		}
		if i >= len(users) {
			return 0
		}
		i++
		L.Push(lua.LString(users[i-1]))
		return 1
	}))
	return 1
}

// mapGetAll is store:get_all(key): { [user] = value } of the users whose
// table has key (the host's own is no user), nil when none has.
func mapGetAll(L *lua.LState) int {
	st, key := storeOf(L), L.CheckString(2)
	users, err := st.Users()
	if err != nil {
		return result(L, lua.LNil, err)
	}
	var out *lua.LTable
	for _, u := range users {
		if u == "" {
			continue
		}
		v, err := st.GetKey(u, key)
		if err != nil {
			return result(L, lua.LNil, err)
		}
		if v != nil {
			if out == nil {
				out = L.NewTable()
			}
			out.RawSetString(u, luaval.ToLua(L, v))
		}
	}
	if out == nil {
		return result(L, lua.LNil, nil)
	}
	return result(L, out, nil)
}

// mapDeleteAll is store:delete_all(key): key removed from every user's
// table (not the host's own, as users() has it not); a failure for one
// user is the result, after the others.
func mapDeleteAll(L *lua.LState) int {
	st, key := storeOf(L), L.CheckString(2)
	users, err := st.Users()
	for _, u := range users {
		if u == "" {
			continue
		}
		if e := st.SetKeys(u, map[string]any{key: nil}); e != nil {
			err = e
		}
	}
	return result(L, lua.LTrue, err)
}

func mapGet(L *lua.LState) int {
	v, err := storeOf(L).GetKey(userArg(L), L.CheckString(3))
	return result(L, luaval.ToLua(L, v), err)
}

func mapSet(L *lua.LState) int {
	keys := map[string]any{L.CheckString(3): storable(L, "set", L.Get(4))}
	return result(L, lua.LTrue, storeOf(L).SetKeys(userArg(L), keys))
}

// mapSetKeys is store:set_keys(user, keymap); a value that is the
// store's remove sentinel removes its key.
func mapSetKeys(L *lua.LState) int {
	self, km := L.CheckTable(1), L.CheckTable(3)
	remove := self.RawGetString("remove")
	keys := map[string]any{}
	var bad lua.LValue
	km.ForEach(func(k, v lua.LValue) {
		ks, ok := k.(lua.LString)
		if !ok {
			bad = k
			return
		}
		if v == remove {
			keys[string(ks)] = nil
			return
		}
		keys[string(ks)] = storable(L, "set_keys", v)
	})
	if bad != nil {
		L.ArgError(3, "map keys must be strings, not a "+bad.Type().String())
	}
	return result(L, lua.LTrue, storeOf(L).SetKeys(userArg(L), keys))
}
