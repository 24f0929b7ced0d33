package bridge

import (
	lua "github.com/yuin/gopher-lua"
)

func init() { registerLibrary("util.set", funcsLibrary(setFuncs)) }

// setFuncs is require "util.set".
var setFuncs = map[string]lua.LGFunction{
	"new": setNew,
}

// setNew is set.new(list): a set of the list's items.
func setNew(L *lua.LState) int {
	t, _ := L.Get(1).(*lua.LTable)
	if t == nil {
		t = L.NewTable()
	}
	L.Push(newSet(L, t))
	return 1
}

// newSet makes a set as Prosody's util.set has it: the items as keys
// mapped to true in its _items field, with the methods contains, items,
// add, remove and empty. The methods have the items table as their
// upvalue, so they act on the set they came with whatever self is.
func newSet(L *lua.LState, items *lua.LTable) *lua.LTable {
	s := L.NewTable()
	data := L.NewTable()
	items.ForEach(func(_, v lua.LValue) { data.RawSet(v, lua.LTrue) })
	s.RawSetString("_items", data)
	mt := L.NewTable()
	mt.RawSetString("__index", L.SetFuncs(L.NewTable(), setMethods, data))
	L.SetMetatable(s, mt)
	return s
}

var setMethods = map[string]lua.LGFunction{
	"contains": setContains,
	"add":      setAdd,
	"remove":   setRemove,
	"empty":    setEmpty,
	"items":    setItems,
}

// setData is the items table of the set a method belongs to.
func setData(L *lua.LState) *lua.LTable { return L.Get(lua.UpvalueIndex(1)).(*lua.LTable) }

func setContains(L *lua.LState) int {
	L.Push(lua.LBool(setData(L).RawGet(L.Get(2)) != lua.LNil))
	return 1
}

func setAdd(L *lua.LState) int {
	setData(L).RawSet(L.Get(2), lua.LTrue)
	return 0
}

func setRemove(L *lua.LState) int {
	setData(L).RawSet(L.Get(2), lua.LNil)
	return 0
}

func setEmpty(L *lua.LState) int {
	k, _ := setData(L).Next(lua.LNil)
	L.Push(lua.LBool(k == lua.LNil))
	return 1
}

// setItems is set:items(): an iterator over the items, which keeps its
// own place (it needs no state from the for loop).
func setItems(L *lua.LState) int {
	cursor := L.NewUserData()
	cursor.Value = &setCursor{key: lua.LNil}
	L.Push(L.NewClosure(setNext, setData(L), cursor))
	return 1
}

// setCursor is where an items iterator is.
type setCursor struct{ key lua.LValue }

// setNext is the iterator setItems returns: the next item, nil at the end.
func setNext(L *lua.LState) int {
	cur := L.Get(lua.UpvalueIndex(2)).(*lua.LUserData).Value.(*setCursor)
	k, _ := setData(L).Next(cur.key)
	cur.key = k
	L.Push(k)
	return 1
}
