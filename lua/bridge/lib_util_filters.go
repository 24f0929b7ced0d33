package bridge

import _ "embed"

// util.filters is written in Lua (lib_util_filters.lua): a session's
// filter chains are Lua functions called with Lua data, so there is
// nothing for Go to do faster.

//go:embed lib_util_filters.lua
var utilFiltersSource string

func init() { registerLibrary("util.filters", luaSourceLibrary("util.filters", utilFiltersSource)) }
