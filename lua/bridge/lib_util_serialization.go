package bridge

import _ "embed"

// util.serialization is written in Lua (lib_util_serialization.lua): it
// writes Lua source and reads it back with Lua's own loader.

//go:embed lib_util_serialization.lua
var utilSerializationSource string

func init() {
	registerLibrary("util.serialization", luaSourceLibrary("util.serialization", utilSerializationSource))
}
