package bridge

import (
	lua "github.com/yuin/gopher-lua"
)

// require "core.moduleapi": the table the module object takes its methods
// from, in the calling module's own state. A module adding or replacing a
// method there (Prosody's mod_http defines moduleapi.http_url) changes it
// for that module's object only: every module has its own Lua state, so
// the others keep theirs. In Prosody the table is shared by every module.
func init() { registerLibrary("core.moduleapi", openModuleAPI) }

func openModuleAPI(inst *Instance) lua.LValue {
	return inst.L.GetField(inst.L.GetMetatable(inst.module), "__index")
}
