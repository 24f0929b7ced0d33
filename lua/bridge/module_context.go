package bridge

import (
	"path"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// module:context and the get_option calls that read beyond the module's
// own host or resolve paths.

func init() {
	registerModuleMethods(map[string]lua.LGFunction{
		"context":                  moduleContext,
		"get_option_path":          moduleGetOptionPath,
		"get_option_inherited_set": moduleGetOptionInheritedSet,
	})
}

// contextOf is the module object self seen from host: its host field and
// global flag its own, every other field read from and written to self,
// as Prosody's module:context. The methods then act for that host
// (hostOf).
func contextOf(L *lua.LState, self *lua.LTable, host string) *lua.LTable {
	t := L.NewTable()
	t.RawSetString("host", lua.LString(host))
	t.RawSetString("global", lua.LBool(host == "*"))
	mt := L.NewTable()
	mt.RawSetString("__index", self)
	mt.RawSetString("__newindex", self)
	L.SetMetatable(t, mt)
	return t
}

// moduleContext is module:context(host): host "*" when none is given.
func moduleContext(L *lua.LState) int {
	L.Push(contextOf(L, L.CheckTable(1), L.OptString(2, "*")))
	return 1
}

// moduleGetOptionInheritedSet is module:get_option_inherited_set(name,
// default): the set on this host joined with the global one.
func moduleGetOptionInheritedSet(L *lua.LState) int {
	inst := instanceOf(L)
	own := inst.array(L)
	L.Replace(1, contextOf(L, L.CheckTable(1), "*"))
	global := inst.array(L)
	switch {
	case own == nil && global == nil:
		L.Push(lua.LNil)
		return 1
	case own == nil:
		own = global
	case global != nil:
		global.ForEach(func(_, v lua.LValue) { own.Append(v) })
	}
	L.Push(newSet(L, own))
	return 1
}

// moduleGetOptionPath is module:get_option_path(name, default, parent):
// the option as a path, a relative one resolved against parent: the
// module's folder when nil, a folder of prosody.paths by its name
// ("config", "data", …), else parent itself.
func moduleGetOptionPath(L *lua.LState) int {
	inst := instanceOf(L)
	v := inst.scalar(L)
	if v == lua.LNil {
		L.Push(lua.LNil)
		return 1
	}
	parent := path.Dir(inst.Path)
	if p, ok := L.Get(4).(lua.LString); ok {
		parent = string(p)
		if named, ok := inst.rt.paths()[parent]; ok {
			parent = named
		}
	}
	L.Push(lua.LString(resolveRelative(parent, L.ToStringMeta(v).String())))
	return 1
}

// resolveRelative is Prosody's resolve_relative_path: an absolute p as it
// is, a relative one (less a leading "./") under parent.
func resolveRelative(parent, p string) string {
	if strings.HasPrefix(p, "/") {
		return p
	}
	return strings.TrimRight(parent, "/") + "/" + strings.TrimLeft(strings.TrimPrefix(p, "./"), "/")
}
