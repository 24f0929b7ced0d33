package bridge

import _ "embed"

// util.error is written in Lua (lib_util_error.lua): error objects are
// tables with a metatable that modules compare, index and pass around.

//go:embed lib_util_error.lua
var utilErrorSource string

func init() { registerLibrary("util.error", luaSourceLibrary("util.error", utilErrorSource)) }
