package bridge

import (
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/host/config"
)

// core.configmanager reads the running config as Prosody's does: get(host,
// key) falls back from the host's section to the global one ("*"),
// rawget(host, key) does not, getconfig() is every section (host -> key ->
// value, unknown hosts and keys falling back to "*") and files() the files
// read. Each call returns copies: a module changing them changes nothing.
// The config changes only by editing the files and reloading, so set and
// load are refused with an error saying so.

var configmanagerFuncs = map[string]lua.LGFunction{
	"get":                   cfgGet,
	"rawget":                cfgRawGet,
	"getconfig":             cfgGetConfig,
	"files":                 cfgFiles,
	"resolve_relative_path": cfgResolve,
	"set":                   cfgRefuse,
	"load":                  cfgRefuse,
}

func init() { registerLibrary("core.configmanager", funcsLibrary(configmanagerFuncs)) }

// cfgRefuse is set and load: moonport's config is read from its files only.
func cfgRefuse(L *lua.LState) int {
	L.RaiseError("core.configmanager cannot change the config in moonport: edit the config file and reload (moonport reload)")
	return 0
}

// cfgKey reads the (host, key) arguments; Prosody's old ("core", key)
// form names the key third.
func cfgKey(L *lua.LState) (string, string) {
	host, key := L.CheckString(1), L.CheckString(2)
	if key == "core" {
		key = L.CheckString(3)
	}
	instanceOf(L).rt.noteOption(key)
	return host, key
}

func cfgGet(L *lua.LState) int {
	host, key := cfgKey(L)
	o, ok := instanceOf(L).snap.Load().Get(host, key)
	return pushOption(L, o, ok)
}

func cfgRawGet(L *lua.LState) int {
	host, key := cfgKey(L)
	snap := instanceOf(L).snap.Load()
	sec := snap.Global
	if host != "*" {
		sec = snap.Host(host)
	}
	if sec == nil {
		L.Push(lua.LNil)
		return 1
	}
	o, ok := sec.Options[key]
	return pushOption(L, o, ok)
}

func pushOption(L *lua.LState, o config.Option, ok bool) int {
	if !ok {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(toLua(L, o.Value))
	return 1
}

// cfgGetConfig is getconfig(): a copy of every section, with Prosody's
// fallbacks to the global section.
func cfgGetConfig(L *lua.LState) int {
	snap := instanceOf(L).snap.Load()
	global := sectionTable(L, snap.Global)
	out := L.NewTable()
	out.RawSetString("*", global)
	hostMeta := L.NewTable()
	hostMeta.RawSetString("__index", global)
	for _, sec := range snap.Hosts() {
		t := sectionTable(L, sec)
		L.SetMetatable(t, hostMeta)
		out.RawSetString(sec.Name, t)
	}
	topMeta := L.NewTable()
	topMeta.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		L.Push(global) // a host without a section reads the global one
		return 1
	}))
	L.SetMetatable(out, topMeta)
	L.Push(out)
	return 1
}

func sectionTable(L *lua.LState, sec *config.Section) *lua.LTable {
	t := L.NewTable()
	for k, o := range sec.Options {
		t.RawSetString(k, toLua(L, o.Value))
	}
	return t
}

func cfgFiles(L *lua.LState) int {
	out := L.NewTable()
	for _, f := range instanceOf(L).snap.Load().Files {
		out.Append(lua.LString(f))
	}
	L.Push(out)
	return 1
}

// cfgResolve is resolve_relative_path(parent, path) (Prosody's
// util.paths'): path when absolute, else beneath parent; a leading "./"
// and the parent's trailing slashes are dropped.
func cfgResolve(L *lua.LState) int {
	if L.Get(2) == lua.LNil {
		L.Push(lua.LNil)
		return 1
	}
	parent, path := L.CheckString(1), L.CheckString(2)
	if strings.HasPrefix(path, "./") {
		path = strings.TrimLeft(path[1:], "/")
	}
	if strings.HasPrefix(path, "/") {
		L.Push(lua.LString(path))
		return 1
	}
	L.Push(lua.LString(strings.TrimRight(parent, "/") + "/" + path))
	return 1
}
