package bridge

import (
	"path/filepath"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Two getters of Prosody's moduleapi that real modules call:
// get_option_inherited_set (mod_reload_modules) and get_option_path
// (mod_posix, mod_http_files).

func init() {
	registerModuleMethods(map[string]lua.LGFunction{
		"get_option_inherited_set": moduleGetOptionInheritedSet,
		"get_option_path":          moduleGetOptionPath,
	})
}

// moduleGetOptionInheritedSet is module:get_option_inherited_set(name,
// default): the set of the host's value and the global one together (a
// host's modules_enabled with the global modules_enabled), or of default
// when neither is set; nil when default is nil too.
func moduleGetOptionInheritedSet(L *lua.LState) int {
	inst := instanceOf(L)
	here := inst.array(L)
	self := L.Get(1)
	ctx := L.NewTable()
	ctx.RawSetString("host", lua.LString("*")) // Prosody's module:context("*")
	L.Replace(1, ctx)
	global := inst.array(L)
	L.Replace(1, self)
	if here == nil && global == nil {
		L.Push(lua.LNil)
		return 1
	}
	items := L.NewTable()
	for _, list := range []*lua.LTable{here, global} {
		if list != nil {
			list.ForEach(func(_, v lua.LValue) { items.Append(v) })
		}
	}
	L.Push(stateSet(L, items))
	return 1
}

// moduleGetOptionPath is module:get_option_path(name, default, parent):
// the option as a string, a relative path resolved against parent — the
// module's folder when nil, "data" for data_path, "config" for the config
// file's folder, else parent itself — as Prosody's resolve_relative_path.
func moduleGetOptionPath(L *lua.LState) int {
	inst := instanceOf(L)
	snap := inst.snap.Load()
	parent := filepath.Dir(inst.Path)
	switch p := L.Get(4).(type) {
	case lua.LString:
		switch string(p) {
		case "data":
			parent = snap.Options.DataPath
			if parent == "" {
				parent = defaultDataPath
			}
		case "config":
			parent = filepath.Dir(snap.Path)
		default:
			parent = string(p)
		}
	}
	L.SetTop(3)
	v, ok := inst.scalar(L).(lua.LString)
	if !ok {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(lua.LString(resolveRelative(parent, string(v))))
	return 1
}

// resolveRelative is Prosody's resolve_relative_path: path under parent
// unless it is absolute, a leading "./" dropped; not cleaned further.
func resolveRelative(parent, path string) string {
	parent = strings.TrimRight(parent, "/")
	if rest, ok := strings.CutPrefix(path, "./"); ok {
		path = strings.TrimLeft(rest, "/")
	}
	if strings.HasPrefix(path, "/") {
		return path
	}
	return parent + "/" + path
}
