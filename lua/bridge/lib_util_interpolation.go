package bridge

import _ "embed"

// util.interpolation is written in Lua (lib_util_interpolation.lua): its
// templates are matched with Lua patterns and rendered through the
// module's own escape and filter functions.

//go:embed lib_util_interpolation.lua
var utilInterpolationSource string

func init() {
	registerLibrary("util.interpolation", luaSourceLibrary("util.interpolation", utilInterpolationSource))
}
