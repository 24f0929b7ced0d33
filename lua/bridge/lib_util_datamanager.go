package bridge

import (
	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/host/datamanager"
	"github.com/moonport/moonport/host/storage"
	"github.com/moonport/moonport/lua/luaval"
)

// require "util.datamanager": Prosody's data files, through
// host/datamanager, in the data folder of the running config
// (prosody.paths.data), so moonport and Prosody share them. A nil user
// (or "") is the host's own file, a nil host Prosody's "_global".
// Callbacks (add_callback) are the calling state's: they see the stores
// it makes through this library. set_data_path and store_raw are not
// provided: the folder is the config's, and a module names no files.

func init() { registerLibrary("util.datamanager", openDatamanager) }

var datamanagerFuncs = map[string]lua.LGFunction{
	"load": dmLoad, "store": dmStore, "list_load": dmListLoad, "list_store": dmListStore,
	"list_append": dmListAppend, "append_raw": dmAppendRaw, "getpath": dmGetPath,
	"users": dmUsers, "stores": dmStores, "purge": dmPurge,
	"path_encode": dmPathEncode, "path_decode": dmPathDecode,
	"add_callback": dmAddCallback, "remove_callback": dmRemoveCallback,
}

// openDatamanager builds the library; its functions' second upvalue is
// the state's list of callbacks.
func openDatamanager(inst *Instance) lua.LValue {
	L := inst.L
	lib := L.NewTable()
	callbacks := L.NewTable()
	for name, fn := range datamanagerFuncs {
		lib.RawSetString(name, L.NewClosure(fn, inst.ud, callbacks))
	}
	return lib
}

// dataManager is the data folder of the running config.
func (rt *Runtime) dataManager() *datamanager.Manager {
	return &datamanager.Manager{Dir: rt.paths()["data"]}
}

// optName is the name at argument n: a string, or "" for nil.
func optName(L *lua.LState, n int) string {
	if L.Get(n) == lua.LNil {
		return ""
	}
	return L.CheckString(n)
}

// dmArgs are the (username, host, store) of a call.
func dmArgs(L *lua.LState) (user, host, store string) {
	return optName(L, 1), optName(L, 2), L.CheckString(3)
}

// dmFail logs err as Prosody's datamanager does and returns nil, msg.
func dmFail(L *lua.LState, err error, msg string) int {
	instanceOf(L).log.Errorf("util.datamanager: %v", err)
	return pushFail(L, msg)
}

// dmData is the Lua value lv as data to store; one that is not plain
// data raises an error, as Prosody's serialiser does.
func dmData(L *lua.LState, lv lua.LValue) any {
	v, err := luaval.ToGo(lv)
	if err == nil {
		err = storage.Check(v)
	}
	if err != nil {
		L.RaiseError("util.datamanager: %s", err)
	}
	return v
}

func dmLoad(L *lua.LState) int {
	v, err := instanceOf(L).rt.dataManager().Load(dmArgs(L))
	if err != nil {
		return dmFail(L, err, "Error reading storage")
	}
	L.Push(luaval.ToLua(L, v))
	return 1
}

// dmStore is store(username, host, store, data), after the callbacks,
// any of which may drop the write by answering false.
func dmStore(L *lua.LState) int {
	user, host, store, data, keep := runCallbacks(L, L.Get(4))
	if !keep {
		L.Push(lua.LTrue)
		return 1
	}
	if err := instanceOf(L).rt.dataManager().Store(user, host, store, dmData(L, data)); err != nil {
		return dmFail(L, err, "Error saving to storage")
	}
	L.Push(lua.LTrue)
	return 1
}

func dmListLoad(L *lua.LState) int {
	items, err := instanceOf(L).rt.dataManager().ListLoad(dmArgs(L))
	if err != nil {
		return dmFail(L, err, "Error reading storage")
	}
	if items == nil {
		L.Push(lua.LNil)
		return 1
	}
	t := L.CreateTable(len(items), 0)
	for _, it := range items {
		t.Append(luaval.ToLua(L, it))
	}
	L.Push(t)
	return 1
}

func dmListStore(L *lua.LState) int {
	user, host, store := dmArgs(L)
	if _, _, _, _, keep := runCallbacks(L, lua.LNil); keep {
		var items []any
		if t, ok := L.Get(4).(*lua.LTable); ok {
			for i := 1; i <= t.Len(); i++ {
				items = append(items, dmData(L, t.RawGetInt(i)))
			}
		}
		if err := instanceOf(L).rt.dataManager().ListStore(user, host, store, items); err != nil {
			return dmFail(L, err, "Error saving to storage")
		}
	}
	L.Push(lua.LTrue)
	return 1
}

func dmListAppend(L *lua.LState) int {
	if L.Get(4) == lua.LNil {
		return 0
	}
	user, host, store := dmArgs(L)
	if _, _, _, _, keep := runCallbacks(L, lua.LNil); keep {
		if err := instanceOf(L).rt.dataManager().ListAppend(user, host, store, dmData(L, L.Get(4))); err != nil {
			return dmFail(L, err, "Error saving to storage")
		}
	}
	L.Push(lua.LTrue)
	return 1
}

// dmAppendRaw is append_raw(username, host, store, ext, data): true and
// the offset data was written at.
func dmAppendRaw(L *lua.LState) int {
	user, host, store := dmArgs(L)
	data, ok := L.Get(5).(lua.LString)
	if !ok {
		return 0
	}
	pos, err := instanceOf(L).rt.dataManager().AppendRaw(user, host, store, L.CheckString(4), []byte(data))
	if err != nil {
		return dmFail(L, err, err.Error())
	}
	L.Push(lua.LTrue)
	L.Push(lua.LNumber(pos))
	return 2
}

// dmGetPath is getpath(username, host, store, ext, create).
func dmGetPath(L *lua.LState) int {
	user, host, store := dmArgs(L)
	m := instanceOf(L).rt.dataManager()
	path := m.Path(user, host, store, L.OptString(4, ""))
	if L.ToBool(5) {
		var err error
		if path, err = m.MakePath(user, host, store, L.OptString(4, "")); err != nil {
			return pushFail(L, err.Error())
		}
	}
	L.Push(lua.LString(path))
	return 1
}
