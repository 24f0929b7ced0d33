package bridge

import (
	"time"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"
)

func init() { registerLibrary("util.time", funcsLibrary(timeFuncs)) }

// timeFuncs is require "util.time": now, the wall clock, and monotonic, a
// clock that never goes back (the system's CLOCK_MONOTONIC, as Prosody's),
// both in seconds with fractions.
var timeFuncs = map[string]lua.LGFunction{
	"now":       timeNow,
	"monotonic": timeMonotonic,
}

func timeNow(L *lua.LState) int {
	L.Push(lua.LNumber(float64(time.Now().UnixNano()) / 1e9))
	return 1
}

func timeMonotonic(L *lua.LState) int {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		L.RaiseError("util.time: monotonic clock: %v", err)
	}
	L.Push(lua.LNumber(float64(ts.Sec) + float64(ts.Nsec)/1e9))
	return 1
}
