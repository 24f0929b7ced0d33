package bridge

import _ "embed"

// util.multitable is written in Lua (lib_util_multitable.lua): the object
// is a plain table whose data field modules may read.

//go:embed lib_util_multitable.lua
var utilMultitableSource string

func init() {
	registerLibrary("util.multitable", luaSourceLibrary("util.multitable", utilMultitableSource))
}
