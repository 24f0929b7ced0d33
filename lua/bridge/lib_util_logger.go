package bridge

import (
	"github.com/sirupsen/logrus"
	lua "github.com/yuin/gopher-lua"
)

// util.logger: init(name) is a log(level, fmt, ...) function and
// make_logger(name, level) (also new) a log(fmt, ...) one, both writing
// to moonport's log as the module does, with the name as the source
// field. Formats are Prosody's lenient string.format; a level other than
// debug, info, warn or error logs nothing, as in Prosody.

func init() {
	open := funcsLibrary(map[string]lua.LGFunction{"init": loggerInit, "make_logger": loggerMake})
	registerLibrary("util.logger", func(inst *Instance) lua.LValue {
		lib := open(inst).(*lua.LTable)
		lib.RawSetString("new", lib.RawGetString("make_logger"))
		return lib
	})
}

// loggerInit is init(name); the function it returns has the instance and
// the name as upvalues.
func loggerInit(L *lua.LState) int {
	name := L.CheckString(1)
	L.Push(L.NewClosure(loggerLog, L.Get(lua.UpvalueIndex(1)), lua.LString(name)))
	return 1
}

// loggerMake is make_logger(name, level): upvalues instance, name, level.
func loggerMake(L *lua.LState) int {
	name, level := L.CheckString(1), L.CheckString(2)
	L.Push(L.NewClosure(loggerLevel, L.Get(lua.UpvalueIndex(1)), lua.LString(name), lua.LString(level)))
	return 1
}

func loggerLog(L *lua.LState) int {
	level := L.CheckString(1)
	logAs(L, level, format(L, 2))
	return 0
}

func loggerLevel(L *lua.LState) int {
	logAs(L, L.Get(lua.UpvalueIndex(3)).String(), format(L, 1))
	return 0
}

// logAs writes msg to the instance's log at level, from the source named
// by the calling function's second upvalue.
func logAs(L *lua.LState, level, msg string) {
	lvl, ok := map[string]logrus.Level{
		"debug": logrus.DebugLevel, "info": logrus.InfoLevel,
		"warn": logrus.WarnLevel, "error": logrus.ErrorLevel,
	}[level]
	if !ok {
		return
	}
	instanceOf(L).log.WithField("source", L.Get(lua.UpvalueIndex(2)).String()).Log(lvl, msg)
}
