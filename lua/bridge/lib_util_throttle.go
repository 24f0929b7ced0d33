package bridge

import _ "embed"

// util.throttle is written in Lua (lib_util_throttle.lua): a throttle is a
// table whose fields (balance, max, rate) modules read, with methods.

//go:embed lib_util_throttle.lua
var utilThrottleSource string

func init() { registerLibrary("util.throttle", luaSourceLibrary("util.throttle", utilThrottleSource)) }
