package bridge

import (
	lua "github.com/yuin/gopher-lua"
)

func init() { registerLibrary("util.prosodyctl", funcsLibrary(prosodyctlFuncs)) }

// prosodyctlFuncs is the part of require "util.prosodyctl" that modules
// take at load time: Prosody's mod_mimicking keeps show_usage for its
// prosodyctl command, so without it the module does not load at all.
// The account and process helpers (adduser, start, stop, …) are
// prosodyctl's own and stay out: moonport has its own commands.
var prosodyctlFuncs = map[string]lua.LGFunction{
	"show_usage":   prosodyctlShowUsage,
	"show_message": humanPrintf,
}

// prosodyctlShowUsage is show_usage(usage[, desc]): prints
// "Usage: moonport <usage>" and, when given, " <desc>" on the next line.
func prosodyctlShowUsage(L *lua.LState) int {
	usage := L.CheckString(1)
	print := L.GetGlobal("print")
	L.CallByParam(lua.P{Fn: print}, lua.LString("Usage: moonport "+usage))
	if desc := L.OptString(2, ""); desc != "" {
		L.CallByParam(lua.P{Fn: print}, lua.LString(" "+desc))
	}
	return 0
}
