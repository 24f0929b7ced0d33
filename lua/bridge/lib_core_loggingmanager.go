package bridge

import (
	lua "github.com/yuin/gopher-lua"
)

// require "core.loggingmanager": Prosody's logging manager as far as it
// means something here. moonport's sinks (console, file, syslog) are Go's,
// built from the log option by host/logging and switched by a reload; a
// module cannot add a Lua one, since a sink would run in the module's
// state from every goroutine that logs.

func init() { registerLibrary("core.loggingmanager", funcsLibrary(loggingmanagerFuncs)) }

var loggingmanagerFuncs = map[string]lua.LGFunction{
	"reload_logging":     lmReloadLogging,
	"register_sink_type": lmRegisterSinkType,
	"get_levels":         lmGetLevels,
}

// logLevels are Prosody's, least severe first.
var logLevels = []string{"debug", "info", "warn", "error"}

// lmReloadLogging is reload_logging(): the log files are opened again, as
// SIGUSR1 does (a config reload already applies a changed log option).
// It returns true, or nil and why.
func lmReloadLogging(L *lua.LState) int {
	admin := instanceOf(L).rt.admin
	if admin == nil {
		L.Push(lua.LNil)
		L.Push(lua.LString("no log files to reopen in this process"))
		return 2
	}
	if _, err := admin.Call("reopen_logs", nil); err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	L.Push(lua.LTrue)
	return 1
}

// lmRegisterSinkType is register_sink_type(name, maker). Taking a sink
// type away (maker nil: mod_posix does so for "console" before it
// daemonizes) is accepted and changes nothing, logged; a Lua sink maker
// is refused with an error naming the caller's file and line.
func lmRegisterSinkType(L *lua.LState) int {
	name := L.CheckString(1)
	if L.Get(2) != lua.LNil {
		L.RaiseError("core.loggingmanager.register_sink_type(%q): moonport's log sinks are its own (console, file, syslog: the log option); a Lua sink cannot run here", name)
	}
	instanceOf(L).log.Debugf("register_sink_type(%q, nil): moonport keeps its %s sink (logging is the log option's)", name, name)
	L.Push(lua.LNil) // the type's Lua maker before: built-in sinks have none
	return 1
}

// lmGetLevels is get_levels(criteria, set): the levels criteria selects
// as a set (level -> true), added to set when given. criteria is a
// level, a list of levels, or { min = , max = } (from min up, to max).
func lmGetLevels(L *lua.LState) int {
	set := L.OptTable(2, L.NewTable())
	switch c := L.Get(1).(type) {
	case lua.LString:
		set.RawSetString(string(c), lua.LTrue)
	case *lua.LTable:
		min, max := c.RawGetString("min"), c.RawGetString("max")
		inRange := false
		if min != lua.LNil || max != lua.LNil {
			for _, level := range logLevels {
				lv := lua.LString(level)
				switch {
				case min == lv:
					inRange = true
				case max == lv:
					set.RawSetString(level, lua.LTrue)
					L.Push(set)
					return 1
				}
				if inRange {
					set.RawSetString(level, lua.LTrue)
				}
			}
		}
		for i := 1; c.RawGetInt(i) != lua.LNil; i++ {
			set.RawSet(c.RawGetInt(i), lua.LTrue)
		}
	default:
		L.ArgError(1, "a level, a list of levels or { min = , max = }")
	}
	L.Push(set)
	return 1
}
