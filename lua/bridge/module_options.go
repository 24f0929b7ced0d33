package bridge

import (
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/host/value"
	"github.com/moonport/moonport/lua/luaval"
)

// The module:get_option family: a module's view of the config, on its
// own host falling back to the global section, with Prosody's conversions
// and error messages.

// option reads name for the host of the module object it is called on,
// and notes that a module reads it (OptionsRead).
func (inst *Instance) option(L *lua.LState, name string) any {
	inst.rt.noteOption(name)
	if v, owned := inst.hostOwned(name); owned {
		return v
	}
	return inst.snap.Load().Value(hostOf(L, inst), name)
}

func moduleGetOption(L *lua.LState) int {
	inst := instanceOf(L)
	v := inst.option(L, L.CheckString(2))
	if v == nil {
		L.Push(L.Get(3))
		return 1
	}
	L.Push(luaval.ToLua(L, v))
	return 1
}

func (inst *Instance) scalar(L *lua.LState) lua.LValue {
	name := L.CheckString(2)
	v := inst.option(L, name)
	if v == nil {
		return L.Get(3)
	}
	if t, ok := v.(*value.Table); ok {
		if len(t.Array) == 1 && len(t.Hash) == 0 {
			return luaval.ToLua(L, t.Array[0])
		}
		inst.log.Errorf("Config option '%s' does not take a list", name)
		return lua.LNil
	}
	return luaval.ToLua(L, v)
}

func moduleGetOptionScalar(L *lua.LState) int {
	inst := instanceOf(L)
	L.Push(inst.scalar(L))
	return 1
}

func moduleGetOptionString(L *lua.LState) int {
	inst := instanceOf(L)
	v := inst.scalar(L)
	if v == lua.LNil {
		L.Push(lua.LNil)
	} else {
		L.Push(lua.LString(L.ToStringMeta(v).String()))
	}
	return 1
}

func moduleGetOptionNumber(L *lua.LState) int {
	inst := instanceOf(L)
	v := inst.scalar(L)
	switch x := v.(type) {
	case lua.LNumber:
		L.Push(x)
	case lua.LString:
		n, err := strconv.ParseFloat(strings.TrimSpace(string(x)), 64)
		if err != nil {
			inst.log.Errorf("Config option '%s' not understood, expecting a number", L.CheckString(2))
			L.Push(lua.LNil)
		} else {
			L.Push(lua.LNumber(n))
		}
	case *lua.LNilType:
		L.Push(lua.LNil)
	default:
		inst.log.Errorf("Config option '%s' not understood, expecting a number", L.CheckString(2))
		L.Push(lua.LNil)
	}
	return 1
}

func moduleGetOptionBoolean(L *lua.LState) int {
	inst := instanceOf(L)
	v := inst.scalar(L)
	switch v {
	case lua.LTrue, lua.LString("true"), lua.LNumber(1):
		L.Push(lua.LTrue)
	case lua.LFalse, lua.LString("false"), lua.LNumber(0):
		L.Push(lua.LFalse)
	case lua.LNil:
		L.Push(lua.LNil)
	default:
		inst.log.Errorf("Config option '%s' not understood, expecting true/false", L.CheckString(2))
		L.Push(lua.LNil)
	}
	return 1
}

func (inst *Instance) array(L *lua.LState) *lua.LTable {
	v := inst.option(L, L.CheckString(2))
	var lv lua.LValue
	if v == nil {
		lv = L.Get(3)
	} else {
		lv = luaval.ToLua(L, v)
	}
	switch x := lv.(type) {
	case *lua.LNilType:
		return nil
	case *lua.LTable:
		out := L.NewTable()
		for i := 1; i <= x.Len(); i++ {
			out.Append(x.RawGetInt(i))
		}
		return out
	default:
		out := L.NewTable()
		out.Append(x)
		return out
	}
}

func moduleGetOptionArray(L *lua.LState) int {
	inst := instanceOf(L)
	if t := inst.array(L); t != nil {
		L.Push(t)
	} else {
		L.Push(lua.LNil)
	}
	return 1
}

// moduleGetOptionSet returns a set: the items as keys mapped to true, with
// Prosody's util.set methods (contains, items, add, remove, empty).
func moduleGetOptionSet(L *lua.LState) int {
	inst := instanceOf(L)
	t := inst.array(L)
	if t == nil {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(stateSet(L, t)) // the set require "util.set" gives in this state
	return 1
}

// noteOption records that a module read option name, so `check config`
// can tell the options nothing reads (OptionsRead).
func (rt *Runtime) noteOption(name string) { rt.optionsRead.Store(name, true) }

// OptionsRead is the set of option names modules have read with the
// module:get_option family since the runtime began.
func (rt *Runtime) OptionsRead() map[string]bool {
	out := map[string]bool{}
	rt.optionsRead.Range(func(k, _ any) bool {
		out[k.(string)] = true
		return true
	})
	return out
}
