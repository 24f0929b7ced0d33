package bridge

import (
	"strings"

	lua "github.com/yuin/gopher-lua"
)

func init() { registerLibrary("util.paths", funcsLibrary(pathsFuncs)) }

// pathsFuncs is require "util.paths", for "/" as the separator.
var pathsFuncs = map[string]lua.LGFunction{
	"resolve_relative_path": pathsResolve,
	"glob_to_pattern":       pathsGlob,
	"join":                  pathsJoin,
	"complement_lua_path":   pathsComplement,
}

// pathsResolve is resolve_relative_path(parent, path): a relative path
// (without its leading "./") joined under parent (without its trailing
// "/"); an absolute path, or anything not a string (nil), as it is.
func pathsResolve(L *lua.LState) int {
	parent := L.Get(1)
	p, ok := L.Get(2).(lua.LString)
	if !ok {
		L.Push(L.Get(2))
		return 1
	}
	path := string(p)
	if strings.HasPrefix(path, "./") {
		path = strings.TrimLeft(path[1:], "/")
	}
	if strings.HasPrefix(path, "/") {
		L.Push(lua.LString(path))
		return 1
	}
	L.Push(lua.LString(strings.TrimRight(lua.LVAsString(parent), "/") + "/" + path))
	return 1
}

// pathsGlob is glob_to_pattern(glob): a Lua pattern matching the whole
// string, "*" any run and "?" any one character, other punctuation
// literal.
func pathsGlob(L *lua.LState) int {
	glob := L.CheckString(1)
	var b strings.Builder
	b.WriteByte('^')
	for i := 0; i < len(glob); i++ {
		switch c := glob[i]; {
		case c == '*':
			b.WriteString(".*")
		case c == '?':
			b.WriteByte('.')
		case isLuaPunct(c):
			b.WriteByte('%')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('$')
	L.Push(lua.LString(b.String()))
	return 1
}

// isLuaPunct is C's ispunct in the C locale (Lua's %p).
func isLuaPunct(c byte) bool {
	return c > ' ' && c < 0x7f && !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z')
}

// pathsJoin is join(a, ...): the parts up to the first nil joined by "/".
func pathsJoin(L *lua.LState) int {
	parts := []string{L.CheckString(1)}
	for i := 2; i <= L.GetTop() && L.Get(i) != lua.LNil; i++ {
		parts = append(parts, L.CheckString(i))
	}
	L.Push(lua.LString(strings.Join(parts, "/")))
	return 1
}

// pathsComplement is complement_lua_path(dir): adds dir's
// share/lua/5.1/?.lua and ?/init.lua to package.path unless dir is in it
// already (how Prosody finds modules its plugin installer put there).
// package.cpath is left alone: moonport loads no C modules.
func pathsComplement(L *lua.LState) int {
	dir := L.CheckString(1)
	pkg, ok := L.GetGlobal("package").(*lua.LTable)
	if !ok {
		return 0
	}
	const share = "/share/lua/5.1/"
	if path := lua.LVAsString(pkg.RawGetString("path")); !strings.Contains(path, dir) {
		pkg.RawSetString("path", lua.LString(path+";"+dir+share+"?.lua;"+dir+share+"?/init.lua"))
	}
	return 0
}
