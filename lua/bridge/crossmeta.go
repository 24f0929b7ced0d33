package bridge

import (
	lua "github.com/yuin/gopher-lua"
)

// Library objects crossing states. A table crossing states is copied
// (crossstate.go), and its metatable, a table of the sending state, cannot
// go with it. For the libraries whose objects modules hand each other (an
// error object a route handler returns, a stanza, a set) the copy gets the
// receiving state's metatable of the same library instead, so methods,
// tostring and the library's own checks (is_error, is_stanza, is_set)
// work there as they did at home:
//
//   - a library registers here by name, saying how to find its objects'
//     metatable from the library's value (crossingLibs);
//   - when a state opens the library (require, or Go making the library's
//     objects), the metatable is noted in that state's registry, both ways
//     (noteCrossing);
//   - export records the library's name with a table whose metatable is
//     noted (xtable.lib); import requires the library in the receiving
//     state and sets its metatable, or lets the library rebuild the object
//     when its state lives elsewhere than in the metatable (adopt: a set's
//     methods are closures over its items).

// crossingLib is how one library's objects cross.
type crossingLib struct {
	// metatable finds the objects' metatable in a state, given the
	// library's value there (nil when the library keeps it elsewhere and
	// notes it itself).
	metatable func(L *lua.LState, lib lua.LValue) *lua.LTable
	// adopt, when set, makes the object from its plain copy; else the copy
	// gets the metatable.
	adopt func(L *lua.LState, copy *lua.LTable) lua.LValue
}

var crossingLibs = map[string]crossingLib{
	"util.error":    {metatable: metatableOfCall("new")},
	"util.stanza":   {metatable: metatableField("stanza_mt")},
	"util.array":    {metatable: metatableOfCall("")},
	"util.ip":       {metatable: metatableOfCall("new_ip", lua.LString("127.0.0.1"))},
	"util.throttle": {metatable: metatableOfCall("create", lua.LNumber(1), lua.LNumber(1))},
	"util.set":      {adopt: adoptSet},
}

// The registry keys of a state's noted metatables: metatable -> name and
// name -> metatable.
const (
	crossingByMT   = "moonport.crossing.mt"
	crossingByName = "moonport.crossing.name"
)

// noteCrossing records, in L's registry, that mt is the metatable of
// library name's objects.
func noteCrossing(L *lua.LState, name string, mt *lua.LTable) {
	reg := L.Get(lua.RegistryIndex).(*lua.LTable)
	subtable(L, reg, lua.LString(crossingByMT)).RawSet(mt, lua.LString(name))
	subtable(L, reg, lua.LString(crossingByName)).RawSetString(name, mt)
}

// noteLibrary notes the metatable of library name, just opened as lib in
// L, if its objects may cross.
func noteLibrary(L *lua.LState, name string, lib lua.LValue) {
	c, ok := crossingLibs[name]
	if !ok || c.metatable == nil {
		return
	}
	if mt := c.metatable(L, lib); mt != nil {
		noteCrossing(L, name, mt)
	}
}

// crossingName is the library whose object t is, or "".
func crossingName(L *lua.LState, t *lua.LTable) string {
	mt, ok := L.GetMetatable(t).(*lua.LTable)
	if !ok {
		return ""
	}
	reg := L.Get(lua.RegistryIndex).(*lua.LTable)
	byMT, ok := reg.RawGetString(crossingByMT).(*lua.LTable)
	if !ok {
		return ""
	}
	name, _ := byMT.RawGet(mt).(lua.LString)
	return string(name)
}

// adoptCrossing makes copy an object of library name in inst's state,
// requiring the library there; the copy stays plain if that fails.
func (inst *Instance) adoptCrossing(name string, copy *lua.LTable) lua.LValue {
	L := inst.L
	c := crossingLibs[name]
	if c.adopt != nil {
		return c.adopt(L, copy)
	}
	if err := L.CallByParam(lua.P{Fn: L.GetGlobal("require"), NRet: 1, Protect: true}, lua.LString(name)); err != nil {
		return copy
	}
	L.Pop(1)
	reg := L.Get(lua.RegistryIndex).(*lua.LTable)
	if mt, ok := subtable(L, reg, lua.LString(crossingByName)).RawGetString(name).(*lua.LTable); ok {
		L.SetMetatable(copy, mt)
	}
	return copy
}

// metatableOfCall finds the metatable of what the library's function fn
// returns when called with args ("": the library itself called).
func metatableOfCall(fn string, args ...lua.LValue) func(*lua.LState, lua.LValue) *lua.LTable {
	return func(L *lua.LState, lib lua.LValue) *lua.LTable {
		f := lib
		if fn != "" {
			f = L.GetField(lib, fn)
		}
		if err := L.CallByParam(lua.P{Fn: f, NRet: 1, Protect: true}, args...); err != nil {
			return nil
		}
		obj := L.Get(-1)
		L.Pop(1)
		mt, _ := L.GetMetatable(obj).(*lua.LTable)
		return mt
	}
}

// metatableField finds the metatable the library exports as field.
func metatableField(field string) func(*lua.LState, lua.LValue) *lua.LTable {
	return func(L *lua.LState, lib lua.LValue) *lua.LTable {
		mt, _ := L.GetField(lib, field).(*lua.LTable)
		return mt
	}
}

// adoptSet makes a set of the receiving state with the copy's items: a
// set's methods are closures over its own items table.
func adoptSet(L *lua.LState, copy *lua.LTable) lua.LValue {
	list := L.NewTable()
	if items, ok := copy.RawGetString("_items").(*lua.LTable); ok {
		items.ForEach(func(k, _ lua.LValue) { list.Append(k) })
	}
	return newSet(L, list)
}
