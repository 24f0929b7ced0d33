package bridge

import (
	"strings"

	lua "github.com/yuin/gopher-lua"
)

func init() { registerLibrary("util.set", funcsLibrary(setFuncs)) }

// setFuncs is require "util.set".
var setFuncs = map[string]lua.LGFunction{
	"new":          setNew,
	"is_set":       setIsSet,
	"union":        setUnion,
	"difference":   setDifference,
	"intersection": setIntersection,
	"xor":          setXor,
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
// mapped to true in its _items field (callable as an iterator, like the
// set itself), the methods contains, contains_set, items, add, add_list,
// include, remove, exclude and empty, and the operators + (union), -
// (difference), / (map), == and tostring ("a, b"). The methods have the
// items table as their upvalue, so they act on the set they came with
// whatever self is.
func newSet(L *lua.LState, items *lua.LTable) *lua.LTable {
	s := L.NewTable()
	data := L.NewTable()
	items.ForEach(func(_, v lua.LValue) { data.RawSet(v, lua.LTrue) })
	mts := setMetatables(L)
	L.SetMetatable(data, mts.RawGetString("items"))
	s.RawSetString("_items", data)
	L.SetFuncs(s, setMethods, data)
	L.SetMetatable(s, mts.RawGetString("set"))
	return s
}

// setMetatablesKey holds, in a state's registry, the metatables every
// set of that state shares (so is_set can tell a set).
const setMetatablesKey = "moonport.util.set"

func setMetatables(L *lua.LState) *lua.LTable {
	reg := L.Get(lua.RegistryIndex).(*lua.LTable)
	if t, ok := reg.RawGetString(setMetatablesKey).(*lua.LTable); ok {
		return t
	}
	set := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"__call": setCall, "__add": setUnion, "__sub": setDifference, "__div": setMap,
		"__eq": setEqual, "__tostring": setString,
	})
	set.RawSetString("__name", lua.LString("set"))
	items := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{"__call": itemsCall})
	t := L.NewTable()
	t.RawSetString("set", set)
	t.RawSetString("items", items)
	reg.RawSetString(setMetatablesKey, t)
	noteCrossing(L, "util.set", set) // sets may cross states (crossmeta.go)
	return t
}

// itemsOf is the items table of set v (nil when v is no set).
func itemsOf(L *lua.LState, v lua.LValue) *lua.LTable {
	if L.GetMetatable(v) != setMetatables(L).RawGetString("set") {
		return nil
	}
	t, _ := v.(*lua.LTable).RawGetString("_items").(*lua.LTable)
	return t
}

func checkItems(L *lua.LState, n int) *lua.LTable {
	t := itemsOf(L, L.Get(n))
	if t == nil {
		L.ArgError(n, "set expected")
	}
	return t
}

// setCall lets "for item in set do" run over the items (and so the
// _items table: itemsCall).
func setCall(L *lua.LState) int {
	k, _ := checkItems(L, 1).Next(L.Get(3))
	L.Push(k)
	return 1
}

func itemsCall(L *lua.LState) int {
	k, _ := L.CheckTable(1).Next(L.Get(3))
	L.Push(k)
	return 1
}

func setIsSet(L *lua.LState) int {
	L.Push(lua.LBool(itemsOf(L, L.Get(1)) != nil))
	return 1
}

// setCombine makes a new set of the items of a that keep(in b) allows,
// plus b's own when withB.
func setCombine(L *lua.LState, keep func(inB bool) bool, withB bool) int {
	a, b := checkItems(L, 1), checkItems(L, 2)
	out := L.NewTable()
	a.ForEach(func(k, _ lua.LValue) {
		if keep(b.RawGet(k) != lua.LNil) {
			out.Append(k)
		}
	})
	if withB {
		b.ForEach(func(k, _ lua.LValue) { out.Append(k) })
	}
	L.Push(newSet(L, out))
	return 1
}

func setUnion(L *lua.LState) int {
	return setCombine(L, func(bool) bool { return true }, true)
}
func setDifference(L *lua.LState) int {
	return setCombine(L, func(inB bool) bool { return !inB }, false)
}
func setIntersection(L *lua.LState) int {
	return setCombine(L, func(inB bool) bool { return inB }, false)
}

// setXor is the items in exactly one of the sets.
func setXor(L *lua.LState) int {
	a, b := checkItems(L, 1), checkItems(L, 2)
	out := L.NewTable()
	a.ForEach(func(k, _ lua.LValue) {
		if b.RawGet(k) == lua.LNil {
			out.Append(k)
		}
	})
	b.ForEach(func(k, _ lua.LValue) {
		if a.RawGet(k) == lua.LNil {
			out.Append(k)
		}
	})
	L.Push(newSet(L, out))
	return 1
}

// setMap is set / fn: the set of fn(item) for each item, nil dropped.
func setMap(L *lua.LState) int {
	a, fn := checkItems(L, 1), L.Get(2)
	out := L.NewTable()
	a.ForEach(func(k, _ lua.LValue) {
		L.Push(fn)
		L.Push(k)
		L.Call(1, 1)
		if v := L.Get(-1); v != lua.LNil {
			out.Append(v)
		}
		L.Pop(1)
	})
	L.Push(newSet(L, out))
	return 1
}

func setEqual(L *lua.LState) int {
	a, b := itemsOf(L, L.Get(1)), itemsOf(L, L.Get(2))
	same := a != nil && b != nil
	for _, pair := range [][2]*lua.LTable{{a, b}, {b, a}} {
		if same {
			pair[0].ForEach(func(k, _ lua.LValue) { same = same && pair[1].RawGet(k) != lua.LNil })
		}
	}
	L.Push(lua.LBool(same))
	return 1
}

// setString is tostring(set): the items joined with ", ".
func setString(L *lua.LState) int {
	var b strings.Builder
	checkItems(L, 1).ForEach(func(k, _ lua.LValue) {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString(L.ToStringMeta(k).String())
	})
	L.Push(lua.LString(b.String()))
	return 1
}

// setMethods are a set's methods, filled in by init (they make sets).
var setMethods map[string]lua.LGFunction

func init() {
	setMethods = map[string]lua.LGFunction{
		"contains":     setContains,
		"contains_set": setContainsSet,
		"add":          setAdd,
		"add_list":     setAddList,
		"include":      setInclude,
		"remove":       setRemove,
		"exclude":      setExclude,
		"empty":        setEmpty,
		"items":        setItems,
	}
}

func setContainsSet(L *lua.LState) int {
	mine, all := setData(L), true
	checkItems(L, 2).ForEach(func(k, _ lua.LValue) { all = all && mine.RawGet(k) != lua.LNil })
	L.Push(lua.LBool(all))
	return 1
}

func setAddList(L *lua.LState) int {
	if list, ok := L.Get(2).(*lua.LTable); ok {
		mine := setData(L)
		for i := 1; i <= list.Len(); i++ {
			mine.RawSet(list.RawGetInt(i), lua.LTrue)
		}
	}
	return 0
}

func setInclude(L *lua.LState) int {
	mine := setData(L)
	checkItems(L, 2).ForEach(func(k, _ lua.LValue) { mine.RawSet(k, lua.LTrue) })
	return 0
}

func setExclude(L *lua.LState) int {
	mine := setData(L)
	checkItems(L, 2).ForEach(func(k, _ lua.LValue) { mine.RawSet(k, lua.LNil) })
	return 0
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
