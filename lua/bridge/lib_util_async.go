package bridge

import _ "embed"

// util.async is written in Lua (lib_util_async.lua): runners are
// coroutines of the module's own state, resumed by its callbacks.

//go:embed lib_util_async.lua
var utilAsyncSource string

func init() { registerLibrary("util.async", luaSourceLibrary("util.async", utilAsyncSource)) }
