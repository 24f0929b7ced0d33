package bridge

import _ "embed"

// util.helpers is written in Lua (lib_util_helpers.lua), as small as Prosody's.

//go:embed lib_util_helpers.lua
var utilHelpersSource string

func init() { registerLibrary("util.helpers", luaSourceLibrary("util.helpers", utilHelpersSource)) }
