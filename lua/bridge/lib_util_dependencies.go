package bridge

import _ "embed"

// util.dependencies is written in Lua (lib_util_dependencies.lua), as small as Prosody's.

//go:embed lib_util_dependencies.lua
var utilDependenciesSource string

func init() {
	registerLibrary("util.dependencies", luaSourceLibrary("util.dependencies", utilDependenciesSource))
}
