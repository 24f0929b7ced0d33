package bridge

import _ "embed"

// util.promise is written in Lua (lib_util_promise.lua): promises are
// closures and tables that modules chain with next, catch and finally.

//go:embed lib_util_promise.lua
var utilPromiseSource string

func init() { registerLibrary("util.promise", luaSourceLibrary("util.promise", utilPromiseSource)) }
