package bridge

import (
	"fmt"

	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/host/config"
	"github.com/moonport/moonport/host/shareddict"
	"github.com/moonport/moonport/host/value"
)

// require "moonport.shared" and module:shared_dict(name) give the shared
// dictionaries of host/shareddict (OpenResty's ngx.shared.DICT): a
// dictionary is a userdata with the methods below, the same Go store in
// every state that names it, so worker copies and other modules count
// together and what is stored outlives a module reload. Results and
// errors follow OpenResty's (nil or false, then the error string). Each
// state keeps one userdata per name (in its registry), so getting a
// dictionary again is a table lookup.

func init() {
	registerLibrary("moonport.shared", funcsLibrary(sharedFuncs))
	registerModuleMethods(map[string]lua.LGFunction{"shared_dict": dictNamedAt(2)})
}

// sharedFuncs is require "moonport.shared": dict(name) and list(), the
// dictionaries in use with their entries, bytes and capacity (the
// console's dict:list()).
var sharedFuncs = map[string]lua.LGFunction{
	"dict": dictNamedAt(1),
	"list": sharedList,
}

// dictMethods are a dictionary's methods, called as dict:get(key). Each
// is only its own logic: onDict and keyed check the arguments they share.
var dictMethods = map[string]lua.LGFunction{
	"get":           keyed(dictGet),
	"get_stale":     keyed(dictGetStale),
	"set":           keyed(dictStore(shareddict.ModeSet)),
	"safe_set":      keyed(dictStore(shareddict.ModeSafeSet)),
	"add":           keyed(dictStore(shareddict.ModeAdd)),
	"safe_add":      keyed(dictStore(shareddict.ModeSafeAdd)),
	"replace":       keyed(dictStore(shareddict.ModeReplace)),
	"incr":          keyed(dictIncr),
	"delete":        keyed(dictDelete),
	"expire":        keyed(dictExpire),
	"ttl":           keyed(dictTTL),
	"get_keys":      onDict(dictGetKeys),
	"flush_all":     onDict(dictFlushAll),
	"flush_expired": onDict(dictFlushExpired),
	"capacity":      onDict(dictCapacity),
	"free_space":    onDict(dictFreeSpace),
}

// dictMethod is a method's logic, given the dictionary it was called on.
type dictMethod func(L *lua.LState, d *shareddict.Dict) int

// keyedMethod is the logic of a method whose argument 2 is a key, given
// the dictionary and the key.
type keyedMethod func(L *lua.LState, d *shareddict.Dict, key string) int

// onDict makes m a Lua method: argument 1 must be a dictionary.
func onDict(m dictMethod) lua.LGFunction {
	return func(L *lua.LState) int { return m(L, checkDict(L)) }
}

// keyed makes m a Lua method: argument 1 must be a dictionary, and a nil
// or empty key (argument 2) returns nil and the error, as OpenResty's
// methods all do, without calling m.
func keyed(m keyedMethod) lua.LGFunction {
	return func(L *lua.LState) int {
		d := checkDict(L)
		key, ok := dictKey(L)
		if !ok {
			return 2
		}
		return m(L, d, key)
	}
}

// registryKey holds a state's table of dictionaries by name, and its
// metatable for them at [1].
const sharedRegistryKey = "moonport.shared"

// dictObject is the state's userdata for dictionary name.
func dictObject(L *lua.LState, inst *Instance, name string) lua.LValue {
	reg := L.Get(lua.RegistryIndex).(*lua.LTable)
	cache, _ := reg.RawGetString(sharedRegistryKey).(*lua.LTable)
	if cache == nil {
		cache = L.NewTable()
		mt := L.NewTable()
		mt.RawSetString("__index", L.SetFuncs(L.NewTable(), dictMethods))
		mt.RawSetString("__name", lua.LString("shared dict"))
		mt.RawSetString("__tostring", L.NewFunction(onDict(dictToString)))
		cache.RawSetInt(1, mt)
		reg.RawSetString(sharedRegistryKey, cache)
	}
	if ud := cache.RawGetString(name); ud != lua.LNil {
		return ud
	}
	ud := L.NewUserData()
	ud.Value = inst.rt.dicts.Dict(name)
	ud.Metatable = cache.RawGetInt(1)
	cache.RawSetString(name, ud)
	return ud
}

func checkDictName(L *lua.LState, n int) string {
	name := L.CheckString(n)
	if name == "" {
		L.ArgError(n, "a shared dict needs a name")
	}
	return name
}

// dictNamedAt is a function returning the dictionary named by argument
// n: shared.dict(name) (1) and module:shared_dict(name) (2).
func dictNamedAt(n int) lua.LGFunction {
	return func(L *lua.LState) int {
		L.Push(dictObject(L, instanceOf(L), checkDictName(L, n)))
		return 1
	}
}

// sharedList is shared.list(): { { name, entries, bytes, capacity }, … }
// sorted by name.
func sharedList(L *lua.LState) int {
	out := L.NewTable()
	for _, st := range instanceOf(L).rt.dicts.Stats() {
		row := L.NewTable()
		row.RawSetString("name", lua.LString(st.Name))
		row.RawSetString("entries", lua.LNumber(st.Entries))
		row.RawSetString("bytes", lua.LNumber(st.Bytes))
		row.RawSetString("capacity", lua.LNumber(st.Capacity))
		out.Append(row)
	}
	L.Push(out)
	return 1
}

func dictToString(L *lua.LState, d *shareddict.Dict) int {
	L.Push(lua.LString("shared dict: " + d.Name()))
	return 1
}

// checkDict is the dictionary a method was called on.
func checkDict(L *lua.LState) *shareddict.Dict {
	if ud, ok := L.Get(1).(*lua.LUserData); ok {
		if d, ok := ud.Value.(*shareddict.Dict); ok {
			return d
		}
	}
	L.ArgError(1, "expected a shared dict (call its methods with ':', as dict:get(key))")
	return nil
}

// dictKey is argument 2 as a key: a string, or a number as tostring
// writes it (as OpenResty takes them). ok is false, with nil and the
// error pushed, for nil or an empty key.
func dictKey(L *lua.LState) (key string, ok bool) {
	switch k := L.Get(2).(type) {
	case lua.LString:
		key = string(k)
	case lua.LNumber:
		key = k.String()
	case *lua.LNilType:
		return "", failed(L, "nil key")
	default:
		L.ArgError(2, "the key must be a string or a number, not a "+k.Type().String())
	}
	if key == "" {
		return "", failed(L, "empty key")
	}
	return key, true
}

// failed pushes nil and msg, OpenResty's error results; it returns false
// for dictKey's ok.
func failed(L *lua.LState, msg string) bool {
	L.Push(lua.LNil)
	L.Push(lua.LString(msg))
	return false
}

func pushValue(L *lua.LState, v shareddict.Value) {
	switch v.Kind {
	case shareddict.KindNumber:
		L.Push(lua.LNumber(v.Num))
	case shareddict.KindString:
		L.Push(lua.LString(v.Str))
	case shareddict.KindBool:
		L.Push(lua.LBool(v.Bool))
	default:
		L.Push(lua.LNil)
	}
}

// dictGet is dict:get(key): the value and, when not 0, its flags; nil
// when absent.
func dictGet(L *lua.LState, d *shareddict.Dict, key string) int {
	v, flags := d.Get(key)
	pushValue(L, v)
	if flags != 0 && v.Kind != shareddict.KindNone {
		L.Push(lua.LNumber(flags))
		return 2
	}
	return 1
}

// dictGetStale is dict:get_stale(key): value, flags, stale.
func dictGetStale(L *lua.LState, d *shareddict.Dict, key string) int {
	v, flags, stale := d.GetStale(key)
	pushValue(L, v)
	if v.Kind == shareddict.KindNone {
		return 1
	}
	if flags != 0 {
		L.Push(lua.LNumber(flags))
	} else {
		L.Push(lua.LNil)
	}
	L.Push(lua.LBool(stale))
	return 3
}

// dictStore is dict:set / safe_set / add / safe_add / replace(key, value,
// exptime, flags): true, nil, forcible; or false, the error, forcible.
func dictStore(mode shareddict.Mode) keyedMethod {
	return func(L *lua.LState, d *shareddict.Dict, key string) int {
		var v shareddict.Value
		switch x := L.Get(3).(type) {
		case lua.LString:
			v = shareddict.Value{Kind: shareddict.KindString, Str: string(x)}
		case lua.LNumber:
			v = shareddict.Value{Kind: shareddict.KindNumber, Num: float64(x)}
		case lua.LBool:
			v = shareddict.Value{Kind: shareddict.KindBool, Bool: bool(x)}
		case *lua.LNilType:
		default:
			L.Push(lua.LFalse)
			L.Push(lua.LString("bad value type"))
			return 2
		}
		ttl := float64(L.OptNumber(4, 0))
		flags := uint32(L.OptInt64(5, 0))
		forcible, err := d.Set(key, v, ttl, flags, mode)
		return pushStoreResult(L, err == nil, err, forcible)
	}
}

func pushStoreResult(L *lua.LState, ok bool, err error, forcible bool) int {
	L.Push(lua.LBool(ok))
	if err != nil {
		L.Push(lua.LString(err.Error()))
	} else {
		L.Push(lua.LNil)
	}
	L.Push(lua.LBool(forcible))
	return 3
}

// dictIncr is dict:incr(key, value, init, init_ttl): the new number, nil,
// forcible; or nil and the error.
func dictIncr(L *lua.LState, d *shareddict.Dict, key string) int {
	n := float64(L.CheckNumber(3))
	init, hasInit := L.Get(4).(lua.LNumber)
	if !hasInit && L.Get(4) != lua.LNil {
		L.ArgError(4, "init must be a number")
	}
	sum, forcible, err := d.Incr(key, n, hasInit, float64(init), float64(L.OptNumber(5, 0)))
	if err != nil {
		failed(L, err.Error())
		L.Push(lua.LBool(forcible))
		return 3
	}
	L.Push(lua.LNumber(sum))
	if forcible {
		L.Push(lua.LNil)
		L.Push(lua.LTrue)
		return 3
	}
	return 1
}

// dictDelete is dict:delete(key).
func dictDelete(L *lua.LState, d *shareddict.Dict, key string) int {
	d.Delete(key)
	return 0
}

// dictExpire is dict:expire(key, exptime): true, or nil and "not found".
func dictExpire(L *lua.LState, d *shareddict.Dict, key string) int {
	if err := d.Expire(key, float64(L.CheckNumber(3))); err != nil {
		failed(L, err.Error())
		return 2
	}
	L.Push(lua.LTrue)
	return 1
}

// dictTTL is dict:ttl(key): seconds left (0: never expires), or nil and
// "not found".
func dictTTL(L *lua.LState, d *shareddict.Dict, key string) int {
	ttl, err := d.TTL(key)
	if err != nil {
		failed(L, err.Error())
		return 2
	}
	L.Push(lua.LNumber(ttl))
	return 1
}

// dictGetKeys is dict:get_keys(max): up to max keys (default 1024, 0 all).
func dictGetKeys(L *lua.LState, d *shareddict.Dict) int {
	out := L.NewTable()
	for _, k := range d.Keys(L.OptInt(2, 1024)) {
		out.Append(lua.LString(k))
	}
	L.Push(out)
	return 1
}

func dictFlushAll(L *lua.LState, d *shareddict.Dict) int {
	d.FlushAll()
	return 0
}

// dictFlushExpired is dict:flush_expired(max): how many it removed.
func dictFlushExpired(L *lua.LState, d *shareddict.Dict) int {
	L.Push(lua.LNumber(d.FlushExpired(L.OptInt(2, 0))))
	return 1
}

func dictCapacity(L *lua.LState, d *shareddict.Dict) int {
	L.Push(lua.LNumber(d.Capacity()))
	return 1
}

// dictFreeSpace is dict:free_space(): the capacity its entries leave.
func dictFreeSpace(L *lua.LState, d *shareddict.Dict) int {
	st := d.Stats()
	L.Push(lua.LNumber(max(st.Capacity-st.Bytes, 0)))
	return 1
}

// dictSizes reads shared_dicts = { name = "10M", … }: the caps the config
// gives dictionaries by name. A bad value is an error naming the option,
// the name and where it was set.
func dictSizes(snap *config.Snapshot) (map[string]int64, error) {
	sizes := map[string]int64{}
	o, ok := snap.Get("*", "shared_dicts")
	if !ok {
		return sizes, nil
	}
	t, isTable := o.Value.(*value.Table)
	if !isTable || len(t.Array) > 0 {
		return nil, &config.Error{Location: o.Location, Message: fmt.Sprintf(
			"shared_dicts = %s: expected a table of sizes by name, e.g. { limits = \"10M\" }", value.Format(o.Value))}
	}
	for _, k := range t.Keys() {
		name, _ := k.(string)
		n, err := shareddict.ParseSize(t.Hash[k])
		if name == "" || err != nil {
			if err == nil {
				err = fmt.Errorf("the name must be a string")
			}
			return nil, &config.Error{Location: o.Location, Message: fmt.Sprintf("shared_dicts[%s]: %v", value.Format(k), err)}
		}
		sizes[name] = n
	}
	return sizes, nil
}
