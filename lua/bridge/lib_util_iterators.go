package bridge

import _ "embed"

// util.iterators is written in Lua (lib_util_iterators.lua): its functions
// take and return generic-for triples, which are Lua calls all the way.

//go:embed lib_util_iterators.lua
var utilIteratorsSource string

func init() {
	registerLibrary("util.iterators", luaSourceLibrary("util.iterators", utilIteratorsSource))
}
