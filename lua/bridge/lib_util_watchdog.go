package bridge

import _ "embed"

// util.watchdog is written in Lua (lib_util_watchdog.lua), on util.timer.

//go:embed lib_util_watchdog.lua
var utilWatchdogSource string

func init() { registerLibrary("util.watchdog", luaSourceLibrary("util.watchdog", utilWatchdogSource)) }
